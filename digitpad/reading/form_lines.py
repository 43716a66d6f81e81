"""Printed form lines around a written number (a box, its sides, a comb field's dividers) found and erased (pure)."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from digitpad.imaging.ink import EDGE_REACH, RULE_MIN_ACROSS, RULE_SPAN, edge_line_runs
from digitpad.imaging.preprocess import stroke_width
from digitpad.reading.marks import principal_axes
from digitpad.reading.segment import CONNECTIVITY, INK_LEVEL

# A comb field is also looked for in the ink above LINE_LEVEL: a light printed line (a form in a pale colour) comes out
# of the clean-up fainter than the writing, too faint to be a piece of it, yet enough to be read as a 1.
LINE_LEVEL = 0.25
# A box: a piece of ink around all the other ink whose sides (at least BOX_SIDES of its four) are straight lines
# along its edges, each inked along at least SIDE_COVERAGE of its length within SIDE_BAND of the piece's box
# (times its shorter side; a printed line is thin). An oval (a zero) covers about half of each edge. A side is
# erased as deep as it is thick: the band, and the lines past it still inked along SIDE_COVERAGE (a table's thick
# rules).
BOX_SIDES = 3
SIDE_COVERAGE = 0.9
SIDE_BAND = 0.08
# A box's side left alone (its top and bottom already erased as ruled lines): a vertical line beside all the
# writing (left or right of it), RULE_HEIGHT to RULE_MAXIMUM_HEIGHT times as tall as the tallest piece of writing,
# and straighter than any pen: its centre drifts by less than RULE_WOBBLE pixels (standard deviation from a fitted
# line) and leans less than RULE_LEAN; it reaches past the writing's top and bottom by RULE_REACH of the writing's
# height (a 4's stem drawn with a ruler does not).
RULE_HEIGHT = 1.15
RULE_MAXIMUM_HEIGHT = 2.5
RULE_WOBBLE = 0.75
RULE_LEAN = 0.03
RULE_REACH = 0.04
RULE_MINIMUM_ROWS = 12
# A line's straightness is judged leaving out RULE_ENDS of its height at each end: where a box's top and bottom were
# erased as ruled lines, stubs of them stay at its sides' ends (a big scan's box read "16821" for "682").
RULE_ENDS = 0.1
# The writing's extent leaves out pieces shorter than RULE_SLIVER times its tallest (what is left of a ruled line).
RULE_SLIVER = 0.1
# A comb field (one printed box per digit, or a baseline with a tick between each two digits): once the ink clean-up
# has erased its horizontal rules, its dividers are straight upright lines among the digits, read as 1s. At least
# COMB_MINIMUM_LINES such lines (COMB_MINIMUM_ROWS tall or more) whose tops and bottoms agree within COMB_ALIGNMENT
# of their height (or 2 px), and which stand at least COMB_SPACING times the tallest piece of writing apart, are
# dividers: a writer's 1s are never so straight, so alike and so aligned all at once.
COMB_MINIMUM_LINES = 3
COMB_MINIMUM_ROWS = 8
COMB_ALIGNMENT = 0.06
COMB_SPACING = 0.5
# A divider that writing touches is one piece with it, a piece that reaches the comb's top and bottom (writing alone
# seldom fills a box exactly); in such a piece, the columns inked along at least SIDE_COVERAGE of the comb's height
# are erased too. So are those of a printed box around all the writing (a comb of two or three boxes).
# A baseline with ticks that the clean-up left (in a short picture a line alone could be a digit's bar): a piece whose
# bottom is a straight line under all the other ink, spanning it, at least COMB_TICK_WIDTH times as wide as the
# tallest other piece (two cells at least: a digit's own base stroke is narrower) and at most COMB_TICK_HEIGHT times
# as tall, with at least COMB_MINIMUM_LINES - 1 fully inked columns (ticks, COMB_MINIMUM_ROWS tall or more); its
# bottom band and its ticks are erased.
COMB_TICK_WIDTH = 1.5
COMB_TICK_HEIGHT = 0.75
# A printed line the writing stands on without touching it (a form's baseline that stops inside the picture): a
# straight, level, thin piece (see _is_straight_vertical) under all the other ink, spanning it, at least
# UNDERLINE_WIDTH times as wide as the tallest other piece (a 2's base or a 1's foot is shorter than the digit is
# tall) and at most UNDERLINE_THICKNESS times as thick.
UNDERLINE_WIDTH = 1.0
UNDERLINE_THICKNESS = 0.15
# A ring around the writing (a printed circle on a form, a number circled by hand): a piece whose hole holds all the
# other pieces, at least RING_SIZE times as tall as the tallest of them (a slash or a dot inside a zero is nearly as
# tall as the zero, or far smaller: at least RING_WRITING of the ring's height is writing).
RING_SIZE = 1.4
RING_WRITING = 0.3
# A zero with a slash inside that does not touch it (writers who slash their zeros, some along the zero's long axis)
# is no ring around a 1: a ring taller than wide (its long axis within ZERO_LEAN degrees of the vertical, its spread
# across that axis at most ZERO_NARROW of its spread along it) around one thin stroke (its spread across at most
# SLASH_THIN of its spread along) stays. Circles drawn round a digit are about round (0.88 and above in
# bench_paper.py's circled digits). Chosen on zeros drawn as rings with a slash inside (a probe: 279 of the 352 that
# were read as their slash kept) and bench_paper.py --validation --only cells (circled the same); ZERO_LEAN from the
# training and validation pen writers' zeros, 90% of the narrow ones leaning less than 57 degrees.
ZERO_LEAN = 60.0
ZERO_NARROW = 0.85
SLASH_THIN = 0.35
# A table's rules (or a box's sides) along the picture's edges, touching the writing or not and however thick: rows
# (columns) inked along RULE_SPAN of the picture's width (height), from within EDGE_RULE_BAND of its top or bottom
# (left or right) edge (of its shorter side) and ending within it, that reach past all the rest of the ink at both
# ends by EDGE_REACH of the rest's extent that way (a 7's or a 5's bar, a 2's base, the ruler-straight 1s at
# both ends of "1231" cropped tight end where the rest of the writing does). The rest must be at least
# EDGE_RULE_WRITING of the picture's height (or width) tall, and the picture at least RULE_MIN_ACROSS each way (in
# a smaller one a digit's own stroke cropped tight is as thin as a rule: of the 10,000 MNIST test digits cropped
# tight, a 2's long base and a 4's stem were taken; none of them at three times the size, 2 of 14,988 pen digits of
# all 30 writers cropped tight at 40 to 90 px with 2 to 5 px pens, a 1's foot and a 7's bar). Chosen on
# bench_paper.py --validation --only cells (read as one digit, after ink.py's edge lines and the boxes below): thin
# lines meeting at a corner 96.8 -> 99.2%, along one side 99.2 -> 100%; a table's thick rules at a corner 87.0 ->
# 99.0%, above and below 96.0 -> 97.5%; erasing only the rules that reach past themselves, not all those found with
# one, left a box's side the writing came near to (full box 99.5 -> 98.8%, not kept).
EDGE_RULE_BAND = 0.15
EDGE_RULE_WRITING = 0.2
# An empty cell: where such rules are all the ink there is (a form's cell or a table's row cropped with nothing
# written in it), they are erased all the same; and where what is left lies within EDGE_RULE_BAND of the edges in
# pieces under EMPTY_CELL_STUB of the picture's shorter side (stubs of a box the clean-up took for paper, specks),
# nothing is written there: "no digit found" rather than the cell's lines read as a 1, a 0 or "11" (a probe, 40
# empty cells of each kind of bench_paper.py's cells: 318 of 360 were read as digits). A stub is a piece of the box's
# line: it runs along an edge (no shorter along it than across), within EMPTY_CELL_STUB_GAP of the shorter side (and
# at least 2 px) of it, and is no thicker across it than EMPTY_CELL_STUB_STROKES times its own strokes are wide. A
# small digit written near a big picture's edge is none (drawn small with a thin pen on a phone's or a tablet's canvas,
# a digit 3-12% from a side edge was erased as stubs: 8-10% of such pictures "no digit found"; a 40 px digit on a
# 600 px canvas, 50 px or more from its edges, 24 of 600), nor a 1 written near the top or bottom edge. The stubs left
# in bench_paper.py's empty cells are 1-2 px thick, 0-3 px from their edge.
EMPTY_CELL_STUB = 0.25
EMPTY_CELL_STUB_GAP = 0.05
EMPTY_CELL_STUB_STROKES = 2.5
# A comb field holds two digits or more, so its ink is at least COMB_MINIMUM_ASPECT times as wide as tall: writing that
# is narrower and all one piece (a digit alone, the usual case) is left as it is at once, unless it is a digit
# touching the box it was cropped with (_is_boxed; form cells cropped with their box, bench_paper.py --validation
# --only cells, once ink was told from paper inside boxes: full box 98.0 -> 99.2%, three sides 97.2 -> 99.8% read as
# one digit).
COMB_MINIMUM_ASPECT = 1.1


def _side_covered(mask: np.ndarray, band: int) -> list[bool]:
    """For a piece's own box (`mask` cropped to it): which of top, bottom, left, right is a straight inked line."""
    return [
        mask[:band].any(axis=0).mean() >= SIDE_COVERAGE,
        mask[-band:].any(axis=0).mean() >= SIDE_COVERAGE,
        mask[:, :band].any(axis=1).mean() >= SIDE_COVERAGE,
        mask[:, -band:].any(axis=1).mean() >= SIDE_COVERAGE,
    ]


