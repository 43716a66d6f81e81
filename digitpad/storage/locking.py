"""A lock between processes on a file: fcntl.flock on POSIX, msvcrt.locking on Windows."""

from __future__ import annotations

import os
import time
from pathlib import Path

if os.name == "nt":
    import msvcrt
else:
    import fcntl

RETRY_SECONDS = 0.02


class LockTimeout(TimeoutError):
    """Another process kept the lock longer than we would wait."""


class FileLock:
    """An exclusive lock on `path` (created if missing, never deleted here): held by at most one open lock, in this
    process or another, at a time; the system drops it when its process dies. Not re-entrant."""

    def __init__(self, path: str | os.PathLike, timeout: float | None = None):
        self.path = Path(path)
        self.timeout = timeout
        """How long `with` waits (None: as long as it takes)."""
        self._file = None

    @property
    def held(self) -> bool:
        return self._file is not None

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        """Take the lock; with `blocking`, wait (at most `timeout` seconds, then LockTimeout). Returns whether taken.

        Raises OSError when the file cannot be opened (a read-only folder without the file)."""
        if self._file is not None:
            raise RuntimeError(f"{self.path} is already locked by this FileLock")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+b")  # noqa: SIM115 - kept open while the lock is held
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if _try_lock(handle):
                self._file = handle
                return True
            if not blocking:
                handle.close()
                return False
            if deadline is not None and time.monotonic() > deadline:
                handle.close()
                raise LockTimeout(f"{self.path} stayed locked for {timeout} s")
            time.sleep(RETRY_SECONDS)  # flock has no timeout of its own: try again shortly

    def release(self) -> None:
        handle, self._file = self._file, None
        if handle is None:
            return
        try:
            _unlock(handle)
        finally:
            handle.close()

    def __enter__(self) -> "FileLock":
        self.acquire(timeout=self.timeout)
        return self

    def __exit__(self, *exception) -> None:
        self.release()


def _try_lock(handle) -> bool:
    try:
        if os.name == "nt":
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (BlockingIOError, PermissionError):
        return False
    except OSError as error:
        if os.name == "nt":  # msvcrt reports a held lock as EACCES or EDEADLOCK
            return False
        raise error
    return True


def _unlock(handle) -> None:
    if os.name == "nt":
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
