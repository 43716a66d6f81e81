"""Synthetic written numbers for tests and benchmarks: MNIST test digits laid side by side, and their truth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

# Digit height before random scaling (pixels): MNIST's 20-pixel box.
BASE_HEIGHT = 20
# Space between neighbouring digits' ink boxes as a share of the digit height; negative means overlap.
SPACING_RANGE = (-0.12, 0.35)
# Random vertical offset of each digit, as a share of the digit height (either way).
VERTICAL_JITTER = 0.12
# Random size of each digit relative to the others.
SCALE_RANGE = (0.85, 1.15)
MARGIN = 6


@dataclass(frozen=True)
class SyntheticNumber:
    """An image of a written number (white ink on black, uint8), its digits, and which digit owns each pixel."""

    image: np.ndarray
    text: str
    owner: np.ndarray
    """Per pixel: the index of the digit that put the most ink there, -1 on paper."""


def crop_digit(digit: np.ndarray) -> np.ndarray:
    """An MNIST digit (uint8) cropped to its ink, as float 0..1."""
    values = digit.astype(np.float32) / 255.0
    rows = np.flatnonzero(values.max(axis=1) > 0)
    columns = np.flatnonzero(values.max(axis=0) > 0)
    return values[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1]


def resize(values: np.ndarray, scale: float) -> np.ndarray:
    height, width = values.shape
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resized = Image.fromarray(values, mode="F").resize(size, Image.BILINEAR)
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)


def make_number(
    digits: list[np.ndarray],
    labels: list[int],
    rng: np.random.Generator,
    spacing_range: tuple[float, float] = SPACING_RANGE,
    vertical_jitter: float = VERTICAL_JITTER,
    scale_range: tuple[float, float] = SCALE_RANGE,
    upscale: float = 1.0,
    spacings: list[float] | None = None,
) -> SyntheticNumber:
    """Lay MNIST digits left to right with random spacing (overlap included), size and vertical offset.

    `spacings` (one per gap, in digit heights) replaces the random spacing when given.
    """
    pieces = [resize(crop_digit(digit), upscale * rng.uniform(*scale_range)) for digit in digits]
    height = BASE_HEIGHT * upscale
    tops, lefts, position = [], [], 0.0
    for index, piece in enumerate(pieces):
        if index:
            spacing = spacings[index - 1] if spacings is not None else rng.uniform(*spacing_range)
            position += spacing * height
        lefts.append(int(round(position)))
        # Bottom-aligned baseline with jitter, like handwriting on a line.
        tops.append(int(round(height * 1.2 - piece.shape[0] + rng.uniform(-vertical_jitter, vertical_jitter) * height)))
        position = lefts[-1] + piece.shape[1]
    margin = int(round(MARGIN * upscale))
    shift_left, shift_top = margin - min(lefts), margin - min(tops)
    canvas_height = max(top + piece.shape[0] for top, piece in zip(tops, pieces)) + shift_top + margin
    canvas_width = max(left + piece.shape[1] for left, piece in zip(lefts, pieces)) + shift_left + margin
    layers = np.zeros((len(pieces), canvas_height, canvas_width), dtype=np.float32)
    for layer, top, left, piece in zip(layers, tops, lefts, pieces):
        row, column = top + shift_top, left + shift_left
        layer[row:row + piece.shape[0], column:column + piece.shape[1]] = piece
    canvas = layers.max(axis=0)
    owner = np.where(canvas > 0, layers.argmax(axis=0), -1).astype(np.int16)
    image = (canvas * 255).round().astype(np.uint8)
    return SyntheticNumber(image, "".join(str(int(label)) for label in labels), owner)


def random_numbers(x_test: np.ndarray, y_test: np.ndarray, count: int, length: int, seed: int, **options):
    """`count` synthetic numbers of `length` digits drawn from the MNIST test set (reproducible)."""
    rng = np.random.default_rng(seed)
    numbers = []
    for _ in range(count):
        indices = rng.integers(0, len(x_test), size=length)
        numbers.append(make_number([x_test[i] for i in indices], [int(y_test[i]) for i in indices], rng, **options))
    return numbers


# The oracle's confidence is IoU ** ORACLE_SHARPNESS: a classifier is far less sure of half a digit, or of two.
ORACLE_SHARPNESS = 10


def oracle_scorer(number: SyntheticNumber, ink: np.ndarray):
    """A scorer that knows the truth: confidence = (precision * recall) ** ORACLE_SHARPNESS of the candidate's
    ink against the true digit it matches best (`ink` is the whole number's ink map)."""
    digit_count = len(number.text)
    owned_ink = np.bincount(number.owner.ravel() + 1, weights=ink.ravel(), minlength=digit_count + 1)[1:]

    def score(inks) -> np.ndarray:
        scores = []
        for candidate in inks:
            total = float(candidate.sum())
            owned = np.bincount(number.owner.ravel() + 1, weights=candidate.ravel(), minlength=digit_count + 1)[1:]
            quality = (owned / max(total, 1e-9)) * (owned / np.maximum(owned_ink, 1e-9))
            scores.append(float(quality.max()) ** ORACLE_SHARPNESS)
        return np.asarray(scores, dtype=np.float64)

    return score


def edit_distance(first: str, second: str) -> int:
    """Levenshtein distance (insertions, deletions and substitutions each cost 1)."""
    previous = list(range(len(second) + 1))
    for row, first_char in enumerate(first, 1):
        current = [row]
        for column, second_char in enumerate(second, 1):
            current.append(min(previous[column] + 1, current[-1] + 1,
                               previous[column - 1] + (first_char != second_char)))
        previous = current
    return previous[-1]


def digit_accuracy(read: list[str], truth: list[str]) -> float:
    """Share of true digits read right: 1 - edit distance / length, summed over all numbers."""
    errors = sum(min(edit_distance(got, expected), len(expected)) for got, expected in zip(read, truth))
    return 1.0 - errors / sum(len(expected) for expected in truth)
