"""File work for the window, run in worker threads: read one image (a digit or a number), export results as CSV."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from digitpad.storage import atomic


# (see framed)
SHOWN_WHOLE_SHARE = 0.25


@dataclass(frozen=True)
class FileAnswer:
    """One image file's outcome: the image to show (None if unreadable; see framed), the NumberReading, or the error
    to show."""

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
        grey = to_grey(image)
        ink, with_faint_layer = ink_of_file(path, grey)
        reading = read_ink(ink, predictor, single_digit, with_faint_layer)
    except NoDigitError as error:
        return FileAnswer(image, None, error)
    return FileAnswer(framed(path, image, grey), reading, None)


def framed(path: str | os.PathLike, image: Image.Image, grey) -> Image.Image:
    """The picture to show beside its answer (`image`, the file as decoded for reading; `grey`, that as grey): where
    the writing read covers less than SHOWN_WHOLE_SHARE of it (a number drawn small on a phone's canvas, a digit on a
    photo of a page), the crop around it and its margin (ink.small_writing_box), taken from the file decoded with
    the detail a closer look takes (decode.crop_in_detail), so that it shows the writing rather than empty paper
    and washed-out strokes; else the picture."""
    from digitpad.folders.decode import crop_in_detail  # noqa: PLC0415
    from digitpad.imaging.ink import small_writing_box  # noqa: PLC0415

    box = small_writing_box(grey)
    if box is None:
        return image
    top, left, bottom, right = box
    if (bottom - top) * (right - left) >= SHOWN_WHOLE_SHARE * grey.shape[0] * grey.shape[1]:
        return image
    return crop_in_detail(path, grey.shape, box, image.width + 1) or image.crop((left, top, right, bottom))


def write_results_csv(rows: list, path: str | os.PathLike) -> None:
    """Write reviewed rows (folders.results.ReviewedRow) atomically: the command line's columns, the answers as
    reviewed, plus model_digit and reviewed."""
    from digitpad.folders.batch import CSV_ENCODING, CSV_ENCODING_ERRORS  # noqa: PLC0415
    from digitpad.folders.results import write_reviewed_csv  # noqa: PLC0415

    def write(temporary: Path) -> None:
        with open(temporary, "w", newline="", encoding=CSV_ENCODING, errors=CSV_ENCODING_ERRORS) as stream:
            write_reviewed_csv(rows, stream)

    atomic.write_with(path, write, suffix=".csv.tmp")
