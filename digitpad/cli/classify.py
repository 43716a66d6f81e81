"""`digitpad classify`: folders in, CSV out, with a progress line on a terminal and meaningful exit codes."""

from __future__ import annotations

import os
import sys
import time
from contextlib import nullcontext
from pathlib import Path

from digitpad import APP_NAME
from digitpad.cli.status import (EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_OUTPUT_CLOSED, EXIT_USAGE,
                                 PROGRESS_INTERVAL_SECONDS)
from digitpad.folders.pipeline import DecodingPool


class _Progress:
    """Counts rows as they stream past and redraws one stderr line when stderr is a terminal."""

    def __init__(self, total: int, stream=sys.stderr):
        self.total, self.stream, self.done = total, stream, 0
        self.digits: list[str] = []  # each row's digits ('' for an error)
        self.enabled = bool(stream is not None and stream.isatty())
        self.started = self.last_drawn = time.monotonic()

    def track(self, rows):
        for row in rows:
            self.done += 1
            self.digits.append(row.digit)
            now = time.monotonic()
            if self.enabled and now - self.last_drawn >= PROGRESS_INTERVAL_SECONDS:
                self.last_drawn = now
                self._draw(now)
            yield row
        if self.enabled:
            self._draw(time.monotonic())
            self.stream.write("\n")

    def _draw(self, now: float) -> None:
        elapsed = max(now - self.started, 1e-6)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate > 0 else 0
        self.stream.write(f"\r{self.done}/{self.total} images  {rate:,.0f}/s  {left:,.0f} s left ")
        self.stream.flush()


class _OutputError(Exception):
    """Writing the CSV failed (a full disk, a pipe whose reader has gone): the OSError is its __cause__."""


class _GuardedOutput:
    """The CSV's stream, whose write errors come out as _OutputError: told apart from anything reading the images
    may raise (those are rows with errors)."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as error:
            raise _OutputError() from error

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as error:
            raise _OutputError() from error


def _is_one_of(csv_path: str, files: list[Path]) -> bool:
    """Whether the CSV would be written over one of the images to classify (a slip in the arguments, `--csv
    photo.jpg`, must never cost the photo)."""
    target = Path(csv_path)
    if not target.is_file():
        return False
    real = os.path.realpath(target)
    return any(file.name == target.name and os.path.realpath(file) == real for file in files)


def _silence_stdout() -> None:
    """Point stdout at the null device, so that the interpreter's last flush of a closed pipe says nothing
    (as the Python documentation's note on SIGPIPE does it)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def run_classify(paths: list[str], csv_path: str | None, model_path: str | None, single_digit: bool = False) -> int:
    """Classify `paths` into CSV at `csv_path` (stdout if None); return the exit status.

    Each image is read as a whole number, or as exactly one digit with `single_digit`.
    """
    missing = [path for path in paths if not Path(path).exists()]
    if missing:
        for path in missing:
            print(f"{APP_NAME} classify: no such file or folder: {path}", file=sys.stderr)
        return EXIT_USAGE
    if model_path is not None and not Path(model_path).is_file():
        print(f"{APP_NAME} classify: model file not found: {model_path}", file=sys.stderr)
        return EXIT_USAGE
    # A folder is likely big: decoding processes start now, importing their code while this one loads its own.
    pool = DecodingPool(os.cpu_count() or 1) if any(Path(path).is_dir() for path in paths) else None
    try:
        return _classify(paths, csv_path, model_path, single_digit, pool)
    finally:
        if pool is not None:
            pool.shutdown(wait=True)


def _classify(paths: list[str], csv_path: str | None, model_path: str | None, single_digit: bool, pool) -> int:
    # After the pool started: its processes import their code meanwhile.
    from digitpad.folders.batch import (  # noqa: PLC0415
        CSV_ENCODING, CSV_ENCODING_ERRORS, classify_files, collect_image_files, looks_like_digits, write_csv)
    from digitpad.inference.keras_model import ModelLoadError  # noqa: PLC0415
    from digitpad.inference.predictor import KerasPredictor  # noqa: PLC0415
    from digitpad.userdata.model_store import choose_model  # noqa: PLC0415

    files = collect_image_files(paths)
    if not files:  # (not an error: the CSV is just its header; but a person should know why)
        print(f"{APP_NAME} classify: no image files in {', '.join(paths)}", file=sys.stderr)
    if csv_path and _is_one_of(csv_path, files):
        print(f"{APP_NAME} classify: --csv {csv_path} is one of the images to classify; writing the CSV there would "
              "destroy it", file=sys.stderr)
        return EXIT_USAGE
    choice = choose_model(model_path)  # --model, else $DIGITPAD_MODEL, else the model kept after a retrain
    if choice.warning:
        print(f"{APP_NAME} classify: {choice.warning}", file=sys.stderr)
    predictor = KerasPredictor(choice.path)
    try:
        predictor.load()
    except ModelLoadError as error:
        print(f"{APP_NAME} classify: {error}", file=sys.stderr)
        return EXIT_USAGE
    progress = _Progress(len(files))
    try:
        target = (open(csv_path, "w", newline="", encoding=CSV_ENCODING, errors=CSV_ENCODING_ERRORS) if csv_path
                  else nullcontext(sys.stdout))
    except OSError as error:
        print(f"{APP_NAME} classify: cannot write {csv_path}: {error.strerror or error}", file=sys.stderr)
        return EXIT_USAGE
    rows = classify_files(files, predictor, single_digit=single_digit, pool=pool if len(files) > 1 else None)
    try:
        with target as stream:
            output = _GuardedOutput(stream)
            written, errors = write_csv(progress.track(rows), output)
            output.flush()  # (so that closing has nothing left to fail on)
    except _OutputError as failure:
        if csv_path is None and isinstance(failure.__cause__, BrokenPipeError):  # `... | head` has what it wants
            _silence_stdout()
            return EXIT_OUTPUT_CLOSED
        reason = failure.__cause__.strerror or failure.__cause__
        print(f"{APP_NAME} classify: cannot write {csv_path or 'the output'}: {reason}; stopped after "
              f"{progress.done} of {len(files)} images", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:  # Ctrl+C: the rows written so far stay, each whole (one write per row)
        if progress.enabled:
            sys.stderr.write("\n")
        kept = f"; the rows read so far are in {csv_path}" if csv_path and progress.done else ""
        print(f"{APP_NAME} classify: interrupted after {progress.done} of {len(files)} images{kept}", file=sys.stderr)
        return EXIT_INTERRUPTED
    if pool is not None and pool.fallback and sys.stderr is not None:
        print(f"{APP_NAME} classify: decoded in one thread, more slowly: {pool.fallback}", file=sys.stderr)
    if sys.stderr is not None and (csv_path or sys.stderr.isatty()):
        print(f"{written} images, {written - errors} classified, {errors} with errors", file=sys.stderr)
    hint = None if single_digit else looks_like_digits(progress.digits)
    if hint is not None and sys.stderr is not None:
        print(f"{APP_NAME} classify: {hint[0]} of {hint[1]} images were read as numbers of several digits, the "
              "others as one digit; if each image holds one digit, --single-digit reads it so", file=sys.stderr)
    return EXIT_FAILED if errors else EXIT_OK
