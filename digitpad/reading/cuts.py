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


def cut_path(mask: np.ndarray, column: int) -> np.ndarray:
    """For each row, the column where a cut near `column` passes: the top-to-bottom path through the least
    ink, moving at most one column per row, so slanted and curved joins are cut cleanly."""
    height, width = mask.shape
    reach = int(round(CUT_PATH_REACH * height))
    if reach == 0:
        return np.full(height, column, dtype=np.int64)
    low, high = max(0, column - reach), min(width, column + reach + 1)
    ink = mask[:, low:high].astype(np.float64)
    drift = np.abs(np.arange(low, high) - column) * CUT_PATH_DRIFT_COST
    cost = ink[0] + drift
    steps = np.zeros((height, high - low), dtype=np.int8)
    for row in range(1, height):
        from_left = np.concatenate(([np.inf], cost[:-1])) + CUT_PATH_STEP_COST
        from_right = np.concatenate((cost[1:], [np.inf])) + CUT_PATH_STEP_COST
        choices = np.stack([from_left, cost, from_right])
        steps[row] = np.argmin(choices, axis=0) - 1
        cost = choices.min(axis=0) + ink[row] + drift
    path = np.empty(height, dtype=np.int64)
    path[-1] = int(np.argmin(cost))
    for row in range(height - 1, 0, -1):
        path[row - 1] = path[row] + steps[row, path[row]]
    return path + low


def slice_indices(mask: np.ndarray) -> np.ndarray:
    """Per pixel of a component's boolean mask: which slice it falls in once cut at every candidate cut
    (0 = left of all cuts); all zeros when there is nowhere to cut."""
    slices = np.zeros(mask.shape, dtype=np.int32)
    columns = np.arange(mask.shape[1])[np.newaxis, :]
    for column in cut_columns(mask):
        slices += columns >= cut_path(mask, column)[:, np.newaxis]
    return slices
