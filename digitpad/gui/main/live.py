"""Live answers for the pad: debounce after each stroke, read the strokes off the Tk thread, drop stale results.

The strokes are read as a number (one digit per group of strokes, digitpad.reading.number.read_strokes), or as
one digit in single-digit mode.
"""

from __future__ import annotations

import time
import tkinter as tk
from typing import Any, Callable

from digitpad.gui.main.pad_content import PadContent
from digitpad.gui.worker import Pump, run_in_thread
from digitpad.reading.strokes import DEFAULT_PEN_WIDTH

DEBOUNCE_MS = 150


def read_pad_strokes(predictor, strokes, pen_width: float, single_digit: bool = False):
    """The pad's strokes (drawing order) -> NumberReading (worker thread)."""
    from digitpad.reading.number import read_strokes  # noqa: PLC0415 - the engine, loaded off the Tk thread

    return read_strokes(strokes, pen_width, predictor, single_digit=single_digit)


class LiveAnswer:
    """Turns pad edits into at most one prediction in flight, always for the pad's latest content.

    `read_pad_strokes(predictor(), strokes, pen_width(), single_digit())` runs in a worker thread;
    `on_answer(reading)` (a NumberReading), `on_empty()` and `on_failure(error)` run on the Tk thread, and only
    for the pad content (and single-digit setting) that is still there.
    """

    def __init__(self, widget: tk.Misc, pump: Pump, content: PadContent, predictor: Callable[[], Any],
                 on_answer: Callable[[Any], None], on_empty: Callable[[], None],
                 on_failure: Callable[[BaseException], None],
                 debounce_ms: int = DEBOUNCE_MS, pen_width: Callable[[], float] = lambda: DEFAULT_PEN_WIDTH,
                 single_digit: Callable[[], bool] = lambda: False):
        self._widget = widget
        self._pump = pump
        self._content = content
        self._predictor = predictor
        self._on_answer = on_answer
        self._on_empty = on_empty
        self._on_failure = on_failure
        self._pen_width = pen_width
        self._single_digit = single_digit
        self.debounce_ms = debounce_ms
        self.model_ready = False
        self._after_id: str | None = None
        self._in_flight_revision: int | None = None
        self._generation = 0
        """Changes with the reading settings: a result read under older settings is stale too."""
        self._waiting = False
        self._changed_at = 0.0
        self._fired_at = 0.0
        self.stale_results_dropped = 0
        self.answers_shown = 0
        self.timings: list[tuple[float, float]] = []
        """(edit-to-answer, debounce-end-to-answer) seconds for each answer shown."""

    @property
    def is_busy(self) -> bool:
        return self._in_flight_revision is not None or self._after_id is not None

    def stroke_started(self) -> None:
        """The pen went down again: wait for this stroke too."""
        self._cancel_timer()

    def pad_changed(self) -> None:
        """A stroke ended, or one was undone or cleared: answer shortly (or show the hint if the pad is empty)."""
        self._cancel_timer()
        self._changed_at = time.perf_counter()
        if self._content.is_empty:
            self._waiting = False
            self._on_empty()
            return
        self._after_id = self._widget.after(self.debounce_ms, self._fire)

    def settings_changed(self) -> None:
        """The way strokes are read changed (single-digit mode): read the pad again now, dropping older results."""
        self._generation += 1
        self._cancel_timer()
        if self._content.is_empty:
            self._waiting = False
            self._on_empty()
            return
        self._changed_at = time.perf_counter()
        self._fire()

    def superseded(self) -> None:
        """Something newer holds the answer (an opened image): drop the pad's answers in flight or due, so that a
        slower pad reading never replaces it. The next stroke answers again."""
        self._generation += 1
        self._cancel_timer()
        self._waiting = False

    def set_model_ready(self) -> None:
        """The predictor finished loading: answer for what is on the pad now."""
        self.model_ready = True
        if self._waiting:
            self._waiting = False
            self._fire()

    def close(self) -> None:
        self._cancel_timer()
        self._waiting = False

    # -- internals --------------------------------------------------------------------------------------------
    def _cancel_timer(self) -> None:
        if self._after_id is not None:
            try:
                self._widget.after_cancel(self._after_id)
            except tk.TclError:
                pass
            self._after_id = None

    def _fire(self) -> None:
        self._after_id = None
        if self._content.is_empty or self._content.is_drawing:
            return
        if not self.model_ready:
            self._waiting = True
            return
        if self._in_flight_revision is not None:
            self._waiting = True  # run again for the newest content once this one is back
            return
        self._fired_at = time.perf_counter()
        revision, generation = self._content.revision, self._generation
        strokes = self._content.snapshot()
        pen_width, single_digit = float(self._pen_width()), bool(self._single_digit())
        self._in_flight_revision = revision

        predictor = self._predictor()

        def read():  # worker thread: only plain data and the predictor, never a Tk object
            return read_pad_strokes(predictor, strokes, pen_width, single_digit)

        run_in_thread(read, lambda succeeded, value: self._done(revision, generation, succeeded, value),
                      pump=self._pump, name="digitpad-live-answer")

    def _done(self, revision: int, generation: int, succeeded: bool, value: Any) -> None:
        self._in_flight_revision = None
        if revision != self._content.revision or generation != self._generation:
            self.stale_results_dropped += 1
        elif succeeded:
            self._on_answer(value)
            self.answers_shown += 1
            now = time.perf_counter()
            self.timings.append((now - self._changed_at, now - self._fired_at))
        else:
            self._on_failure(value)
        if self._waiting and self.model_ready:
            self._waiting = False
            self._fire()
