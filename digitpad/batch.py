"""Classify many image files: find them, decode and preprocess ahead of batched inference, one CSV row each.

Each image is read as a whole number (digit = '2026'); with single_digit it is read as one digit, as before.
"""

from __future__ import annotations

import collections
import concurrent.futures
import csv
import multiprocessing
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence, Sized

import numpy as np

from digitpad.imageio import ImageError, is_candidate_image, open_image
from digitpad.ink import ink_map
from digitpad.number import NumberReading, PreparedNumber, finish_number, prepare_number
from digitpad.preprocess import NoDigitError

BATCH_SIZE = 256
# Folders of at least this many files are decoded in worker processes (starting them takes ~0.5 s).
PARALLEL_MIN_FILES = 400
# Files per task sent to a decoding process.
WORKER_CHUNK = 64
CSV_COLUMNS = ("path", "digit", "confidence", "error", "top3", "digit_confidences")


@dataclass(frozen=True)
class Row:
    """One file's result: digit is '' and error says why when the file could not be classified.

    For a number, `digit` holds all its digits ('2026'), `confidence` and `top3` are those of its least
    confident digit, and `digit_confidences` lists every digit's confidence ('0.998 0.951 0.990 0.999').
    """

    path: str
    digit: str = ""
    confidence: float | None = None
    error: str = ""
    top3: str = ""
    digit_confidences: str = ""

    def as_csv(self) -> list[str]:
        confidence = "" if self.confidence is None else f"{self.confidence:.4f}"
        return [self.path, self.digit, confidence, self.error, self.top3, self.digit_confidences]


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


def prepare_file(path: Path, single_digit: bool = False) -> tuple[Path, PreparedNumber | None, str]:
    """Decode and preprocess one file: (path, the number ready for its first inference or None, error message)."""
    try:
        image = open_image(path)
        try:
            return path, prepare_number(ink_map(image), single_digit), ""
        finally:
            image.close()
    except (ImageError, NoDigitError) as error:
        return path, None, str(error)
    except MemoryError:
        return path, None, "out of memory reading this image"
    except Exception as error:  # one broken file must never stop a folder of 10,000
        return path, None, f"cannot process image: {type(error).__name__}: {error}"


def _format_top(probabilities: np.ndarray, count: int = 3) -> str:
    order = np.argsort(probabilities)[::-1][:count]
    return " ".join(f"{digit}:{probabilities[digit]:.3f}" for digit in order)


def reading_row(path: str, reading: NumberReading) -> Row:
    """The CSV row of a number read (one digit or many)."""
    least_confident = reading.least_confident
    return Row(
        path, reading.text, reading.confidence, "", _format_top(least_confident.probabilities),
        " ".join(f"{prediction.confidence:.3f}" for prediction in reading.digits),
    )


def _classify_prepared(prepared: Sequence[tuple[Path, PreparedNumber | None, str]], predictor) -> list[Row]:
    """One inference call for the whole ink of every file in the batch, then one row per file (a file
    whose ink is not plainly one digit is cut into digits, which costs it one more call)."""
    ready = [number for _, number, _ in prepared if number is not None]
    probabilities = iter(predictor.predict_inputs(np.stack([number.whole_input for number in ready])) if ready else [])
    rows = []
    for path, number, error in prepared:
        if number is None:
            rows.append(Row(str(path), error=error))
            continue
        whole_probabilities = next(probabilities)
        try:
            reading = finish_number(number, whole_probabilities, predictor.predict_inputs)
        except (NoDigitError, ValueError, MemoryError) as error:  # one odd image must never stop a folder
            rows.append(Row(str(path), error=f"cannot cut the number into digits: {error}"))
            continue
        rows.append(reading_row(str(path), reading))
    return rows


def _chunks(items: Iterable[Path], size: int) -> Iterator[list[Path]]:
    chunk: list[Path] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def prepare_files(paths: Sequence[str], single_digit: bool = False) -> list[tuple[str, PreparedNumber | None, str]]:
    """prepare_file for each path (the unit of work sent to a decoding process; plain strings cross the
    process boundary faster than Path objects)."""
    return [prepare_file(Path(path), single_digit) for path in paths]


def _decoding_executor(workers: int) -> concurrent.futures.Executor:
    if workers <= 1:
        return concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="digitpad-decode")
    # Spawned, never forked: this process runs interpreter and GUI threads that a fork would break.
    context = multiprocessing.get_context("spawn")
    return concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context)


def decoding_workers(files: Iterable) -> int:
    """Processes to decode with: one per core for big folders, none (a thread) when starting them costs more."""
    cores = os.cpu_count() or 1
    if cores > 1 and isinstance(files, Sized) and len(files) >= PARALLEL_MIN_FILES:
        return cores
    return 1


def classify_files(
    files: Iterable[str | os.PathLike],
    predictor,
    batch_size: int = BATCH_SIZE,
    should_stop: Callable[[], bool] | None = None,
    single_digit: bool = False,
    workers: int | None = None,
) -> Iterator[Row]:
    """Yield one Row per file, in order, streaming: files are decoded and preprocessed ahead (in worker
    processes for big folders) while batches are inferred here.

    Each image is read as a number, or as one digit with `single_digit`. Memory stays bounded (a few
    batches of images in flight at most) however many files there are.
    """
    predictor.load()
    workers = decoding_workers(files) if workers is None else workers
    chunk_size = WORKER_CHUNK if workers > 1 else batch_size
    in_flight_limit = 2 * workers + 2
    chunks = _chunks((Path(file) for file in files), chunk_size)
    stopped = (lambda: False) if should_stop is None else should_stop
    executor = _decoding_executor(workers)
    finished = False
    try:
        pending: collections.deque = collections.deque()
        prepared: list = []
        for chunk in chunks:
            if stopped():
                return
            pending.append(executor.submit(prepare_files, [str(path) for path in chunk], single_digit))
            while len(pending) >= in_flight_limit or (pending and pending[0].done()):
                prepared.extend(pending.popleft().result())
                if len(prepared) >= batch_size:
                    yield from _classify_prepared(prepared, predictor)
                    prepared = []
        while pending:
            if stopped():
                return
            prepared.extend(pending.popleft().result())
            if len(prepared) >= batch_size:
                yield from _classify_prepared(prepared, predictor)
                prepared = []
        if prepared and not stopped():
            yield from _classify_prepared(prepared, predictor)
        finished = True
    finally:
        # wait=False only when stopped early: a process pool left running at exit can print
        # "Exception ignored ... OSError: Bad file descriptor" (CPython gh-83279/gh-83386).
        executor.shutdown(wait=finished, cancel_futures=True)


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
