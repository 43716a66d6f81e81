"""Lines drawn by hand under a number (a ledger's total, an amount underlined once or twice) found and erased (pure)."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from digitpad.reading.segment import INK_LEVEL

# An underline is the lowest ink followed from column to column: its bottom edge moves by at most UNDERLINE_STEP pen
# widths a column (a hand's wobble, a slight slope; where the line ends under a digit, the digit's foot lies a pen's
# width or more higher), passing over at most UNDERLINE_BRIDGE pen widths of columns where it is hidden (a stroke
# crossing it, a digit's base dipping below it) and moving by at most UNDERLINE_JUMP pen widths across them (a line
# sloping as steeply as UNDERLINE_RISE moves 0.75; more is another line: the upper one of a total underlined twice,
# or a digit's foot, where the lower line starts later); a bare column ends it. It is an underline when
# - it runs along at least UNDERLINE_SPAN of the ink's width, is found in at least UNDERLINE_MATCH of its columns (the
#   round feet of touching digits are followed only by passing over their sides), and in at least UNDERLINE_THIN of
#   them the lowest ink is one pen stroke (at most UNDERLINE_THICKNESS pen widths; elsewhere a digit rests on it);
# - its ends are at most UNDERLINE_RISE of its length apart in height, its middle at most UNDERLINE_BOW from them;
# - it is at least UNDERLINE_LENGTH times as long as the writing above it is tall (a 2's base, a 1's foot are
#   shorter);
# - it runs under bare paper (no ink higher than UNDERLINE_BAND of the writing's height above it: a second line under
#   the first is lower) in at least UNDERLINE_GAPS stretches at least UNDERLINE_GAP_WIDTH of the writing's height
#   (and two pen widths) wide, one of them between two digits (two touching 2s, their bases joined, have only the
#   last one's tail); one, between two digits, is enough where the line touches no other ink (under a number of two
#   digits; no digit's base is drawn apart from it).
# Up to UNDERLINES lines are erased, lowest first (a total underlined twice); where a digit rests on the line, only the
# line's own rows below its top UNDERLINE_RESTING_KEEP go (the digit keeps its foot); what is left of the line apart
# from the digits goes too.
# Chosen on the validation digits and writers (bench_number_scenes.py --validation --count 400): underlined numbers
# 88.5 -> 91.5% (at --scale 4, 200 each: 83.5 -> 89.0%), every other nuisance within one number (touching -1,
# backgrounds +1; at 4x all together -1); numbers by the validation pen writers underlined by hand as scans (a probe):
# once 189 -> 189, twice 180 -> 186 of 200; none of 3,000 MNIST validation digits has an underline found. Erasing the
# line under resting digits too cut off their feet ("80696" read "8107696"); a parabola fitted through the lowest ink
# found lines in the round feet of touching digits; without the bare stretch between two digits, a 2's long base
# beside a 1 ("21" read "91"). Thirty-first session, the same validation scenes: the bridged jump capped, 374 -> 380
# of 400 (a line was found under 287 of them, 231 before); one bare stretch for a line apart, 381; the line's rows
# under resting digits erased (kept before: stubs under a 6 read as a 2's base), 383 (bench_number_scenes.py: 93.5 ->
# 95.8%, boxes 96.2 -> 96.5%, every other nuisance the same); lines drawn through the digits' feet (a probe,
# underline_cross.py): 276 -> 280 of 300; no MNIST validation digit has a line found.
UNDERLINE_STEP = 0.5
UNDERLINE_SPAN = 0.7
UNDERLINE_LENGTH = 1.2
UNDERLINE_RISE = 0.25
UNDERLINE_BOW = 0.04
UNDERLINE_THIN = 0.4
UNDERLINE_MATCH = 0.9
UNDERLINE_THICKNESS = 1.6
UNDERLINE_GAPS = 2
UNDERLINE_BRIDGE = 3.0
UNDERLINE_JUMP = 1.0
UNDERLINE_BAND = 0.4
UNDERLINE_GAP_WIDTH = 0.08
UNDERLINES = 2
UNDERLINE_RESTING_KEEP = 1


def erase_underlines(ink: np.ndarray) -> np.ndarray:
    """The ink map without the lines drawn under its writing (see above); the map itself when it has none."""
    for _ in range(UNDERLINES):
        line = _underline(ink)
        if line is None:
            break
        columns, tops, bottoms, alone = line
        band = _band(ink.shape, columns, tops - 1, bottoms + 1)
        ink = ink.copy()  # (where a digit rests on the line, its foot is spared: see UNDERLINE_RESTING_KEEP)
        ink[_band(ink.shape, columns, np.where(alone, tops - 1, tops + UNDERLINE_RESTING_KEEP), bottoms + 1)] = 0.0
        # (pieces of the line left between the digits resting on it, wholly inside its band, go too)
        labels, count = ndimage.label(ink > INK_LEVEL, structure=np.ones((3, 3), dtype=bool))
        outside = np.unique(labels[~band & (labels > 0)])
        stubs = np.setdiff1d(np.arange(1, count + 1), outside)
        if len(stubs):
            ink[np.isin(labels, stubs) | (band & (ink <= INK_LEVEL) & _near(np.isin(labels, stubs)))] = 0.0
    return ink


def _near(mask: np.ndarray) -> np.ndarray:
    """The pixels next to a mask's (its soft edge)."""
    return ndimage.binary_dilation(mask, structure=np.ones((3, 3), dtype=bool))


