"""Classify many image files: find them, decode and preprocess ahead of batched inference, one CSV row each.

Each image is read as a whole number (digit = '2026'); with single_digit it is read as one digit, as before.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence, Sized

import numpy as np

from digitpad.folders.decode import Prepared
from digitpad.folders.pipeline import DecodingPool, prepared_in_order
from digitpad.imaging.imageio import is_candidate_image
from digitpad.imaging.ink import NoDigitError
from digitpad.reading.number import NumberReading, finish_number

BATCH_SIZE = 256
# Folders of at least this many files, or of this many bytes (a dozen phone photos), are decoded in worker
# processes (starting them takes ~0.5 s).
PARALLEL_MIN_FILES = 400
PARALLEL_MIN_BYTES = 16_000_000
# Files per task sent to a decoding process, ending early at this many bytes: a photo is a task of its own,
# so a folder of photos keeps every process busy.
WORKER_CHUNK = 64
WORKER_CHUNK_BYTES = 1_000_000
CSV_COLUMNS = ("path", "digit", "confidence", "error", "top3", "digit_confidences", "text")
# Results CSVs are UTF-8. A file name that is not valid UTF-8 (made on an older system) goes in as its own bytes and
# comes back the same when the CSV is read, so that its row still names the file (what the file system gives Python
# for such names).
CSV_ENCODING = "utf-8"
CSV_ENCODING_ERRORS = "surrogateescape"
# A folder whose images nearly all read as one digit (at least SINGLE_DIGIT_SHARE of SINGLE_DIGIT_FOLDER images or
# more) but a few as numbers is likely a folder of digits, better read as one digit each (see looks_like_digits).
SINGLE_DIGIT_SHARE = 0.9
SINGLE_DIGIT_FOLDER = 20


@dataclass(frozen=True)
class Row:
    """One file's result: digit is '' and error says why when the file could not be classified.

    For a number, `digit` holds all its digits ('2026'), `confidence` and `top3` are those of its least
    confident digit, and `digit_confidences` lists every digit's confidence ('0.998 0.951 0.990 0.999').
    `text` is the number as written when it has separators ('1.990', '12,50', '100.-', '12/05'), else ''.
    """

    path: str
    digit: str = ""
    confidence: float | None = None
    error: str = ""
    top3: str = ""
    digit_confidences: str = ""
    text: str = ""

    def as_csv(self) -> list[str]:
        confidence = "" if self.confidence is None else f"{self.confidence:.4f}"
        return [self.path, self.digit, confidence, self.error, self.top3, self.digit_confidences, self.text]


def iter_image_files(paths: Iterable[str | os.PathLike]) -> Iterator[Path]:
    """Files named directly, and image files found in folders (recursively, in sorted order)."""
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for directory, subdirectories, names in os.walk(path):
                subdirectories[:] = sorted(name for name in subdirectories if not name.startswith("."))
                for name in sorted(names):
                    candidate = Path(directory, name)
                    if is_candidate_image(candidate):
                        yield candidate
        else:
            yield path


def collect_image_files(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """All files `iter_image_files` finds, as a list (paths only, so cheap even for 100,000 files)."""
    return list(iter_image_files(paths))


def _format_top(probabilities: np.ndarray, count: int = 3) -> str:
    order = np.argsort(probabilities)[::-1][:count]
    return " ".join(f"{digit}:{probabilities[digit]:.3f}" for digit in order)


def reading_row(path: str, reading: NumberReading) -> Row:
    """The CSV row of a number read (one digit or many)."""
    least_confident = reading.least_confident
    return Row(
        path, reading.text, reading.confidence, "", _format_top(least_confident.probabilities),
        " ".join(f"{prediction.confidence:.3f}" for prediction in reading.digits), reading.written,
    )


def _classify_prepared(prepared: Sequence[Prepared], predictor) -> list[Row]:
    """One inference call for the whole ink of every file in the batch, then one row per file (a file
    whose ink is not plainly one digit is cut into digits, which costs it one more call)."""
    ready = [number for _, number, _ in prepared if number is not None]
    whole_inputs = np.stack([number.whole_input for number in ready]) if ready else None
    probabilities = iter(predictor.predict_picture_inputs(whole_inputs) if ready else [])
    rows = []
    for path, number, error in prepared:
        if number is None:
            rows.append(Row(str(path), error=error))
            continue
        whole_probabilities = next(probabilities)
        try:
            reading = finish_number(number, whole_probabilities, predictor.predict_picture_inputs, predictor.read_lines)
        except (NoDigitError, ValueError, MemoryError) as error:  # one odd image must never stop a folder
            rows.append(Row(str(path), error=f"cannot cut the number into digits: {error}"))
            continue
        rows.append(reading_row(str(path), reading))
    return rows


def _file_bytes(path: str | os.PathLike) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0  # (its row will say why)


def _chunks(items: Iterable[str], size: int, most_bytes: int | None = None) -> Iterator[list[str]]:
    """Lists of `size` items, ending early once their files hold `most_bytes` (when given)."""
    chunk: list[str] = []
    chunk_bytes = 0
    for item in items:
        chunk.append(item)
        if most_bytes is not None:
            chunk_bytes += _file_bytes(item)
        if len(chunk) == size or (most_bytes is not None and chunk_bytes >= most_bytes):
            yield chunk
            chunk, chunk_bytes = [], 0
    if chunk:
        yield chunk


def decoding_workers(files: Iterable) -> int:
    """Processes to decode with: one per core for big folders (many files, or big ones), none (a thread) when
    starting them costs more."""
    cores = os.cpu_count() or 1
    if cores > 1 and isinstance(files, Sized) and (
        len(files) >= PARALLEL_MIN_FILES or sum(_file_bytes(file) for file in files) >= PARALLEL_MIN_BYTES
    ):
        return cores
    return 1


def classify_files(
    files: Iterable[str | os.PathLike],
    predictor,
    batch_size: int = BATCH_SIZE,
    should_stop: Callable[[], bool] | None = None,
    single_digit: bool = False,
    workers: int | None = None,
    pool: DecodingPool | None = None,
) -> Iterator[Row]:
    """Yield one Row per file, in order, streaming: files are decoded and preprocessed ahead (in worker
    processes for big folders) while batches are inferred here.

    Each image is read as a number, or as one digit with `single_digit`. Memory stays bounded (a few
    batches of images in flight at most) however many files there are. A `pool` started ahead by the
    caller (who then shuts it down) is used instead of one of `workers` processes started here.
    """
    predictor.load()
    own_pool = pool is None
    if pool is None:
        pool = DecodingPool(decoding_workers(files) if workers is None else workers)
    paths = (str(file) for file in files)
    chunks = _chunks(paths, WORKER_CHUNK, WORKER_CHUNK_BYTES) if pool.workers > 1 else _chunks(paths, batch_size)
    stopped = (lambda: False) if should_stop is None else should_stop
    finished = False
    try:
        prepared: list[Prepared] = []
        for chunk in prepared_in_order(chunks, pool, single_digit):
            if stopped():
                return
            prepared.extend(chunk)
            if len(prepared) >= batch_size:
                yield from _classify_prepared(prepared, predictor)
                prepared = []
        if prepared and not stopped():
            yield from _classify_prepared(prepared, predictor)
        finished = True
    finally:
        if own_pool:
            pool.shutdown(wait=finished)


def looks_like_digits(digits: Iterable[str]) -> tuple[int, int] | None:
    """For a folder's `digit` cells ('' where a file could not be read): (how many were read as numbers of several
    digits, how many were read) when it is likely a folder of single digits that a few pieces of ink (a neighbour's
    sliver, a mark) turned into numbers; None otherwise."""
    read = [digit for digit in digits if digit]
    several = sum(len(digit) > 1 for digit in read)
    likely = len(read) >= SINGLE_DIGIT_FOLDER and 0 < several <= (1 - SINGLE_DIGIT_SHARE) * len(read)
    return (several, len(read)) if likely else None


def write_csv(rows: Iterable[Row], stream, header: bool = True) -> tuple[int, int]:
    """Write rows as CSV (columns CSV_COLUMNS); return (rows written, rows with errors)."""
    writer = csv.writer(stream, lineterminator="\n")
    if header:
        writer.writerow(CSV_COLUMNS)
    written = errors = 0
    for row in rows:
        writer.writerow(row.as_csv())
        written += 1
        errors += bool(row.error)
    return written, errors