def _side_band(mask: np.ndarray) -> int:
    """How many rows (columns) of a piece's box, along each of its edges, a printed side lies within (SIDE_BAND)."""
    return max(2, int(round(SIDE_BAND * min(mask.shape))))


def _line_depth(coverage: np.ndarray, band: int) -> tuple[int, int]:
    """How deep a box's sides reach in from both ends of a piece's rows (columns), given how much of each is inked
    (`coverage`): the side band, and the lines past it still inked along SIDE_COVERAGE (a thick printed line)."""
    depths = []
    for shares in (coverage, coverage[::-1]):
        depth = band
        while depth < len(shares) // 2 and shares[depth] >= SIDE_COVERAGE:
            depth += 1
        depths.append(depth)
    return depths[0], depths[1]


def _is_boxed(mask: np.ndarray) -> bool:
    """Is a piece (cropped to its box) writing framed by straight lines along at least BOX_SIDES of its edges
    (writing that touches its box is one piece with it): at least RULE_MINIMUM_ROWS each way and mostly paper
    inside the lines (a heavy digit covers every edge of its own box)?"""
    if min(mask.shape) < RULE_MINIMUM_ROWS:
        return False
    band = _side_band(mask)
    # (three sides of four take the top or the bottom: most pieces are digits, and this settles it at once)
    least = SIDE_COVERAGE * mask.shape[1]
    if not (np.count_nonzero(mask[:band].any(axis=0)) >= least or np.count_nonzero(mask[-band:].any(axis=0)) >= least):
        return False
    if sum(_side_covered(mask, band)) < BOX_SIDES:
        return False
    (top, bottom), (left, right) = _line_depth(mask.mean(axis=1), band), _line_depth(mask.mean(axis=0), band)
    inside = mask[top:mask.shape[0] - bottom, left:mask.shape[1] - right]
    return inside.size > 0 and inside.mean() < 0.5


