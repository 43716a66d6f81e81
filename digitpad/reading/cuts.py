"""Where touching digits may be cut apart: column-projection minima and least-ink cut paths (pure functions)."""

from __future__ import annotations

import numpy as np

# Cuts leave slices at least this wide (times the ink's height): a narrow 1 is about 0.15.
MINIMUM_SLICE_WIDTH_FRACTION = 0.12
MAXIMUM_CUTS = 5
# A cut follows the least-ink path from top to bottom within this reach (times the height) of its column;
# each sideways step and each column away from the start costs a little, so clean gaps are cut straight.
CUT_PATH_REACH = 0.1
CUT_PATH_STEP_COST = 0.05
CUT_PATH_DRIFT_COST = 0.1


def cut_columns(mask: np.ndarray) -> list[int]:
    """Up to MAXIMUM_CUTS columns of a boolean ink mask where the column projection has a local minimum,
    the deepest first kept, none closer than the minimum slice width to an edge or to each other."""
    height, width = mask.shape
    projection = mask.sum(axis=0).astype(np.float64)
    minimum_width = max(2, int(round(MINIMUM_SLICE_WIDTH_FRACTION * height)))
    last = width - minimum_width
    minima = []
    column = minimum_width
    while column <= last:
        end = column
        while end + 1 <= last and projection[end + 1] == projection[column]:
            end += 1  # a flat run is one minimum, cut at its middle
        before = projection[column - 1]
        after = projection[end + 1] if end + 1 < width else np.inf
        value = projection[column]
        if value <= before and value <= after and (value < before or value < after):
            minima.append(((column + end) // 2, value))
        column = end + 1
    cuts: list[int] = []
    for column, _ in sorted(minima, key=lambda item: item[1]):
        if all(abs(column - other) >= minimum_width for other in cuts):
            cuts.append(column)
        if len(cuts) == MAXIMUM_CUTS:
            break
    return sorted(cuts)


def cut_paths(mask: np.ndarray, columns: list[int]) -> np.ndarray:
    """For each cut column and each row, the column where a cut near it passes: the top-to-bottom path through the
    least ink, moving at most one column per row, so slanted and curved joins are cut cleanly. (len(columns), height);
    all cuts are traced together, row by row."""
    height, width = mask.shape
    reach = int(round(CUT_PATH_REACH * height))
    starts = np.asarray(columns, dtype=np.int64)
    if reach == 0 or not len(starts):
        return np.repeat(starts[:, np.newaxis], height, axis=1)
    # Each cut's window of 2 * reach + 1 columns around it; columns outside the mask are walls.
    offsets = np.arange(-reach, reach + 1)
    window = starts[:, np.newaxis] + offsets
    inside = (window >= 0) & (window < width)
    ink = np.where(inside[np.newaxis], mask[:, np.clip(window, 0, width - 1)], np.inf).astype(np.float64)
    drift = np.abs(offsets) * CUT_PATH_DRIFT_COST
    cost = ink[0] + drift
    steps = np.zeros((height, len(starts), len(offsets)), dtype=np.int8)
    wall = np.full((len(starts), 1), np.inf)
    for row in range(1, height):
        from_left = np.concatenate((wall, cost[:, :-1]), axis=1) + CUT_PATH_STEP_COST
        from_right = np.concatenate((cost[:, 1:], wall), axis=1) + CUT_PATH_STEP_COST
        choices = np.stack([from_left, cost, from_right])
        steps[row] = np.argmin(choices, axis=0) - 1
        cost = choices.min(axis=0) + ink[row] + drift
    paths = np.empty((len(starts), height), dtype=np.int64)
    paths[:, -1] = np.argmin(cost, axis=1)
    every = np.arange(len(starts))
    for row in range(height - 1, 0, -1):
        paths[:, row - 1] = paths[:, row] + steps[row, every, paths[:, row]]
    return paths + (starts - reach)[:, np.newaxis]


def slice_indices(mask: np.ndarray) -> np.ndarray:
    """Per pixel of a component's boolean mask: which slice it falls in once cut at every candidate cut
    (0 = left of all cuts); all zeros when there is nowhere to cut."""
    slices = np.zeros(mask.shape, dtype=np.int32)
    columns = np.arange(mask.shape[1])[np.newaxis, :]
    for path in cut_paths(mask, cut_columns(mask)):
        slices += columns >= path[:, np.newaxis]
    return slices
