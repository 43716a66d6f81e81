"""The queue pump and run_in_thread: callbacks run on the Tk thread, in bounded batches, and stop on close."""

from __future__ import annotations

import threading

import pytest

from digitpad.gui import worker
from tests.gui.gui_helpers import wait_until


@pytest.fixture
def pump(tk_root):
    created = worker.Pump(tk_root)
    yield created
    created.close()


def test_run_in_thread_calls_back_on_the_tk_thread(tk_root, pump):
    results = []

    def blocking():
        results.append(("worker", threading.current_thread() is threading.main_thread()))
        return 42

    def done(succeeded, value):
        results.append(("done", threading.current_thread() is threading.main_thread(), succeeded, value))

    worker.run_in_thread(blocking, done, pump=pump)
    wait_until(tk_root, lambda: len(results) == 2)
    assert results == [("worker", False), ("done", True, True, 42)]


def test_run_in_thread_hands_the_exception_to_the_callback(tk_root, pump):
    outcome = []

    def failing():
        raise ValueError("bad input")

    worker.run_in_thread(failing, lambda succeeded, value: outcome.append((succeeded, value)), pump=pump)
    wait_until(tk_root, lambda: outcome)
    assert outcome[0][0] is False and isinstance(outcome[0][1], ValueError)


def test_run_in_thread_uses_the_default_pump(tk_root, pump):
    outcome = []
    worker.set_default_pump(pump)
    try:
        worker.run_in_thread(lambda: "ok", lambda succeeded, value: outcome.append(value))
        wait_until(tk_root, lambda: outcome)
    finally:
        worker.set_default_pump(None)
    assert outcome == ["ok"]
    with pytest.raises(RuntimeError):
        worker.run_in_thread(lambda: None, lambda succeeded, value: None)


def test_each_poll_runs_a_bounded_batch(tk_root, pump):
    ran = []
    ticket = pump.hold(ran.append)
    for index in range(worker.MAXIMUM_CALLBACKS_PER_POLL * 3):
        pump.post(ticket, index)
    assert pump.poll() == worker.MAXIMUM_CALLBACKS_PER_POLL
    assert ran == list(range(worker.MAXIMUM_CALLBACKS_PER_POLL))
    wait_until(tk_root, lambda: len(ran) == worker.MAXIMUM_CALLBACKS_PER_POLL * 3)


def test_released_tickets_are_ignored(tk_root, pump):
    ran = []
    ticket = pump.hold(ran.append)
    pump.post(ticket, 1, release=True)
    pump.post(ticket, 2)  # after the release: dropped
    wait_until(tk_root, lambda: pump.pending() == 0)
    tk_root.update()
    assert ran == [1]


def test_the_worker_never_holds_the_callback(tk_root, pump):
    """Workers must not keep Tk objects alive: only the pump (on the Tk thread) holds the callback."""
    import gc  # noqa: PLC0415
    import weakref  # noqa: PLC0415

    class Receiver:
        def done(self, succeeded, value):
            pass

    receiver = Receiver()
    reference = weakref.ref(receiver)
    gate = threading.Event()
    thread = worker.run_in_thread(gate.wait, receiver.done, pump=pump)
    del receiver
    pump.close()  # e.g. the window closed while the worker still runs
    gc.collect()
    assert reference() is None and thread.is_alive()
    gate.set()
    thread.join(5)


def test_close_cancels_the_poll_and_drops_later_posts(tk_root):
    pump = worker.Pump(tk_root)
    after_id = pump._after_id
    assert after_id in tk_root.tk.splitlist(tk_root.tk.call("after", "info"))
    ran = []
    ticket = pump.hold(ran.append)
    pump.post(ticket, 1)
    pump.close()
    assert after_id not in tk_root.tk.splitlist(tk_root.tk.call("after", "info"))
    pump.post(ticket, 2)
    tk_root.update()
    assert ran == [] and pump.pending() == 0


def test_the_pump_polls_fast_only_while_a_task_is_out(tk_root, pump):
    assert pump._scheduled_interval == worker.POLL_INTERVAL_MS
    gate = threading.Event()
    outcome = []
    worker.run_in_thread(gate.wait, lambda succeeded, value: outcome.append(succeeded), pump=pump)
    assert pump._scheduled_interval == worker.URGENT_POLL_INTERVAL_MS
    gate.set()
    wait_until(tk_root, lambda: outcome)
    wait_until(tk_root, lambda: pump._scheduled_interval == worker.POLL_INTERVAL_MS)