def _encloses(box: tuple[slice, slice], other: tuple[slice, slice]) -> bool:
    return (box[0].start <= other[0].start and other[0].stop <= box[0].stop
            and box[1].start <= other[1].start and other[1].stop <= box[1].stop)


def _is_straight_vertical(mask: np.ndarray) -> bool:
    """Is this piece (cropped to its box) a printed vertical line: thin, straight, upright, and at least
    COMB_MINIMUM_ROWS tall? (Judged between its ends: see RULE_ENDS.)"""
    if mask.shape[0] < COMB_MINIMUM_ROWS:
        return False
    height = mask.shape[0]
    mask = _between_ends(mask)
    inked = np.flatnonzero(mask.any(axis=0))
    if inked.size == 0 or inked[-1] - inked[0] + 1 > 0.15 * height:
        return False
    mask = mask[:, inked[0]:inked[-1] + 1]
    rows = np.flatnonzero(mask.any(axis=1))
    columns = np.arange(mask.shape[1], dtype=np.float64)
    weights = mask[rows].astype(np.float64)
    centres = (weights * columns).sum(axis=1) / weights.sum(axis=1)
    slope, intercept = np.polyfit(rows, centres, 1)
    wobble = float(np.std(centres - (slope * rows + intercept)))
    return abs(slope) < RULE_LEAN and wobble < RULE_WOBBLE


