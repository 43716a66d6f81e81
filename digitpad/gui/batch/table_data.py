"""Batch results as data: progress arithmetic, display values, sorting and filtering (no widgets)."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from typing import Callable, Sequence

from digitpad.folders.results import CORRECTED, NOT_REVIEWED
from digitpad.gui.wording import LOW_CONFIDENCE_THRESHOLD, format_duration, format_percent

COLUMNS = ("file", "digit", "confidence", "review", "error")
COLUMN_TITLES = {"file": "File", "digit": "Digits", "confidence": "Confidence", "review": "Review", "error": "Error"}
SORTABLE_COLUMNS = ("file", "digit", "confidence", "error")

SHOW_ALL = "All files"
SHOW_ERRORS = "Errors only"
SHOW_LOW_CONFIDENCE = "Low confidence only"
SHOW_PROBLEMS = "Errors or low confidence"
FILTERS = (SHOW_ALL, SHOW_ERRORS, SHOW_LOW_CONFIDENCE, SHOW_PROBLEMS)
MINIMUM_SECONDS_FOR_RATE = 0.2


class ProgressTracker:
    """done/total, files per second and time left for a running batch."""

    def __init__(self, total: int = 0, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self.total = total
        self.done = 0
        self.started_at = clock()

    def update(self, done: int, total: int | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total

    @property
    def elapsed(self) -> float:
        return self._clock() - self.started_at

    @property
    def rate(self) -> float | None:
        """Files per second so far, or None too early to tell."""
        elapsed = self.elapsed
        if elapsed < MINIMUM_SECONDS_FOR_RATE or self.done == 0:
            return None
        return self.done / elapsed

    @property
    def seconds_left(self) -> float | None:
        rate = self.rate
        if rate is None or self.total <= 0:
            return None
        return max(0.0, (self.total - self.done) / rate)

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0

    def text(self) -> str:
        """'1,234 / 10,000 files  |  812 files/s  |  11 s left'."""
        parts = [f"{self.done:,} / {self.total:,} files"]
        rate = self.rate
        if rate is not None:
            parts.append(f"{rate:,.0f} files/s" if rate >= 10 else f"{rate:.1f} files/s")
            left = self.seconds_left
            if left is not None and self.done < self.total:
                parts.append(f"{format_duration(left)} left")
        return "  |  ".join(parts)


def _natural_key(text: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text.lower()))


def digits_key(digits: str) -> tuple:
    """Digit strings in number order: '7' < '9' < '10' < '2026'; '007' right after '7'; '' (none read) last."""
    if not digits:
        return (1, 0, "", 0)
    significant = digits.lstrip("0") if digits.isascii() and digits.isdigit() else digits
    return (0, len(significant), significant, len(digits))  # no int(): any length compares the same way


def is_low_confidence(row) -> bool:
    return not row.error and row.confidence is not None and row.confidence < LOW_CONFIDENCE_THRESHOLD


def review_text(verdict) -> str:
    """The Review cell: '' before a review, 'accepted', or 'corrected (read 8)' with the model's answer."""
    if verdict is None or verdict.reviewed == NOT_REVIEWED:
        return ""
    if verdict.reviewed == CORRECTED:
        return f"corrected (read {verdict.row.digit or 'nothing'})"
    return verdict.reviewed


def display_values(row, folder: str | os.PathLike | None = None, verdict=None) -> tuple[str, str, str, str, str]:
    """The table's cells for one batch Row: file (relative to the folder), digits (as reviewed, with a
    `verdict`: a folders.results.ReviewedRow; as written when it has separators), confidence,
    review, error."""
    name = row.path
    if folder:
        try:
            name = os.path.relpath(row.path, folder)
        except ValueError:  # another drive on Windows
            name = row.path
    confidence = "" if row.confidence is None else format_percent(row.confidence)
    digit = row.digit if verdict is None else verdict.digit
    if row.text and digit == row.digit:  # the number as written, separators included: "1.990"
        digit = row.text
    return (name, digit, confidence, review_text(verdict), row.error)


def sort_key(column: str) -> Callable:
    """A key for sorting rows by a column; empty cells sort first (but digits none were read last)."""
    if column == "file":
        return lambda row: _natural_key(row.path)
    if column == "digit":
        return lambda row: (digits_key(row.digit), _natural_key(row.path))
    if column == "confidence":
        return lambda row: (-1.0 if row.confidence is None else row.confidence, _natural_key(row.path))
    if column == "error":
        return lambda row: (row.error.lower(), _natural_key(row.path))
    raise ValueError(f"unknown column {column!r}")


def keep_row(row, filter_name: str) -> bool:
    """Whether a row is shown under a filter."""
    if filter_name == SHOW_ERRORS:
        return bool(row.error)
    if filter_name == SHOW_LOW_CONFIDENCE:
        return is_low_confidence(row)
    if filter_name == SHOW_PROBLEMS:
        return bool(row.error) or is_low_confidence(row)
    return True


@dataclass
class TableView:
    """Which rows the table shows, in what order: a sort column (or None for arrival order) and a filter."""

    sort_column: str | None = None
    descending: bool = False
    filter_name: str = SHOW_ALL

    def toggle_sort(self, column: str) -> None:
        """First click sorts ascending, the next click on the same column descending."""
        if self.sort_column == column:
            self.descending = not self.descending
        else:
            self.sort_column, self.descending = column, False

    def order(self, rows: Sequence) -> list[int]:
        """Indices into `rows` of the visible rows, in display order."""
        indices = [index for index, row in enumerate(rows) if keep_row(row, self.filter_name)]
        if self.sort_column is not None:
            key = sort_key(self.sort_column)
            indices.sort(key=lambda index: key(rows[index]), reverse=self.descending)
        return indices
