"""Marks far out at a picture's edges, apart from the writing, found and erased (pure)."""

from __future__ import annotations

import numpy as np

from digitpad.reading.segment import INK_LEVEL

# A screenshot of a drawing app keeps its buttons and tool icons; a scan or a photo of a form keeps a punched hole, a
# staple or a logo. Read with the writing, such a mark shrinks the digit into a corner of the model's box. A far mark
# is the ink of the rows from the top or bottom edge up to a run of bare paper, when all of it lies within MARGIN_BAND
# of the picture's height from that edge and the bare run is at least FAR_GAP times as long as the ink beyond it is
# tall; at the left and right, the same with the picture's width, and a bare run at least FAR_GAP_SIDE times as long
# as the ink beyond it is wide (a number's digits, a comb field's among them, stand much closer than the number is
# wide), when no piece of the mark is SIDE_MARK_HEIGHT as tall as the writing (a 1 at the end of "16" is a digit of
# the number, each hole punched beside a digit is much smaller). Nothing is erased unless the ink beyond the gap
# reaches out of the band. Chosen on the validation digits: bench_paper.py --validation --only marks (MNIST validation
# digits as phone-app screenshots with a button and/or a row of tool icons, and as scans with punched holes) 34.5-88%
# -> 100% read right, and every other figure of bench_paper.py --validation and bench_number_scenes.py --validation
# the same. The test figures (only reported) showed one thing more: without SIDE_MARK_HEIGHT, the 1 of a two-digit
# number cropped tight ("16", the 1 at one side and a wide gap) was erased; tests/test_marks_and_forms.py keeps that
# case. FAR_GAP_SIDE 1.0 left the holes beside narrow digits (punched holes 94.5%), SIDE_MARK_HEIGHT 0.5 beside short
# ones (98.5%); FAR_GAP 0.5 read validation alike, but left a button above a tall digit in the screenshots of
# tests/test_marks_and_forms.py.
MARGIN_BAND = 0.2
FAR_GAP = 0.3
FAR_GAP_SIDE = 0.5
SIDE_MARK_HEIGHT = 0.7


def erase_far_marks(ink: np.ndarray) -> np.ndarray:
    """The ink map without far marks at its top and bottom, then at its left and right (see above); the map itself
    when it has none (the usual case)."""
    inked = ink > INK_LEVEL
    inked_rows, inked_columns = inked.any(axis=1), inked.any(axis=0)
    if _unbroken(inked_rows) and _unbroken(inked_columns):  # (no bare run inside the ink: the usual case, quickly)
        return ink
    kept = _without_far_rows(ink, inked_rows, FAR_GAP)
    if kept is not None:
        ink = kept
        inked_columns = (ink > INK_LEVEL).any(axis=0)
    kept = _without_far_rows(ink.T, inked_columns, FAR_GAP_SIDE, beside=True)  # (columns: the turned map's rows)
    return ink if kept is None else np.ascontiguousarray(kept.T)


def _unbroken(inked: np.ndarray) -> bool:
    """Whether a 1-d mask's True values are one run (or none)."""
    where = np.flatnonzero(inked)
    return where.size == 0 or int(where[-1] - where[0]) + 1 == where.size


def _extent(ink: np.ndarray) -> int:
    """How far the ink of a map reaches across its columns, from the first inked column to the last."""
    where = np.flatnonzero((ink > INK_LEVEL).any(axis=0))
    return int(where[-1] - where[0]) + 1 if where.size else 0


def _tallest_run(ink: np.ndarray) -> int:
    """The longest run of inked columns of a map."""
    runs = _spans((ink > INK_LEVEL).any(axis=0))
    return int((runs[:, 1] - runs[:, 0]).max()) if len(runs) else 0


def _spans(inked: np.ndarray) -> np.ndarray:
    """(start, stop) of each run of True in a 1-d mask, as rows of an (N, 2) array."""
    edges = np.flatnonzero(np.diff(np.concatenate(([False], inked, [False])).astype(np.int8)))
    return edges.reshape(-1, 2)


def _without_far_rows(ink: np.ndarray, inked_rows: np.ndarray, gap: float, beside: bool = False) -> np.ndarray | None:
    """`ink` with the far marks at its first and last rows (`inked_rows`: which rows hold ink) erased; None when it
    has none. `beside`: the map is turned, its rows are the picture's columns."""
    runs = _spans(inked_rows)
    if len(runs) < 2:
        return None
    rows = ink.shape[0]
    band = MARGIN_BAND * rows
    first = _marks_before(runs, band, gap)
    # The bottom's marks are the top's of the map turned upside down.
    stop = len(runs) - _marks_before(rows - runs[first:][::-1, ::-1], band, gap)
    if first == 0 and stop == len(runs):
        return None
    # Erased up to the middle of each gap: the writing keeps its faint rim.
    top = (runs[first - 1, 1] + runs[first, 0]) // 2 if first else 0
    bottom = (runs[stop - 1, 1] + runs[stop, 0] + 1) // 2 if stop < len(runs) else rows
    if beside:  # a mark beside the writing is no digit of the number: much shorter than the writing is tall
        tall = SIDE_MARK_HEIGHT * _extent(ink[top:bottom])
        if top and _tallest_run(ink[:top]) >= tall:
            top = 0
        if bottom < rows and _tallest_run(ink[bottom:]) >= tall:
            bottom = rows
        if top == 0 and bottom == rows:
            return None
    erased = np.zeros_like(ink)
    erased[top:bottom] = ink[top:bottom]
    return erased


def _marks_before(runs: np.ndarray, band: float, gap: float) -> int:
    """How many of the first inked runs (start, stop) are far marks: they end within `band`, the writing after them
    reaches beyond it, and the bare rows between are at least `gap` times as many as the writing is tall."""
    if len(runs) < 2 or runs[-1, 1] <= band:
        return 0
    for split in range(1, len(runs)):
        if runs[split - 1, 1] > band:
            return 0
        height = runs[-1, 1] - runs[split, 0]
        if runs[split, 0] - runs[split - 1, 1] >= gap * height:
            return split
    return 0