def _between_ends(mask: np.ndarray) -> np.ndarray:
    """A vertical line's piece without RULE_ENDS of its height at each end."""
    end = int(RULE_ENDS * mask.shape[0])
    return mask[end:mask.shape[0] - end]


def _beside(box: tuple[slice, slice], mask: np.ndarray, left: int, right: int) -> bool:
    """Whether a vertical line (its piece `mask` in `box`) stands left of column `left` or right of `right`, its ends'
    stubs left out (see RULE_ENDS)."""
    inked = np.flatnonzero(_between_ends(mask).any(axis=0))
    return bool(inked.size) and (box[1].start + inked[-1] < left or box[1].start + inked[0] >= right)


def erase_form_lines(ink: np.ndarray) -> np.ndarray:
    """The ink map without rules along the picture's edges (a table's), a printed box around the number, the box's
    vertical sides beside it, or a comb field's dividers; the same array when there is none (the usual case). Strokes that touch a box keep everything but the
    box's lines. Boxes and sides are looked for among the pieces of writing (above INK_LEVEL), comb fields also in
    fainter ink (LINE_LEVEL)."""
    ink = _erase_edge_rules(ink)
    labels, count = ndimage.label(ink > INK_LEVEL, structure=CONNECTIVITY)
    if count == 0:
        return ink
    if _only_stubs_at_edges(labels):
        return np.zeros_like(ink)
    boxes = ndimage.find_objects(labels)
    rows, columns = boxes[0]
    if (count == 1 and columns.stop - columns.start < COMB_MINIMUM_ASPECT * (rows.stop - rows.start)
            and not _is_boxed(labels[boxes[0]] > 0)):
        return ink
    erased = _erase(ink, INK_LEVEL, labels, boxes, combs_only=False)
    labels, _ = ndimage.label(erased > LINE_LEVEL, structure=CONNECTIVITY)
    return _erase(erased, LINE_LEVEL, labels, ndimage.find_objects(labels), combs_only=True)


