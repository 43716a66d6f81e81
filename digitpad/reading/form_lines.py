"""Printed form lines around a written number (a box, the sides of a box) found and erased from its ink (pure)."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from digitpad.reading.segment import CONNECTIVITY, INK_LEVEL

# A box: a piece of ink around all the other ink whose sides (at least BOX_SIDES of its four) are straight lines
# along its edges, each inked along at least SIDE_COVERAGE of its length within SIDE_BAND of the piece's box
# (times its shorter side; a printed line is thin). An oval (a zero) covers about half of each edge.
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


def _side_covered(mask: np.ndarray, band: int) -> list[bool]:
    """For a piece's own box (`mask` cropped to it): which of top, bottom, left, right is a straight inked line."""
    return [
        mask[:band].any(axis=0).mean() >= SIDE_COVERAGE,
        mask[-band:].any(axis=0).mean() >= SIDE_COVERAGE,
        mask[:, :band].any(axis=1).mean() >= SIDE_COVERAGE,
        mask[:, -band:].any(axis=1).mean() >= SIDE_COVERAGE,
    ]


def _encloses(box: tuple[slice, slice], other: tuple[slice, slice]) -> bool:
    return (box[0].start <= other[0].start and other[0].stop <= box[0].stop
            and box[1].start <= other[1].start and other[1].stop <= box[1].stop)


def _is_straight_vertical(mask: np.ndarray) -> bool:
    """Is this piece (cropped to its box) a printed vertical line: thin, straight and upright?"""
    rows = np.flatnonzero(mask.any(axis=1))
    if len(rows) < RULE_MINIMUM_ROWS or mask.shape[1] > 0.15 * mask.shape[0]:
        return False
    columns = np.arange(mask.shape[1], dtype=np.float64)
    weights = mask[rows].astype(np.float64)
    centres = (weights * columns).sum(axis=1) / weights.sum(axis=1)
    slope, intercept = np.polyfit(rows, centres, 1)
    wobble = float(np.std(centres - (slope * rows + intercept)))
    return abs(slope) < RULE_LEAN and wobble < RULE_WOBBLE


def erase_form_lines(ink: np.ndarray) -> np.ndarray:
    """The ink map without a printed box around the number, or the box's vertical sides beside it; the same array
    when there is none (the usual case). Strokes that touch a box keep everything but the box's sides."""
    labels, count = ndimage.label(ink > INK_LEVEL, structure=CONNECTIVITY)
    if count < 2:
        return ink
    boxes = ndimage.find_objects(labels)
    masks = [labels[box] == index + 1 for index, box in enumerate(boxes)]
    heights = np.array([box[0].stop - box[0].start for box in boxes])
    straight = np.array([_is_straight_vertical(mask) for mask in masks])
    writing = heights[~straight].max() if (~straight).any() else 0
    if writing:
        writing_top = min(box[0].start for box, line in zip(boxes, straight) if not line)
        writing_bottom = max(box[0].stop for box, line in zip(boxes, straight) if not line)
        writing_left = min(box[1].start for box, line in zip(boxes, straight) if not line)
        writing_right = max(box[1].stop for box, line in zip(boxes, straight) if not line)
        reach = RULE_REACH * writing
    erase = np.zeros(ink.shape, dtype=bool)
    for index, (box, mask) in enumerate(zip(boxes, masks)):
        others = [other for position, other in enumerate(boxes) if position != index]
        band = max(2, int(round(SIDE_BAND * min(mask.shape))))
        sides = _side_covered(mask, band)
        if sum(sides) >= BOX_SIDES and all(_encloses(box, other) for other in others):
            edges = np.zeros(mask.shape, dtype=bool)
            for covered, region in zip(sides, (np.s_[:band], np.s_[-band:], np.s_[:, :band], np.s_[:, -band:])):
                if covered:
                    edges[region] = True
            erase[box] |= mask & edges
        elif (straight[index] and writing and RULE_HEIGHT * writing <= heights[index] <= RULE_MAXIMUM_HEIGHT * writing
              and box[0].start <= writing_top - reach and box[0].stop >= writing_bottom + reach
              and (box[1].stop <= writing_left or box[1].start >= writing_right)):
            erase[box] |= mask
    if not erase.any() or not (ink > INK_LEVEL)[~erase].any():
        return ink
    # The line's soft rim goes with it.
    erase = ndimage.binary_dilation(erase, iterations=1) & ~((ink > INK_LEVEL) & ~erase)
    return np.where(erase, 0.0, ink).astype(np.float32)
