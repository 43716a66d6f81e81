"""File work for the window, run in worker threads: read one image (a digit or a number), export results as CSV."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from digitpad.storage import atomic


@dataclass(frozen=True)
class FileAnswer:
    """One image file's outcome: the image (None if unreadable), the NumberReading, or the error to show."""

    image: Image.Image | None
    reading: object | None
    error: BaseException | None


def read_and_predict(path: str | os.PathLike, predictor, single_digit: bool = False) -> FileAnswer:
    """Open an image as folders open theirs (decode.open_for_reading) and read the number on it (one digit
    with `single_digit`); ImageError and NoDigitError become `error`."""
    from digitpad.folders.decode import ink_of_file, open_for_reading  # noqa: PLC0415 - needed once a file is opened
    from digitpad.imaging.imageio import ImageError  # noqa: PLC0415
    from digitpad.imaging.ink import NoDigitError, to_grey  # noqa: PLC0415
    from digitpad.reading.number import read_ink  # noqa: PLC0415

    try:
        image = open_for_reading(path)
    except ImageError as error:
        return FileAnswer(None, None, error)
    try:
        ink, with_faint_layer = ink_of_file(path, to_grey(image))
        reading = read_ink(ink, predictor, single_digit, with_faint_layer)
    except NoDigitError as error:
        return FileAnswer(image, None, error)
    return FileAnswer(image, reading, None)


def write_results_csv(rows: list, path: str | os.PathLike) -> None:
    """Write reviewed rows (folders.results.ReviewedRow) atomically: the command line's columns, the answers as
    reviewed, plus model_digit and reviewed."""
    from digitpad.folders.batch import CSV_ENCODING, CSV_ENCODING_ERRORS  # noqa: PLC0415
    from digitpad.folders.results import write_reviewed_csv  # noqa: PLC0415

    def write(temporary: Path) -> None:
        with open(temporary, "w", newline="", encoding=CSV_ENCODING, errors=CSV_ENCODING_ERRORS) as stream:
            write_reviewed_csv(rows, stream)

    atomic.write_with(path, write, suffix=".csv.tmp")