def _erase_edge_rules(ink: np.ndarray) -> np.ndarray:
    """The ink without the rules along the picture's edges (see EDGE_RULE_BAND); the same array when there are none."""
    if min(ink.shape) < RULE_MIN_ACROSS:
        return ink
    inked = ink > INK_LEVEL
    # (the usual case, settled at once: the ink spans less than a rule would, across and down)
    if (np.count_nonzero(inked.any(axis=0)) < RULE_SPAN * ink.shape[1]
            and np.count_nonzero(inked.any(axis=1)) < RULE_SPAN * ink.shape[0]):
        return ink
    band = max(2, int(EDGE_RULE_BAND * min(ink.shape)))
    rows, columns = _edge_rule_runs(inked.mean(axis=1), band), _edge_rule_runs(inked.mean(axis=0), band)
    if not rows and not columns:
        return ink
    rule = np.zeros(ink.shape, dtype=bool)
    for start, stop in rows:
        rule[start:stop] = True
    for start, stop in columns:
        rule[:, start:stop] = True
    rest = inked & ~rule
    rest_rows, rest_columns = np.flatnonzero(rest.any(axis=1)), np.flatnonzero(rest.any(axis=0))
    if not rest_rows.size:  # (nothing but the lines: an empty cell)
        return np.zeros_like(ink)
    if (rest_rows[-1] - rest_rows[0] < EDGE_RULE_WRITING * ink.shape[0]
            or rest_columns[-1] - rest_columns[0] < EDGE_RULE_WRITING * ink.shape[1]):
        return ink
    reaching_past = False
    for runs, axis, extent in ((rows, 0, rest_columns), (columns, 1, rest_rows)):
        reach = EDGE_REACH * (extent[-1] - extent[0])
        for start, stop in runs:
            along = np.flatnonzero(np.take(inked, np.arange(start, stop), axis=axis).any(axis=axis))
            reaching_past |= bool(extent[0] - along[0] >= reach and along[-1] - extent[-1] >= reach)
    if not reaching_past:
        return ink
    # The rules' own pieces in their rows and columns (writing apart from them keeps its pixels there), all the rules
    # found with one that reaches past the writing (a box's side the writing comes near to goes with the others).
    labels, _ = ndimage.label(inked, structure=CONNECTIVITY)
    long_pieces = [index + 1 for index, box in enumerate(ndimage.find_objects(labels))
                   if box[1].stop - box[1].start >= RULE_SPAN * ink.shape[1]
                   or box[0].stop - box[0].start >= RULE_SPAN * ink.shape[0]]
    erase = rule & np.isin(labels, long_pieces)
    erase = ndimage.binary_dilation(erase, iterations=1) & ~(inked & ~erase)
    return np.where(erase, 0.0, ink).astype(np.float32)


def _only_stubs_at_edges(labels: np.ndarray) -> bool:
    """Whether all the ink (`labels`, its pieces) is short pieces along the picture's edges: an empty cell (see
    EMPTY_CELL_STUB)."""
    if min(labels.shape) < RULE_MIN_ACROSS:
        return False
    band = max(2, int(EDGE_RULE_BAND * min(labels.shape)))
    if labels[band:-band, band:-band].any():
        return False
    height, width = labels.shape
    stub, gap = EMPTY_CELL_STUB * min(height, width), max(2.0, EMPTY_CELL_STUB_GAP * min(height, width))
    for index, (rows, columns) in enumerate(ndimage.find_objects(labels)):
        tall, wide = rows.stop - rows.start, columns.stop - columns.start
        if max(tall, wide) >= stub:
            return False
        thin = EMPTY_CELL_STUB_STROKES * stroke_width(labels[rows, columns] == index + 1)
        along_top_or_bottom = wide >= tall and tall <= thin and min(rows.start, height - rows.stop) <= gap
        along_a_side = tall >= wide and wide <= thin and min(columns.start, width - columns.stop) <= gap
        if not (along_top_or_bottom or along_a_side):
            return False
    return True


def _edge_rule_runs(coverage: np.ndarray, band: int) -> list[tuple[int, int]]:
    """The runs [start, stop) of lines (rows or columns, `coverage`: the share of each inked) at either end that are a
    rule along that edge (see EDGE_RULE_BAND)."""
    starts, stops = edge_line_runs(np.stack((coverage, coverage[::-1])), band)
    runs = []
    if stops[0]:
        runs.append((int(starts[0]), int(stops[0])))
    if stops[1]:
        runs.append((len(coverage) - int(stops[1]), len(coverage) - int(starts[1])))
    return runs


