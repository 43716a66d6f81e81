"""Real pen trajectories (UCI pen-based digits, 30 writers): load them, split by writer, render them like the pad."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitpad.training.npz import read_arrays

PENDIGITS_ENV_VAR = "DIGITPAD_PENDIGITS"
PENDIGITS_KEYS = ("labels", "writer", "strokes_per_digit", "points_per_stroke", "xy")
PENDIGITS_CREDIT = (
    "UCI Pen-Based Recognition of Handwritten Digits (E. Alpaydin, F. Alimoglu, Bogazici University, 1998; "
    "CC BY 4.0): 7,494 digits by 30 writers on a Wacom tablet"
)
# Whole writers kept out of training: the test writers are reported and never looked at while choosing a
# model; the validation writers are what choices are made on.
TEST_WRITERS = (3, 8, 13, 18, 23, 28)
VALIDATION_WRITERS = (5, 15, 25)

Strokes = list[np.ndarray]
"""One digit: its pen-down strokes in drawing order, each an (N, 2) float array of (x, y), y down."""


class PendigitsUnavailableError(RuntimeError):
    """The pen digits file is missing or not in the expected format."""


@dataclass(frozen=True)
class PenDigits:
    """Digits as stroke lists, with each digit's label and writer (1..30)."""

    strokes: list[Strokes]
    labels: np.ndarray
    writers: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def select(self, mask: np.ndarray) -> PenDigits:
        indices = np.flatnonzero(mask)
        return PenDigits([self.strokes[index] for index in indices], self.labels[indices], self.writers[indices])

    def split(self) -> tuple[PenDigits, PenDigits, PenDigits]:
        """(training, validation, test) by whole writers."""
        test = np.isin(self.writers, TEST_WRITERS)
        validation = np.isin(self.writers, VALIDATION_WRITERS)
        return self.select(~test & ~validation), self.select(validation), self.select(test)


def find_pendigits(path: str | os.PathLike | None = None) -> Path | None:
    """The pen digits file to use: the argument, then $DIGITPAD_PENDIGITS; None when neither is given."""
    if path:
        return Path(path)
    from_env = os.environ.get(PENDIGITS_ENV_VAR)
    return Path(from_env) if from_env else None


def load_pendigits(path: str | os.PathLike | None = None) -> PenDigits:
    """Load the stroke-format .npz (see ../shared/data/README.md) from `path` or $DIGITPAD_PENDIGITS.

    There is no download: the UCI archive holds the data in another format, so an absent file is an error
    that says what to pass.
    """
    local = find_pendigits(path)
    if local is None:
        raise PendigitsUnavailableError(
            "pen digits are not available: pass --pendigits /path/to/pendigits_train.npz or set "
            f"{PENDIGITS_ENV_VAR} (a file with {', '.join(PENDIGITS_KEYS)})")
    labels, writers, strokes_per_digit, points_per_stroke, xy = read_arrays(
        local, PENDIGITS_KEYS, "pen digits", PendigitsUnavailableError)
    if strokes_per_digit.sum() != len(points_per_stroke) or points_per_stroke.sum() != len(xy):
        raise PendigitsUnavailableError(f"{local}: stroke and point counts do not add up")
    points = np.split(xy.astype(np.float32), np.cumsum(points_per_stroke)[:-1])
    stroke_starts = np.concatenate([[0], np.cumsum(strokes_per_digit)])
    strokes = [points[stroke_starts[index]:stroke_starts[index + 1]] for index in range(len(labels))]
    return PenDigits(strokes, labels.astype(np.int64), writers.astype(np.int64))
