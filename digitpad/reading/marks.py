"""Separators among and after digits ("1.990", "12,50", "100.-", "74965=", "12/05") told from digits by shape (pure)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from digitpad.reading.segment import Components, Piece

# A mark is a piece of ink no taller than MARK_HEIGHT and no wider than MARK_WIDTH times the tallest piece, at least
# MARK_SIZE of it across (smaller is a speck of dust, as in some MNIST scans), that shares no column with any other
# piece of ink and keeps at least MARK_GAP times that height away from them (a 5's flag or a 7's bar sits over its
# digit's stem, a broken digit's pieces overlap; a separator stands apart). A comma, which reaches below the digits,
# may be taller: as tall as any piece that is not (part of) a digit (segment.FRAGMENT_HEIGHT_FRACTION).
MARK_HEIGHT = 0.4
MARK_WIDTH = 0.6
MARK_SIZE = 0.1
MARK_GAP = 0.04
# Its place in the band of the digits' height (0 = top, 1 = bottom) and its shape say which mark it is:
# a dash is at least DASH_ASPECT times as wide as tall and sits in the middle of the band;
# a dot is round (DOT_ASPECT either way) and sits low; a comma sits low too, is COMMA_ASPECT times as tall as wide,
# and reaches COMMA_BELOW (times the band) below the digits, or reaches below them and is at least COMMA_TALL as
# tall as the band (a dot, a pen's width across, is smaller).
DASH_ASPECT = 1.5
DASH_BAND = (0.25, 0.8)
DOT_ASPECT = 2.0
DOT_LOW = 0.65
COMMA_BELOW = 0.08
COMMA_ASPECT = (1.3, 4.0)
COMMA_TALL = 0.25
# A "/" is as tall as a digit: the number reader, trained to pass over it, tells it from a 1 (see reading/number.py).
# What it passed over is a slash when it is a straight stroke (its ink spread across its length at most
# SLASH_STRAIGHTNESS times along it), at least SLASH_HEIGHT times as tall as the tallest piece, leaning right by at
# least SLASH_LEAN (columns per row).
SLASH_STRAIGHTNESS = 0.25
SLASH_HEIGHT = 0.85
SLASH_LEAN = 0.15


@dataclass(frozen=True)
class Mark:
    """A separator: its character and the columns of its ink (in the ink map it was found in)."""

    character: str
    left: int
    right: int
    components: tuple[int, ...]


def _shape(top: int, bottom: int, left: int, right: int, band: tuple[int, int], tallest: int) -> str | None:
    """The mark a small piece's box is shaped and placed like, in the digits' band (top, bottom), or None."""
    height, width = bottom - top, right - left
    tall = height > MARK_HEIGHT * tallest  # (then only a comma)
    band_top, band_bottom = band
    band_height = max(band_bottom - band_top, 1)
    middle = ((top + bottom) / 2 - band_top) / band_height
    if width >= DASH_ASPECT * height and DASH_BAND[0] <= middle <= DASH_BAND[1] and not tall:
        return "-"
    if middle < DOT_LOW:
        return None
    if COMMA_ASPECT[0] * width <= height <= COMMA_ASPECT[1] * width and (
            bottom > band_bottom + COMMA_BELOW * band_height
            or (bottom > band_bottom and height >= COMMA_TALL * band_height)):
        return ","
    if 1 / DOT_ASPECT <= width / max(height, 1) <= DOT_ASPECT and not tall:
        return "."
    return None


def _apart(pieces: list[Piece], others: list[Piece], gap: float) -> bool:
    """Do these pieces share no column with any of the others, with at least `gap` to spare?"""
    left, right = min(piece.left for piece in pieces), max(piece.right for piece in pieces)
    return not any(left - gap < other.right and other.left < right + gap for other in others)


def find_marks(components: Components) -> list[Mark]:
    """The separators among a number's pieces of ink, left to right (none when only marks are there)."""
    tall = [box for box in components.boxes if box.component in components.main]
    if not tall:
        return []
    small = [box for box in components.boxes
             if box.component not in components.main
             and box.right - box.left <= MARK_WIDTH * components.tallest
             and max(box.bottom - box.top, box.right - box.left) >= MARK_SIZE * components.tallest]
    if not small:  # (the usual case, a digit alone: no need for the band)
        return []
    band = (int(np.median([box.top for box in tall])), int(np.median([box.bottom for box in tall])))
    shapes = {box.component: _shape(box.top, box.bottom, box.left, box.right, band, components.tallest)
              for box in small}
    gap = MARK_GAP * components.tallest
    marks: list[Mark] = []
    used: set[int] = set()
    for box in sorted(small, key=lambda piece: piece.left):
        if box.component in used or shapes[box.component] is None:
            continue
        # Two dashes one above the other: an equals sign.
        partner = next((other for other in small if other.component not in used and other.component != box.component
                        and shapes[box.component] == shapes[other.component] == "-"
                        and min(box.right, other.right) - max(box.left, other.left)
                        > 0.5 * min(box.right - box.left, other.right - other.left)), None)
        pieces = [box] if partner is None else [box, partner]
        others = [other for other in components.boxes if other not in pieces]
        if not _apart(pieces, others, gap):  # part of a digit (a 5's flag, a broken 6's loop), not a separator
            continue
        used |= {piece.component for piece in pieces}
        marks.append(Mark("=" if partner is not None else shapes[box.component],
                          min(piece.left for piece in pieces), max(piece.right for piece in pieces),
                          tuple(piece.component for piece in pieces)))
    return marks


def principal_axes(mask: np.ndarray) -> tuple[float, float, float, float]:
    """A piece's spread across its long axis and along it (standard deviations), and the axis' direction (column
    step, row step); a piece of fewer than two pixels is round."""
    rows, columns = np.nonzero(mask)
    if rows.size < 2:
        return 1.0, 1.0, 0.0, 1.0
    spread, axes = np.linalg.eigh(np.cov(np.stack([columns, rows]).astype(np.float64)))
    across, along = np.sqrt(np.maximum(spread, 0.0))
    return float(across), float(along), float(axes[0, 1]), float(axes[1, 1])


def is_slash(ink: np.ndarray, tallest: int) -> bool:
    """Is this piece of ink (an ink map holding only it) shaped like a "/" among digits `tallest` pixels tall?"""
    rows = np.flatnonzero((ink > 0).any(axis=1))
    if rows.size < 2 or rows[-1] - rows[0] + 1 < SLASH_HEIGHT * tallest:
        return False
    across, along, column_step, row_step = principal_axes(ink > 0)
    return bool(across <= SLASH_STRAIGHTNESS * along and row_step != 0 and -column_step / row_step >= SLASH_LEAN)


def without_marks(ink: np.ndarray, components: Components, marks: list[Mark]) -> np.ndarray:
    """The ink map with the marks' ink removed."""
    if not marks:
        return ink
    gone = np.isin(components.labels, [component for mark in marks for component in mark.components])
    # Their soft rims too.
    near = ndimage.binary_dilation(gone, iterations=2) & ~(components.labels > 0) | gone
    return np.where(near, 0.0, ink).astype(np.float32)


def written(digits: str, digit_columns: list[tuple[int, int]], marks: list[Mark]) -> str:
    """The number as written: its digits (left to right, with their column spans) and the marks in their places."""
    items = [(left + right, digit) for digit, (left, right) in zip(digits, digit_columns)]
    items += [(mark.left + mark.right, mark.character) for mark in marks]
    return "".join(character for _, character in sorted(items, key=lambda item: item[0]))