def _erase(ink: np.ndarray, level: float, labels: np.ndarray, boxes: list[tuple[slice, slice]],
           combs_only: bool) -> np.ndarray:
    """The ink without the form lines found among its pieces above `level` (`labels`, `boxes`), only those of comb
    fields if `combs_only`."""
    masks = [labels[box] == index + 1 for index, box in enumerate(boxes)]
    heights = np.array([box[0].stop - box[0].start for box in boxes])
    erase = np.zeros(ink.shape, dtype=bool)
    lines = np.array([_is_straight_vertical(mask) for mask in masks], dtype=bool)
    dividers = _comb_dividers(boxes, heights, lines)
    for index in dividers:
        erase[boxes[index]] |= masks[index]
    if dividers:
        erase |= _touched_dividers(labels, boxes, dividers)
    straight = lines & (heights >= RULE_MINIMUM_ROWS)  # (lines tall enough to be a box's side)
    writing = heights[~straight].max() if (~straight).any() else 0
    if writing:
        # (slivers the clean-up left of a ruled line do not count)
        pieces = [box for box, line, height in zip(boxes, straight, heights)
                  if not line and height >= RULE_SLIVER * writing]
        writing_top = min(box[0].start for box in pieces)
        writing_bottom = max(box[0].stop for box in pieces)
        writing_left = min(box[1].start for box in pieces)
        writing_right = max(box[1].stop for box in pieces)
        reach = RULE_REACH * writing
    for index, (box, mask) in enumerate(zip(boxes, masks)):
        others = [other for position, other in enumerate(boxes) if position != index]
        band = _side_band(mask)
        sides = _side_covered(mask, band)
        dividing = mask.mean(axis=0) >= SIDE_COVERAGE  # columns inked from top to bottom
        if (sum(sides) >= BOX_SIDES and all(_encloses(box, other) for other in others)
                and (not combs_only or dividing[band:-band].any())):
            edges = np.zeros(mask.shape, dtype=bool)
            across, down = _line_depth(mask.mean(axis=1), band), _line_depth(mask.mean(axis=0), band)
            regions = (np.s_[:across[0]], np.s_[-across[1]:], np.s_[:, :down[0]], np.s_[:, -down[1]:])
            for covered, region in zip(sides, regions):
                if covered:
                    edges[region] = True
            edges[:, dividing] = True
            erase[box] |= mask & edges
        elif not combs_only and others and _is_ring(box, mask, others) and not _is_slashed_zero(
                mask, [masks[position] for position in range(len(boxes)) if position != index]):
            erase[box] |= mask
        elif sides[1] and others and _is_under_all(box, others, heights[index]):
            if _runs(dividing) >= COMB_MINIMUM_LINES - 1:  # (the ticks)
                edges = np.zeros(mask.shape, dtype=bool)
                edges[-band:] = True
                edges[:, dividing] = True
                erase[box] |= mask & edges
        elif others and _is_underline(box, mask, others):
            erase[box] |= mask
        elif (not combs_only and straight[index] and writing
              and RULE_HEIGHT * writing <= heights[index] <= RULE_MAXIMUM_HEIGHT * writing
              and box[0].start <= writing_top - reach and box[0].stop >= writing_bottom + reach
              and _beside(box, mask, writing_left, writing_right)):
            erase[box] |= mask
    inked = labels > 0
    if not erase.any() or not inked[~erase].any():
        return ink
    # The line's soft rim goes with it.
    erase = ndimage.binary_dilation(erase, iterations=1) & ~(inked & ~erase)
    return np.where(erase, 0.0, ink).astype(np.float32)


def _comb_dividers(boxes: list[tuple[slice, slice]], heights: np.ndarray, straight: np.ndarray) -> list[int]:
    """The pieces that are the dividers of a comb field (see COMB_MINIMUM_LINES), among the `straight` ones (printed
    vertical lines); none when there is no comb."""
    lines = [int(index) for index in np.flatnonzero(straight)]
    if len(lines) < COMB_MINIMUM_LINES:
        return []
    writing = max((height for index, height in enumerate(heights) if index not in lines), default=0)
    best: list[int] = []
    for reference in lines:
        top, bottom = boxes[reference][0].start, boxes[reference][0].stop
        tolerance = max(2.0, COMB_ALIGNMENT * (bottom - top))
        aligned = [index for index in lines
                   if abs(boxes[index][0].start - top) <= tolerance and abs(boxes[index][0].stop - bottom) <= tolerance]
        if len(aligned) > len(best):
            best = aligned
    if len(best) < COMB_MINIMUM_LINES:
        return []
    centres = np.sort([(boxes[index][1].start + boxes[index][1].stop) / 2 for index in best])
    if np.diff(centres).min() < COMB_SPACING * max(writing, 1):
        return []
    return best


