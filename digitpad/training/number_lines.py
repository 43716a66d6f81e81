"""Synthetic written numbers for the number reader: training digits laid out in a line the way people write them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from digitpad.reading.line import LINE_HEIGHT, LINE_WIDTH, MAXIMUM_DIGITS, line_input
from digitpad.training.training_data import LabelledDigits

# Digits are laid out at about this height (pixels) before the line is scaled to the reader's input.
COMPOSING_HEIGHT = 40.0
# A "/" leans this far (times the digits' height) over its height; a written 1 leans less.
SLASH_LEAN = (0.4, 0.75)
# A printed line left in the ink: this many pixels thick at COMPOSING_HEIGHT, this dark (an ink map's 0..1).
RULE_WIDTHS = (1, 3)
RULE_DARKNESS = (0.45, 1.0)


@dataclass(frozen=True)
class LineLayout:
    """How the digits of one line are placed: the random ranges each line draws from."""

    lengths: tuple[int, int] = (1, 8)
    touching_share: float = 0.4  # lines whose neighbours touch or overlap
    touching_gap: tuple[float, float] = (-0.2, 0.02)  # times the digit height
    spaced_gap: tuple[float, float] = (0.03, 0.7)
    uneven_share: float = 0.3  # lines with uneven sizes and baselines
    slant_share: float = 0.3
    slant: float = 0.08  # baseline rise per pixel
    stretch: tuple[float, float] = (0.8, 1.25)  # each digit's width multiplier
    marks_share: float = 0.3  # lines with separators (not digits: the reader learns to pass over them)
    rules_share: float = 0.2  # lines written on a printed line (or in a box) that the ink clean-up left in


@dataclass(frozen=True)
class NumberLines:
    """(N, LINE_HEIGHT, LINE_WIDTH) uint8 line inputs, their digits as (N, MAXIMUM_DIGITS) padded with 0, and
    (N,) lengths."""

    x: np.ndarray
    digits: np.ndarray
    lengths: np.ndarray

    def __len__(self) -> int:
        return len(self.lengths)

    def texts(self) -> list[str]:
        return ["".join(str(int(d)) for d in row[:length]) for row, length in zip(self.digits, self.lengths)]


def digit_inks(digits: LabelledDigits) -> tuple[list[np.ndarray], np.ndarray]:
    """Each 28x28 digit cropped to its ink (digits without ink are left out), and their labels."""
    inks, labels = [], []
    for image, label in zip(digits.x, digits.y):
        rows, columns = np.flatnonzero(image.max(axis=1) > 0.05), np.flatnonzero(image.max(axis=0) > 0.05)
        if rows.size and columns.size:
            inks.append(np.ascontiguousarray(image[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1]))
            labels.append(int(label))
    return inks, np.asarray(labels, np.int64)


def _scaled(ink: np.ndarray, height: float, stretch: float) -> np.ndarray:
    scale = height / ink.shape[0]
    size = (max(1, round(ink.shape[1] * scale * stretch)), max(1, round(height)))
    return np.clip(np.asarray(Image.fromarray(ink, mode="F").resize(size, Image.BILINEAR), np.float32), 0.0, 1.0)


def mark_ink(mark: str, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """A separator ("." "," "-" "/" "=") drawn with a pen like the digits', cropped to its ink, and where its top
    sits below the digits' top (times COMPOSING_HEIGHT)."""
    height = COMPOSING_HEIGHT
    side = int(height * 2)
    shift = 0.0  # rows drawn below the canvas top (a "/" starts above the digits' top)
    image = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(image)
    pen = max(2, round(height * rng.uniform(0.08, 0.16)))
    middle = side / 2
    if mark in ".,":
        radius = pen * rng.uniform(0.5, 0.9)
        draw.ellipse((middle - radius, height - 2 * radius, middle + radius, height), fill=255)
        if mark == ",":
            draw.line((middle + radius * 0.5, height - radius, middle - radius * 1.2, height * rng.uniform(1.15, 1.3)),
                      fill=255, width=pen)
    elif mark == "-":
        length, level = height * rng.uniform(0.25, 0.5), height * rng.uniform(0.4, 0.65)
        draw.line((middle - length / 2, level + rng.uniform(-2, 2), middle + length / 2, level), fill=255, width=pen)
    elif mark == "=":
        length, level, apart = height * rng.uniform(0.3, 0.5), height * rng.uniform(0.35, 0.5), height * rng.uniform(0.15, 0.3)
        for row in (level, level + apart):
            draw.line((middle - length / 2, row, middle + length / 2, row + rng.uniform(-2, 2)), fill=255, width=pen)
    else:  # "/": taller than the digits and leaning further than a slanted 1 (which is never to be passed over)
        lean = height * rng.uniform(*SLASH_LEAN)
        below, above = height * rng.uniform(0.05, 0.25), height * rng.uniform(0.1, 0.3)
        shift = above + pen / 2
        draw.line((middle - lean / 2, shift + height + below, middle + lean / 2, pen / 2), fill=255, width=pen)
    values = np.asarray(image, np.float32) / 255.0
    rows, columns = np.flatnonzero(values.max(axis=1) > 0), np.flatnonzero(values.max(axis=0) > 0)
    return values[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1], (float(rows[0]) - shift) / COMPOSING_HEIGHT


