"""A folder classification running in a worker thread, reporting progress and rows in chunks through a Pump."""

from __future__ import annotations

import os
import time
from typing import Callable, Sequence

from digitpad.gui.worker import BackgroundJob, Pump

CHUNK_ROWS = 256
CHUNK_SECONDS = 0.1


class BatchJob(BackgroundJob):
    """Collects the image files under some paths and classifies them, off the Tk thread.

    Each image is read as a number, or as one digit with `single_digit` (as `digitpad classify` does).
    Callbacks run on the Tk thread: `on_total(total)` once the files are listed, `on_rows(rows, done)` for
    each chunk, and `on_finished(cancelled, error)` exactly once at the end. Create it on the Tk thread: the
    pump holds the callbacks and the worker only sees tickets.
    """

    def __init__(self, pump: Pump, predictor, on_total: Callable[[int], None],
                 on_rows: Callable[[list, int], None], on_finished: Callable[[bool, BaseException | None], None],
                 single_digit: bool = False):
        super().__init__()
        self._pump = pump
        self._predictor = predictor
        self.single_digit = single_digit
        self._total_ticket = pump.hold(on_total)
        self._rows_ticket = pump.hold(on_rows)

        def finished(cancelled: bool, error: BaseException | None) -> None:
            pump.release(self._total_ticket)
            pump.release(self._rows_ticket)
            on_finished(cancelled, error)

        self._finished_ticket = pump.hold(finished)

    thread_name = "digitpad-batch"

    def start(self, paths: Sequence[str | os.PathLike]) -> None:
        """List and classify `paths`; cancel() stops after the chunk in hand, then on_finished(cancelled=True)."""
        self._start(list(paths))

    def _work(self, paths: list) -> None:
        from digitpad.folders import batch  # noqa: PLC0415 - loaded when first needed

        error: BaseException | None = None
        try:
            files = batch.collect_image_files(paths)
            self._pump.post(self._total_ticket, len(files))
            if files and not self._stop.is_set():
                self._predictor.load()
                self._classify(batch, files)
        except Exception as failure:  # shown to the user by on_finished
            error = failure
        self._pump.post(self._finished_ticket, self._stop.is_set(), error, release=True)

    def _classify(self, batch, files: list) -> None:
        chunk: list = []
        done = 0
        last_post = time.monotonic()
        for row in batch.classify_files(files, self._predictor, should_stop=self._stop.is_set,
                                         single_digit=self.single_digit):
            chunk.append(row)
            done += 1
            now = time.monotonic()
            if len(chunk) >= CHUNK_ROWS or now - last_post >= CHUNK_SECONDS:
                self._pump.post(self._rows_ticket, chunk, done)
                chunk, last_post = [], now
            if self._stop.is_set():
                break
        if chunk:
            self._pump.post(self._rows_ticket, chunk, done)
