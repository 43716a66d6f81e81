"""Results as CSV files: read back what `digitpad classify` (or a review) wrote, and write a review's corrections.

A review keeps every column of the command line's CSV and adds two: the `digit` cell holds the answer after the
review (the user's correction, or the model's answer), `model_digit` the model's own answer, and `reviewed` says
`no`, `accepted` or `corrected`.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from digitpad.folders.batch import CSV_COLUMNS, CSV_ENCODING_ERRORS, Row

NOT_REVIEWED = "no"
ACCEPTED = "accepted"
CORRECTED = "corrected"
REVIEW_STATES = (NOT_REVIEWED, ACCEPTED, CORRECTED)
REVIEWED_CSV_COLUMNS = CSV_COLUMNS + ("model_digit", "reviewed")
REQUIRED_COLUMNS = ("path", "digit")


class ResultsFileError(ValueError):
    """A file that is not a results CSV; str() is the reason a user reads."""


@dataclass(frozen=True)
class ReviewedRow:
    """One file's result after a review: `row` as the model read it, `digit` the answer now."""

    row: Row
    digit: str
    reviewed: str = NOT_REVIEWED

    @classmethod
    def unreviewed(cls, row: Row) -> "ReviewedRow":
        return cls(row, row.digit)

    def as_csv(self) -> list[str]:
        cells = self.row.as_csv()
        cells[CSV_COLUMNS.index("digit")] = self.digit
        return cells + [self.row.digit, self.reviewed]


def write_reviewed_csv(rows: Iterable[ReviewedRow], stream) -> tuple[int, int]:
    """Write reviewed rows as CSV (columns REVIEWED_CSV_COLUMNS); return (rows written, rows corrected)."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(REVIEWED_CSV_COLUMNS)
    written = corrected = 0
    for row in rows:
        writer.writerow(row.as_csv())
        written += 1
        corrected += row.reviewed == CORRECTED
    return written, corrected


@dataclass
class ResultsFile:
    """A results CSV read back: its rows (paths as written), where each image is now, and which are missing."""

    path: Path
    rows: list[ReviewedRow]
    image_paths: list[str]
    """Per row, the image file: absolute paths as they are, relative ones next to the CSV (else the current folder)."""
    missing: list[int] = field(default_factory=list)
    """Indices of the rows whose image file is not there."""

    @property
    def folder(self) -> Path:
        return self.path.parent


def resolve_image_path(text: str, csv_folder: Path) -> Path:
    """Where the image a CSV names is: absolute as written; relative to the CSV's folder, else to the current
    folder (where `digitpad classify` ran); the CSV-relative path when it is in neither."""
    path = Path(text)
    if path.is_absolute():
        return path
    beside = csv_folder / path
    if beside.exists() or not path.exists():
        return beside
    return path.resolve()


def _confidence(text: str, line: int) -> float | None:
    if not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        raise ResultsFileError(f"line {line}: the confidence {text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise ResultsFileError(f"line {line}: the confidence {text!r} is not between 0 and 1")
    return value


def _reviewed_row(record: dict, line: int) -> ReviewedRow:
    def cell(name: str) -> str:
        return (record.get(name) or "").strip()

    if not cell("path"):
        raise ResultsFileError(f"line {line}: no path")
    reviewed = cell("reviewed") or NOT_REVIEWED
    if reviewed not in REVIEW_STATES:
        raise ResultsFileError(f"line {line}: reviewed is {reviewed!r}, not one of {', '.join(REVIEW_STATES)}")
    answer = cell("digit")
    model_digit = cell("model_digit") if "model_digit" in record else answer
    if reviewed == NOT_REVIEWED:
        answer = model_digit
    row = Row(cell("path"), model_digit, _confidence(cell("confidence"), line), cell("error"), cell("top3"),
              cell("digit_confidences"), cell("text"))
    return ReviewedRow(row, answer, reviewed)


def read_results_csv(path: str | os.PathLike) -> ResultsFile:
    """Read a CSV written by `digitpad classify` or by a review's export (then with its review state).

    Raises ResultsFileError (a ValueError) for a file that is not such a CSV and OSError when it cannot be read.
    Missing images are not an error: they are listed in `missing`.
    """
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig", errors=CSV_ENCODING_ERRORS) as stream:
            reader = csv.DictReader(stream)
            columns = reader.fieldnames or []
            if any("\udc80" <= character <= "\udcff" for character in "".join(columns)):  # (bytes only in paths)
                raise ResultsFileError(f"{path.name} is not a results CSV: it is not UTF-8 text")
            absent = [name for name in REQUIRED_COLUMNS if name not in columns]
            if absent:
                raise ResultsFileError(f"{path.name} is not a results CSV: it has no {' or '.join(absent)} column "
                                       f"(expected {','.join(CSV_COLUMNS)})")
            rows = [_reviewed_row(record, reader.line_num) for record in reader]
    except csv.Error as error:
        raise ResultsFileError(f"{path.name} is not a readable CSV: {error}") from None
    folder = path.resolve().parent
    image_paths, missing = [], []
    for index, reviewed in enumerate(rows):
        image = resolve_image_path(reviewed.row.path, folder)
        image_paths.append(str(image))
        if not image.is_file():
            missing.append(index)
    return ResultsFile(path, rows, image_paths, missing)