def _band(shape: tuple[int, int], columns: np.ndarray, tops: np.ndarray, bottoms: np.ndarray) -> np.ndarray:
    """A mask of rows [top, bottom] in each of `columns` (distinct), clipped to the picture."""
    band = np.zeros(shape, dtype=bool)
    rows = np.arange(shape[0])[:, np.newaxis]
    band[:, columns] = (rows >= tops) & (rows <= bottoms)
    return band


def _apart(inked: np.ndarray, columns: np.ndarray, tops: np.ndarray, bottoms: np.ndarray) -> bool:
    """Whether the ink within rows [top, bottom] of each column touches no other ink: a line drawn apart from the
    digits, as no digit's own base is."""
    band = _band(inked.shape, columns, tops, bottoms)
    labels, _ = ndimage.label(inked, structure=np.ones((3, 3), dtype=bool))
    pieces = np.unique(labels[band & inked])
    pieces = pieces[pieces > 0]
    return len(pieces) > 0 and not np.any(np.isin(labels, pieces) & ~band)


def _underline(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """The columns of the lowest underline, in each the rows [top, bottom] of its stroke and whether it lies alone
    there (no digit resting on it); None without one."""
    inked = ink > INK_LEVEL
    rows, columns = np.flatnonzero(inked.any(axis=1)), np.flatnonzero(inked.any(axis=0))
    if len(rows) < 4 or len(columns) < 4:
        return None
    if columns[-1] - columns[0] < rows[-1] - rows[0]:  # (narrower than tall: a digit, or a line too short)
        return None
    top_row = rows[0]
    box = inked[top_row:rows[-1] + 1, columns[0]:columns[-1] + 1]
    height, width = box.shape
    has_ink = box.any(axis=0)
    levels = np.arange(height)[:, np.newaxis]
    bottoms = height - 1 - np.argmax(box[::-1], axis=0)  # the lowest ink of each column ...
    tops = np.where((levels <= bottoms) & ~box, levels, -1).max(axis=0) + 1  # ... and the top of its run
    thickness = bottoms - tops + 1
    pen = float(np.median(thickness[has_ink]))
    step = max(1.0, UNDERLINE_STEP * pen)
    jump = max(step, UNDERLINE_JUMP * pen)
    # Follow the lowest ink from column to column: a column is on the line when its bottom is within `step` of the
    # line's last bottom (per column passed); up to UNDERLINE_BRIDGE pen widths of inked columns off the line are
    # passed over (a stroke crossing it, a digit's base dipping below it); a bare column ends the line.
    best, start = None, 0
    while start < width:
        if not has_ink[start]:
            start += 1
            continue
        on_line, last_on, column = [start], start, start + 1
        while column < width and has_ink[column] and column - last_on <= UNDERLINE_BRIDGE * pen:
            if abs(int(bottoms[column]) - int(bottoms[last_on])) <= min(step * (column - last_on), jump):
                on_line.append(column)
                last_on = column
            column += 1
        if best is None or last_on + 1 - start > best[1] - best[0]:
            best = (start, last_on + 1, on_line)
        start = last_on + 1  # (the next line can start right after this one's last column on it)
    if best is None:
        return None
    first, last, on_line = best
    length = last - first
    inside = np.arange(first, last)
    matching = np.isin(inside, on_line)
    # (across the columns passed over, the line's bottom is drawn straight between its ends)
    line_bottoms = np.interp(inside, inside[matching], bottoms[first:last][matching]).round().astype(int)
    line_thickness = np.where(matching, thickness[first:last], height)
    thin = line_thickness <= max(2.0, UNDERLINE_THICKNESS * pen)
    if (length < UNDERLINE_SPAN * width or matching.mean() < UNDERLINE_MATCH
            or thin.mean() < UNDERLINE_THIN):
        return None
    # (a line, not the round bottoms of digits: its ends about level, its middle not bowed far from their chord)
    ends = float(line_bottoms[0]), float(line_bottoms[-1])
    chord = np.linspace(ends[0], ends[1], length)
    if abs(ends[1] - ends[0]) > UNDERLINE_RISE * length or np.abs(line_bottoms - chord).max() > UNDERLINE_BOW * length:
        return None
    stroke = max(1, int(round(float(np.median(line_thickness[thin])))))
    line_tops = line_bottoms - stroke + 1
    writing_height = float(np.median(line_tops))
    if writing_height <= 0 or length < UNDERLINE_LENGTH * writing_height:
        return None
    # (bare paper above the line: no ink higher than UNDERLINE_BAND of the writing's height above it)
    highest = np.argmax(box[:, first:last], axis=0)
    bare = highest >= line_tops - UNDERLINE_BAND * writing_height
    starts = np.flatnonzero(np.diff(np.concatenate([[0], bare.astype(np.int8)])) == 1)
    stops = np.flatnonzero(np.diff(np.concatenate([bare.astype(np.int8), [0]])) == -1) + 1
    wide = stops - starts >= max(2.0 * pen, UNDERLINE_GAP_WIDTH * writing_height)
    between = np.count_nonzero(wide & (starts > 0) & (stops < length))  # (writing on both sides: between two digits)
    if between < 1 or (np.count_nonzero(wide) < UNDERLINE_GAPS
                       and not _apart(box, first + np.arange(length), line_tops - 1, line_bottoms + 1)):
        return None
    # (where a digit rests on the line, not alone, erase_underlines spares the digit's foot)
    return columns[0] + inside, top_row + line_tops, top_row + line_bottoms, thin & matching