def _touched_dividers(labels: np.ndarray, boxes: list[tuple[slice, slice]], dividers: list[int]) -> np.ndarray:
    """The comb's dividers that writing touches, as a mask of what to erase: the columns, inked along SIDE_COVERAGE of
    the comb's height, of the pieces that reach its top and bottom."""
    erase = np.zeros(labels.shape, dtype=bool)
    top = int(np.median([boxes[index][0].start for index in dividers]))
    bottom = int(np.median([boxes[index][0].stop for index in dividers]))
    tolerance = max(2.0, COMB_ALIGNMENT * (bottom - top))
    for index, box in enumerate(boxes):
        if index in dividers or box[0].start > top + tolerance or box[0].stop < bottom - tolerance:
            continue
        mask = labels[top:bottom, box[1]] == index + 1
        full = mask.mean(axis=0) >= SIDE_COVERAGE
        if full.any():
            erase[top:bottom, box[1]] |= mask & full
    return erase


def _is_under_all(box: tuple[slice, slice], others: list[tuple[slice, slice]], height: int) -> bool:
    """Is a piece a baseline (with ticks) under all the other pieces: below them, spanning them, and not as tall as
    the writing (see COMB_TICK_HEIGHT)?"""
    tallest = max(other[0].stop - other[0].start for other in others)
    slack = 0.1 * tallest
    return (COMB_MINIMUM_ROWS <= height <= COMB_TICK_HEIGHT * tallest
            and box[1].stop - box[1].start >= COMB_TICK_WIDTH * tallest
            and box[0].stop >= max(other[0].stop for other in others) - slack and _spans(box, others, slack))


def _is_underline(box: tuple[slice, slice], mask: np.ndarray, others: list[tuple[slice, slice]]) -> bool:
    """Is a piece (`mask`, cropped to its `box`) a printed line under all the other pieces, spanning them (see
    UNDERLINE_WIDTH)?"""
    tallest = max(other[0].stop - other[0].start for other in others)
    slack = 0.1 * tallest
    return (mask.shape[1] >= UNDERLINE_WIDTH * tallest and mask.shape[0] <= UNDERLINE_THICKNESS * tallest
            and box[0].start >= max(other[0].stop for other in others) - slack and _spans(box, others, slack)
            and _is_straight_vertical(mask.T))


def _spans(box: tuple[slice, slice], others: list[tuple[slice, slice]], slack: float) -> bool:
    """Does a piece's box reach (within `slack` pixels) from the leftmost of the other pieces to the rightmost?"""
    return (box[1].start <= min(other[1].start for other in others) + slack
            and box[1].stop >= max(other[1].stop for other in others) - slack)


def _is_ring(box: tuple[slice, slice], mask: np.ndarray, others: list[tuple[slice, slice]]) -> bool:
    """Is a piece (`mask`, cropped to its `box`) a ring around all the other pieces (see RING_SIZE)?"""
    tallest = max(other[0].stop - other[0].start for other in others)
    if not (RING_WRITING * mask.shape[0] <= tallest and RING_SIZE * tallest <= mask.shape[0]
            and all(_encloses(box, other) for other in others)):
        return False
    hole = ndimage.binary_fill_holes(mask) & ~mask
    return all(hole[(other[0].start + other[0].stop) // 2 - box[0].start,
                    (other[1].start + other[1].stop) // 2 - box[1].start] for other in others)


def _is_slashed_zero(ring: np.ndarray, inside: list[np.ndarray]) -> bool:
    """Is a ring (`ring`, its mask) with the pieces `inside` it a zero with a slash in it (see ZERO_LEAN)?"""
    if len(inside) != 1:
        return False
    across, along, column_step, row_step = principal_axes(ring)
    lean = np.degrees(np.arctan2(abs(column_step), abs(row_step)))
    slash_across, slash_along, _, _ = principal_axes(inside[0])
    return lean <= ZERO_LEAN and across <= ZERO_NARROW * along and slash_across <= SLASH_THIN * slash_along


def _runs(flags: np.ndarray) -> int:
    """How many runs of True a boolean row holds."""
    return int(np.count_nonzero(np.diff(np.concatenate([[0], flags.astype(np.int8)])) == 1))
