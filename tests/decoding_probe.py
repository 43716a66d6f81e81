"""A decoding task that reports what its process had imported before any task came (it imports no digitpad)."""

from __future__ import annotations

import sys


def imported_modules(names: list[str], single_digit: bool) -> list[str]:
    """Those of `names` already in this process's sys.modules (called as decode.prepare_files is)."""
    return [name for name in names if name in sys.modules]
