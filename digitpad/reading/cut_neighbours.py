"""Pieces of neighbouring writing that a crop's edges cut through, found and erased (pure)."""

from __future__ import annotations

import numpy as np

from digitpad.reading.segment import INK_LEVEL

# A digit cropped from a line of writing (a scanned form, a ledger) often keeps a sliver of its neighbours at the
# picture's sides, read as a 1 or glued to the digit. A sliver is the ink of the columns from the left or right edge
# (within EDGE_PIXELS) to the first column of bare paper, at most CUT_MAXIMUM_WIDTH times as wide and SLIVER_HEIGHT
# times as tall as the ink between the slivers (the core) is tall, with less ink than the core (a whole 1 at the side
# of a number is as tall as its neighbours: chosen on validation digits, where 0.9 cost numbers cropped tight at the
# sides 2.5 points and gained slivers 0.3). Read as one digit, there is no number to keep whole: a sliver may then be
# as tall as the core (SINGLE_DIGIT_SLIVER_HEIGHT; a 4's stem drawn apart is taller than the rest of it). Chosen on
# validation digits (bench_paper.py --validation): 96.2 -> 97.0% as a digit, up to 0.3 of the height beside it.
# Slivers are erased when the picture is not a tight crop of a number:
# - no ink reaches from the top edge to the bottom edge (a tight crop's tallest digits do); read as one digit, only
#   the sliver must not (a digit cropped tight above and below still has no number to keep whole: chosen on
#   validation digits, 96.0 -> 98.7% as a digit with up to 0.3 beside it);
# - a sliver at one side only is erased when the other side is bare paper (in a tight crop of "12" the 2 touches it);
# - slivers at both sides are erased when the core between them is one digit wide, at most CORE_ONE_DIGIT times as
#   wide as tall (a number cropped tight at the sides, "1231", keeps its 1s).
# A digit cropped from a page also keeps pieces of the lines written above and below it (a 7's tail, the foot of a
# 2) at the top and bottom edges. A cap is the ink from the top or bottom edge to the first bare row, erased when it is
# at most CAP_MAXIMUM_HEIGHT times as tall as the ink between the caps (the core), with less ink than the core, at
# least CAP_GAP of the core's height (and 2 rows) of bare paper away from it (a 2's foot that the clean-up parted from
# its body by a row is no cap), and the picture is no tight crop: no ink reaches from the left edge to the right
# edge, and the other edge is bare paper or has a cap too (a digit whose detached top touches the top of a tight crop
# touches the bottom as well). Chosen on validation digits (bench_paper.py --validation --only lines): crops from a
# page 91.0 -> 95.0% (97.0% without the gap, which cost a line crop its 2; 94.3% at a gap of 0.06).
CAP_MAXIMUM_HEIGHT = 0.5
CAP_GAP = 0.03
EDGE_PIXELS = 1
CUT_MAXIMUM_WIDTH = 0.5
CORE_ONE_DIGIT = 1.0
SLIVER_HEIGHT = 0.8
SINGLE_DIGIT_SLIVER_HEIGHT = 1.0


def _span(inked: np.ndarray) -> tuple[int, int]:
    """The first and last inked index along a 1-d mask that has ink."""
    where = np.flatnonzero(inked)
    return int(where[0]), int(where[-1])


def _height(inked: np.ndarray) -> int:
    """How many rows from the first inked one to the last (0 without ink)."""
    if not inked.any():
        return 0
    top, bottom = _span(inked.any(axis=1))
    return bottom - top + 1


def _cut_width(column_inked: np.ndarray) -> int:
    """How many columns from the start are a sliver: the inked run that starts within EDGE_PIXELS of the
    edge, 0 when there is none or no bare column after it."""
    start = int(np.argmax(column_inked))
    if not column_inked[start] or start > EDGE_PIXELS:
        return 0
    bare = np.flatnonzero(~column_inked[start:])
    return start + int(bare[0]) if bare.size else 0


def erase_cut_neighbours(ink: np.ndarray, single_digit: bool = False) -> np.ndarray:
    """The ink map without the slivers of neighbouring digits at its left and right edges and the caps of the lines
    above and below (see above), read as one digit or as a number; the map itself when it has neither (the usual
    case: nothing touches the edges)."""
    return _without_caps(_without_slivers(ink, single_digit))


