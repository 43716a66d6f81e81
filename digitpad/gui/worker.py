"""Work off the Tk thread: a queue pumped by `after()` and `run_in_thread` whose callback runs in Tk's main loop."""

from __future__ import annotations

import itertools
import queue
import sys
import threading
import time
import tkinter as tk
from typing import Any, Callable

POLL_INTERVAL_MS = 30
URGENT_POLL_INTERVAL_MS = 5
"""While a `run_in_thread` task is out, poll this often, so that an answer shows within milliseconds."""
MAXIMUM_CALLBACKS_PER_POLL = 50
POLL_TIME_BUDGET_SECONDS = 0.015

DoneCallback = Callable[[bool, Any], None]


class Pump:
    """Runs callbacks for worker threads on the Tk thread, a bounded batch every POLL_INTERVAL_MS
    (URGENT_POLL_INTERVAL_MS while an urgent callback is held).

    Workers never hold a Tk object, not even a callback bound to a widget: the Tk thread `hold`s the callback
    and hands the worker a ticket (an int); the worker `post`s arguments to the ticket. This matters beyond
    style: if a worker's garbage collection frees the last reference to the Tk interpreter, Tcl aborts the
    process. `close` stops polling, forgets every callback and the widget.
    """

    def __init__(self, widget: tk.Misc, interval_ms: int = POLL_INTERVAL_MS):
        self._widget: tk.Misc | None = widget
        self._interval_ms = interval_ms
        self._queue: queue.Queue[tuple[int, tuple[Any, ...], bool]] = queue.Queue()
        self._held: dict[int, Callable[..., Any]] = {}
        self._urgent: set[int] = set()
        self._scheduled_interval = interval_ms
        self._tickets = itertools.count(1)
        self._after_id: str | None = None
        self._closed = False
        self._schedule()

    @property
    def is_closed(self) -> bool:
        return self._closed

    def hold(self, callback: Callable[..., Any], urgent: bool = False) -> int:
        """Tk thread: keep `callback` here and return the ticket workers post to.

        `urgent`: someone waits for this one (a short task); poll fast until it is released.
        """
        ticket = next(self._tickets)
        if not self._closed:
            self._held[ticket] = callback
            if urgent:
                self._urgent.add(ticket)
                if self._after_id is not None and self._scheduled_interval > URGENT_POLL_INTERVAL_MS:
                    self._widget.after_cancel(self._after_id)
                    self._schedule()
        return ticket

    def release(self, ticket: int) -> None:
        """Tk thread: forget a held callback (later posts to it are ignored)."""
        self._held.pop(ticket, None)
        self._urgent.discard(ticket)

    def post(self, ticket: int, *arguments: Any, release: bool = False) -> None:
        """Any thread: run the ticket's callback with `arguments` soon on the Tk thread; `release` it after."""
        if not self._closed:
            self._queue.put((ticket, arguments, release))

    def pending(self) -> int:
        return self._queue.qsize()

    def poll(self) -> int:
        """Run up to MAXIMUM_CALLBACKS_PER_POLL queued callbacks within the time budget; returns how many ran."""
        deadline = time.perf_counter() + POLL_TIME_BUDGET_SECONDS
        count = 0
        while count < MAXIMUM_CALLBACKS_PER_POLL and not self._closed:
            try:
                ticket, arguments, release = self._queue.get_nowait()
            except queue.Empty:
                break
            if release:
                self._urgent.discard(ticket)
            callback = self._held.pop(ticket, None) if release else self._held.get(ticket)
            if callback is None:
                continue
            count += 1
            try:
                callback(*arguments)
            except Exception:  # report like any Tk callback, keep pumping
                if self._widget is not None:
                    self._widget._root().report_callback_exception(*sys.exc_info())
            if time.perf_counter() > deadline:
                break
        return count

    def close(self) -> None:
        """Stop polling; forget held callbacks, queued results and the widget."""
        self._closed = True
        if self._after_id is not None and self._widget is not None:
            try:
                self._widget.after_cancel(self._after_id)
            except tk.TclError:
                pass
        self._after_id = None
        self._held.clear()
        self._urgent.clear()
        while not self._queue.empty():
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._widget = None

    def _schedule(self) -> None:
        if self._widget is not None:
            self._scheduled_interval = URGENT_POLL_INTERVAL_MS if self._urgent else self._interval_ms
            self._after_id = self._widget.after(self._scheduled_interval, self._tick)

    def _tick(self) -> None:
        self._after_id = None
        if self._closed:
            return
        self.poll()
        if not self._closed:
            self._schedule()


_default_pump: Pump | None = None


def set_default_pump(pump: Pump | None) -> None:
    """The pump `run_in_thread` uses when none is given (the application installs its own)."""
    global _default_pump
    _default_pump = pump


def run_in_thread(
    blocking_function: Callable[[], Any],
    done_callback: DoneCallback,
    pump: Pump | None = None,
    name: str = "digitpad-worker",
) -> threading.Thread:
    """Run `blocking_function()` in a daemon thread, then `done_callback(succeeded, value)` in Tk's main loop.

    `value` is the function's result, or the exception it raised. Call from the Tk thread. The callback never
    runs in the worker, and the worker never holds it; keep widgets out of `blocking_function`'s closure too.
    """
    pump = pump or _default_pump
    if pump is None or pump.is_closed:
        raise RuntimeError("run_in_thread needs an open Pump (set_default_pump or pump=)")
    ticket = pump.hold(done_callback, urgent=True)

    def work() -> None:
        try:
            result = blocking_function()
        except Exception as error:  # handed to the callback, which decides what the user sees
            pump.post(ticket, False, error, release=True)
        else:
            pump.post(ticket, True, result, release=True)

    thread = threading.Thread(target=work, name=name, daemon=True)
    thread.start()
    return thread


class BackgroundJob:
    """One run of `_work(*arguments)` in a daemon thread, with cancel, join and state; subclasses add the work.

    `_stop` is the cancel flag the work checks; the thread must never touch widgets (post to a Pump instead).
    """

    thread_name = "digitpad-job"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def cancel_requested(self) -> bool:
        return self._stop.is_set()

    def cancel(self) -> None:
        """Ask the work to stop at its next check."""
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _start(self, *arguments) -> None:
        if self._thread is not None:
            raise RuntimeError(f"a {type(self).__name__} runs once")
        self._thread = threading.Thread(target=self._work, args=arguments, name=self.thread_name, daemon=True)
        self._thread.start()

    def _work(self, *arguments) -> None:
        raise NotImplementedError