def separator_places(count: int, rng: np.random.Generator) -> list[tuple[int, str]]:
    """Where separators go among `count` digits: (digits before it, mark), as people write them ("/" only between
    digits: after a number it would teach the reader to drop a final 1)."""
    if count < 2 or rng.random() < 0.4:
        return [(count, str(rng.choice(["-", "=", "."])))] + ([(count, "-")] if rng.random() < 0.3 else [])
    return [(int(rng.integers(1, count)), str(rng.choice([".", ",", "-", "/"])))]


def compose_line(inks: list[np.ndarray], rng: np.random.Generator, layout: LineLayout = LineLayout(),
                 marks: list[tuple[int, str]] = ()) -> np.ndarray:
    """Digit inks (left to right) laid out as one written number, with separator `marks` ((digits before it,
    mark)): a white-on-black float canvas."""
    touching = rng.random() < layout.touching_share
    uneven = rng.random() < layout.uneven_share
    slant = rng.uniform(-layout.slant, layout.slant) if rng.random() < layout.slant_share else 0.0
    pieces: list[tuple[np.ndarray, float, bool]] = []
    for index, ink in enumerate(inks):
        for before, mark in marks:
            if before == index:
                piece, top = mark_ink(mark, rng)
                pieces.append((piece, top, False))
        height = COMPOSING_HEIGHT * (rng.uniform(0.72, 1.2) if uneven else rng.uniform(0.9, 1.1))
        shift = rng.uniform(-0.18, 0.18) if uneven else rng.uniform(-0.05, 0.05)
        pieces.append((_scaled(ink, height, rng.uniform(*layout.stretch)), 1.0 - height / COMPOSING_HEIGHT + shift, True))
    for before, mark in marks:
        if before >= len(inks):
            piece, top = mark_ink(mark, rng)
            pieces.append((piece, top, False))
    placed, position = [], 0.0
    for index, (piece, top_share, is_digit) in enumerate(pieces):
        if index:
            touch = touching and is_digit and pieces[index - 1][2] and rng.random() < 0.8
            position += rng.uniform(*(layout.touching_gap if touch else layout.spaced_gap)) * COMPOSING_HEIGHT
        left = int(round(position))
        top = int(round(top_share * COMPOSING_HEIGHT + slant * left))
        placed.append((piece, top, left))
        position = left + piece.shape[1]
    top_most = min(top for _, top, _ in placed)
    left_most = min(left for _, _, left in placed)
    height = max(top + piece.shape[0] for piece, top, _ in placed) - top_most
    width = max(left + piece.shape[1] for piece, _, left in placed) - left_most
    canvas = np.zeros((height, width), np.float32)
    for piece, top, left in placed:
        region = canvas[top - top_most:top - top_most + piece.shape[0], left - left_most:left - left_most + piece.shape[1]]
        np.maximum(region, piece, out=region)
    if rng.random() < layout.rules_share:
        digit_rows = [(top - top_most, top - top_most + piece.shape[0])
                      for (piece, top, _), (_, _, is_digit) in zip(placed, pieces) if is_digit]
        canvas = _with_rules(canvas, min(start for start, _ in digit_rows), max(stop for _, stop in digit_rows), rng)
    return canvas