def _pieces_at_sides(ink: np.ndarray, tight_matters: bool = True) -> tuple[np.ndarray, int, int, np.ndarray] | None:
    """For the left and right edges of an ink map: (its inked pixels, how many columns the pieces cut by each edge
    take (0: none), the inked pixels between them). None when nothing reaches either edge, when ink reaches from
    the top edge to the bottom edge (a tight crop), or when there is no ink between the pieces."""
    edge = EDGE_PIXELS + 1
    if not ((ink[:, :edge] > INK_LEVEL).any() or (ink[:, -edge:] > INK_LEVEL).any()):
        return None
    inked = ink > INK_LEVEL
    if tight_matters and _reaches_across(inked):
        return None
    column_inked = inked.any(axis=0)
    left, right = _cut_width(column_inked), _cut_width(column_inked[::-1])
    core = inked[:, left:inked.shape[1] - right]
    return (inked, left, right, core) if core.any() else None


def _reaches_across(inked: np.ndarray) -> bool:
    """Whether the ink reaches from the top edge to the bottom edge (within EDGE_PIXELS)."""
    top, bottom = _span(inked.any(axis=1))
    return top <= EDGE_PIXELS and bottom >= inked.shape[0] - 1 - EDGE_PIXELS


def _erased_beside(ink: np.ndarray, start: int, stop: int) -> np.ndarray:
    """The ink map with all but its columns start..stop-1 erased (the map itself when those are all of them)."""
    if start == 0 and stop == ink.shape[1]:
        return ink
    erased = np.zeros_like(ink)
    erased[:, start:stop] = ink[:, start:stop]
    return erased


def _without_caps(ink: np.ndarray) -> np.ndarray:
    # The caps of the rows are the slivers of the turned map: its columns are the rows here.
    pieces = _pieces_at_sides(ink.T)
    if pieces is None:
        return ink
    inked, top, bottom, core = pieces
    height = inked.shape[1]
    core_top, core_bottom = _span(core.any(axis=0))
    core_height, core_mass = core_bottom - core_top + 1, core.sum()
    gaps = (core_top, core.shape[1] - 1 - core_bottom)  # bare rows between each cap and the core
    caps = [run > 0 and run <= CAP_MAXIMUM_HEIGHT * core_height and inked[:, part].sum() < core_mass
            and gap >= max(2, CAP_GAP * core_height)
            for run, part, gap in ((top, slice(0, top), gaps[0]), (bottom, slice(height - bottom, height), gaps[1]))]
    bare = [top == 0 and core_top > EDGE_PIXELS, bottom == 0 and top + core_bottom < height - 1 - EDGE_PIXELS]
    if not ((caps[0] and (caps[1] or bare[1])) or (caps[1] and (caps[0] or bare[0]))):
        return ink
    return np.ascontiguousarray(_erased_beside(ink.T, top if caps[0] else 0, height - bottom if caps[1] else height).T)


def _without_slivers(ink: np.ndarray, single_digit: bool) -> np.ndarray:
    pieces = _pieces_at_sides(ink, tight_matters=not single_digit)
    if pieces is None:
        return ink
    inked, left, right, core = pieces
    width = inked.shape[1]
    core_left, core_right = _span(core.any(axis=0))
    core_height, core_mass = _height(core), core.sum()
    tallest = (SINGLE_DIGIT_SLIVER_HEIGHT if single_digit else SLIVER_HEIGHT) * core_height
    slivers = [run > 0 and run <= CUT_MAXIMUM_WIDTH * core_height and inked[:, part].sum() < core_mass
               and _height(inked[:, part]) <= tallest and not (single_digit and _reaches_across(inked[:, part]))
               for run, part in ((left, slice(0, left)), (right, slice(width - right, width)))]
    bare = [left == 0 and core_left + left > EDGE_PIXELS, right == 0 and left + core_right < width - 1 - EDGE_PIXELS]
    if all(slivers):
        erase = core_right - core_left + 1 <= CORE_ONE_DIGIT * core_height
    else:
        erase = (slivers[0] and bare[1]) or (slivers[1] and bare[0])
    if not erase:
        return ink
    return _erased_beside(ink, left if slivers[0] else 0, width - right if slivers[1] else width)
