"""Decoding tasks for tests: what a process had imported before any task came, the memory a chunk took, who ran it.

The module itself imports no digitpad (a task imports what it needs when it runs)."""

from __future__ import annotations

import os
import resource
import sys


def imported_modules(names: list[str], single_digit: bool) -> list[str]:
    """Those of `names` already in this process's sys.modules (called as decode.prepare_files is)."""
    return [name for name in names if name in sys.modules]


def errors_and_peak_memory(paths: list[str], single_digit: bool) -> tuple[list[str], float]:
    """Prepare the files as decode.prepare_files does; return each file's error ('' when read) and this
    process's peak resident memory since it started, in MB (Linux counts ru_maxrss in kB)."""
    from digitpad.folders.decode import prepare_files  # noqa: PLC0415 - see the module's docstring

    errors = [error for _, _, error in prepare_files(paths, single_digit)]
    return errors, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def process_id(names: list[str], single_digit: bool) -> int:
    """The process that ran the task (its initializer done by then)."""
    return os.getpid()