def _with_rules(canvas: np.ndarray, digits_top: int, digits_bottom: int, rng: np.random.Generator) -> np.ndarray:
    """The line written on (touching the digits or just below them), sometimes a box's top above them, sometimes
    only a piece of either: printed lines the ink clean-up did not erase, drawn straight, thin and even."""
    height = COMPOSING_HEIGHT
    reach = rng.uniform(0.0, 0.5, 2) * height  # how far the line runs past the writing, left and right
    above = int(round(height * 0.35))  # room for a line above or below the writing
    grown = np.zeros((canvas.shape[0] + 2 * above, canvas.shape[1] + int(reach.sum()) + 2), np.float32)
    grown[above:above + canvas.shape[0], int(reach[0]):int(reach[0]) + canvas.shape[1]] = canvas
    image = Image.new("F", (grown.shape[1], grown.shape[0]), 0.0)
    draw = ImageDraw.Draw(image)
    darkness = rng.uniform(*RULE_DARKNESS)
    width = int(rng.integers(RULE_WIDTHS[0], RULE_WIDTHS[1] + 1))
    rows = [above + digits_bottom + rng.uniform(-0.1, 0.2) * height]
    if rng.random() < 0.3:
        rows.append(above + digits_top - rng.uniform(0.05, 0.3) * height)
    for row in rows:
        start, stop = 0.0, float(grown.shape[1] - 1)
        if rng.random() < 0.3:  # a piece of the line only
            start, stop = sorted(rng.uniform(start, stop, 2))
        tilt = rng.uniform(-0.02, 0.02) * (stop - start)
        draw.line((start, row - tilt / 2, stop, row + tilt / 2), fill=float(darkness), width=width)
    np.maximum(grown, np.asarray(image, np.float32), out=grown)
    inked_rows, inked_columns = np.flatnonzero(grown.max(axis=1) > 0), np.flatnonzero(grown.max(axis=0) > 0)
    return grown[inked_rows[0]:inked_rows[-1] + 1, inked_columns[0]:inked_columns[-1] + 1]


def make_lines(inks: list[np.ndarray], labels: np.ndarray, count: int, seed: int,
               layout: LineLayout = LineLayout()) -> NumberLines:
    """`count` random numbers written with `inks` (reproducible for a seed), as the reader's inputs."""
    rng = np.random.default_rng(seed)
    by_digit = [np.flatnonzero(labels == digit) for digit in range(10)]
    x = np.zeros((count, LINE_HEIGHT, LINE_WIDTH), np.uint8)
    digits = np.zeros((count, MAXIMUM_DIGITS), np.int64)
    lengths = np.zeros((count,), np.int64)
    for row in range(count):
        length = int(rng.integers(layout.lengths[0], layout.lengths[1] + 1))
        number = rng.integers(0, 10, length)
        chosen = [inks[int(rng.choice(by_digit[digit]))] for digit in number]
        marks = separator_places(length, rng) if rng.random() < layout.marks_share else []
        image = line_input(compose_line(chosen, rng, layout, marks)).image
        x[row] = np.round(image * 255).astype(np.uint8)
        digits[row, :length] = number
        lengths[row] = length
    return NumberLines(x, digits, lengths)
