"""Prepare image files ahead of inference, in order, in decoding processes started in the background.

A bounded number of chunks is in flight, the calling thread helps while the processes start, and a crashed
process costs one file its row, never the run.
"""

from __future__ import annotations

import collections
import concurrent.futures
import itertools
import multiprocessing
import signal
import threading
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

if TYPE_CHECKING:
    from digitpad.folders.decode import Prepared

# The decoding code, imported once by the fork server (and lazily here: a pool can start before it loads).
DECODING_MODULE = "digitpad.folders.decode"

# While the decoding processes start, the calling thread prepares up to this many chunks itself.
WARM_UP_CHUNKS = 32
# Processes not up after this long (a starved machine, a broken environment) are given up for a thread.
START_TIMEOUT_SECONDS = 60
CRASHED = "the image crashed its decoding process (damaged or hostile file?)"


def _process_context():
    # Never plainly forked: the caller runs interpreter and GUI threads that a fork would break. A fork
    # server imports the decoding code once and forks each worker from that clean process, ready at once;
    # where there is none (Windows), workers are spawned and each imports it.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([DECODING_MODULE])
        return context
    return multiprocessing.get_context("spawn")


def _ignore_interrupts() -> None:
    """Each decoding process's initializer: a Ctrl+C at the terminal reaches the whole process group, and
    the calling process alone answers it (a one-line message, the rows so far kept); a worker waiting for
    work would otherwise print a traceback of its own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _new_processes(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    return concurrent.futures.ProcessPoolExecutor(
        workers, mp_context=_process_context(), initializer=_ignore_interrupts
    )


def _started() -> None:
    """The first task of each decoding process: once all have run it, the processes are up."""


def _done(result) -> concurrent.futures.Future:
    future: concurrent.futures.Future = concurrent.futures.Future()
    future.set_result(result)
    return future


class DecodingPool:
    """Runs prepare_files on chunks of paths: in `workers` processes, or in one thread when workers <= 1.

    Processes are started in the background (`started` tells when they are up); where they cannot start
    at all, a thread of this process does the work. A crashed process is replaced by a fresh pool.
    """

    def __init__(self, workers: int, task: Callable[[list[str], bool], list[Prepared]] | None = None):
        """`task` (default: decode.prepare_files) must be importable by name in a fresh process."""
        self.workers = workers
        self._task = task
        self._thread_pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._processes: concurrent.futures.ProcessPoolExecutor | None = None
        self._starting: threading.Thread | None = None
        self.fallback: str | None = None
        """Why the work went to a thread after all (None while processes do it)."""
        if workers > 1:
            self._start_processes()

    @property
    def task(self) -> Callable[[list[str], bool], list[Prepared]]:
        if self._task is None:
            from digitpad.folders.decode import prepare_files  # noqa: PLC0415 - see DECODING_MODULE

            self._task = prepare_files
        return self._task

    def _start_processes(self) -> None:
        self._processes = _new_processes(self.workers)
        processes = self._processes

        def start() -> None:
            try:
                for future in [processes.submit(_started) for _ in range(self.workers)]:
                    future.result(timeout=START_TIMEOUT_SECONDS)
            except Exception as error:  # cannot start processes here (limits, sandbox): decode in a thread
                self.fallback = f"worker processes could not start ({type(error).__name__}: {error})"
                self._give_up_processes(processes)

        self._starting = threading.Thread(target=start, name="digitpad-decoding-start", daemon=True)
        self._starting.start()

    def _give_up_processes(self, processes) -> None:
        if self._processes is processes:
            self._processes = None
        processes.shutdown(wait=False, cancel_futures=True)

    @property
    def started(self) -> bool:
        return self._starting is None or not self._starting.is_alive()

    def wait_started(self, timeout: float | None = None) -> bool:
        """Wait until the processes are up (or given up for a thread); False when `timeout` ran out first."""
        if self._starting is not None:
            self._starting.join(timeout)
        return self.started

    def _executor(self) -> concurrent.futures.Executor:
        if self._processes is not None:
            return self._processes
        if self._thread_pool is None:
            self._thread_pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="digitpad-decode")
        return self._thread_pool

    def submit(self, paths: list[str], single_digit: bool) -> concurrent.futures.Future:
        try:
            return self._executor().submit(self.task, paths, single_digit)
        except BrokenProcessPool:
            self._restart()
            return self._executor().submit(self.task, paths, single_digit)

    def _restart(self) -> None:
        """Replace broken decoding processes with fresh ones (once started, they are used as soon as asked)."""
        broken = self._processes
        if broken is not None:
            self._give_up_processes(broken)
            self._processes = _new_processes(self.workers)

    def prepare_isolated(self, paths: list[str], single_digit: bool) -> list[Prepared]:
        """Each file as its own task, after a chunk crashed a process: only the culprit loses its row."""
        results = []
        for path in paths:
            try:
                results.extend(self.submit([path], single_digit).result())
            except BrokenProcessPool:
                self._restart()
                results.append((path, None, CRASHED))
        return results

    def shutdown(self, wait: bool) -> None:
        # wait=False only when stopped early: a process pool left running at exit can print
        # "Exception ignored ... OSError: Bad file descriptor" (CPython gh-83279/gh-83386).
        for executor in (self._processes, self._thread_pool):
            if executor is not None:
                executor.shutdown(wait=wait, cancel_futures=True)


def prepared_in_order(chunks: Iterable[list[str]], pool: DecodingPool, single_digit: bool) -> Iterator[list[Prepared]]:
    """Each chunk of files prepared, in order, with at most 2 * workers + 2 chunks in flight in the pool.

    While the pool's processes start, the first WARM_UP_CHUNKS chunks are kept for the calling thread,
    which prepares them itself; once the processes are up, whatever is left of those goes to them.
    """
    numbered = enumerate(chunks)
    reserve = collections.deque(itertools.islice(numbered, 0 if pool.started else WARM_UP_CHUNKS))
    in_flight_limit = 2 * max(pool.workers, 1) + 2
    # chunk index -> (its paths, its future, whether that future is the pool's)
    ahead: dict[int, tuple[list[str], concurrent.futures.Future, bool]] = {}
    in_flight = next_index = 0
    while True:
        if reserve and not pool.started:  # (submitting now would wait for the processes to start)
            index, chunk = reserve.popleft()
            ahead[index] = (chunk, _done(pool.task(chunk, single_digit)), False)
        else:
            while reserve:
                index, chunk = reserve.popleft()
                ahead[index] = (chunk, pool.submit(chunk, single_digit), True)
                in_flight += 1
            while in_flight < in_flight_limit and (item := next(numbered, None)) is not None:
                ahead[item[0]] = (item[1], pool.submit(item[1], single_digit), True)
                in_flight += 1
        if next_index not in ahead:
            return
        chunk, future, in_pool = ahead.pop(next_index)
        next_index += 1
        in_flight -= in_pool
        try:
            result = future.result()
        except BrokenProcessPool:
            result = pool.prepare_isolated(chunk, single_digit)
        yield result
