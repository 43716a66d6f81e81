"""Atomic file writes: write to a temporary file beside the target, fsync, then rename."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterator


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success it replaces the target.

    On any exception the temporary file is removed and the target is untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=suffix if suffix is not None else (target.suffix + ".tmp"), dir=target.parent
    )
    os.close(handle)
    temporary = Path(temporary_name)
    os.chmod(temporary, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file normal permissions
    try:
        yield temporary
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, target)
        _fsync_directory(target.parent)
    finally:
        if temporary.exists():
            temporary.unlink()


def _read_umask() -> int:
    # os.umask can only be read by setting it; do that once, at import, before worker threads exist.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def _fsync_directory(directory: Path) -> None:
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_bytes(target: str | os.PathLike, data: bytes) -> None:
    """Atomically replace `target` with `data`."""
    with atomic_path(target) as temporary:
        temporary.write_bytes(data)


def write_json(target: str | os.PathLike, value) -> None:
    """Atomically replace `target` with `value` as indented JSON."""
    write_bytes(target, (json.dumps(value, indent=2, sort_keys=True) + "\n").encode("utf-8"))


def write_with(target: str | os.PathLike, writer: Callable[[Path], None], suffix: str | None = None) -> None:
    """Atomically replace `target` with what `writer(temporary_path)` writes."""
    with atomic_path(target, suffix=suffix) as temporary:
        writer(temporary)
