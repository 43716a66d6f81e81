"""A really read-only folder for tests: `chmod -w`, and for root (who writes anyway) the override dropped."""

from __future__ import annotations

import contextlib
import ctypes
import os
import stat
import sys
from pathlib import Path

import pytest

_CAPABILITY_VERSION_3 = 0x20080522
_CAP_DAC_OVERRIDE = 1


class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _set_dac_override(enabled: bool) -> None:
    """Root only, Linux: switch CAP_DAC_OVERRIDE in this thread's effective set (threads started meanwhile inherit
    it). Without it, root obeys a folder's write bits like anyone."""
    libc = ctypes.CDLL(None, use_errno=True)
    header, data = _Header(_CAPABILITY_VERSION_3, 0), (_Data * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget failed")
    if enabled:
        data[0].effective |= 1 << _CAP_DAC_OVERRIDE
    else:
        data[0].effective &= ~(1 << _CAP_DAC_OVERRIDE)
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")


def _chmod_tree(folder: Path, writable: bool) -> None:
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            mode = path.stat().st_mode
            bits = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
            path.chmod(mode | stat.S_IWUSR if writable else mode & ~bits)


@contextlib.contextmanager
def read_only_folder(folder: str | os.PathLike):
    """`chmod -w` on `folder` and every folder in it for the block; skips where that cannot be made to hold."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if as_root and not sys.platform.startswith("linux"):
        pytest.skip("root ignores write permissions here")
    _chmod_tree(folder, writable=False)
    dropped = False
    try:
        if as_root:
            _set_dac_override(False)
            dropped = True
        probe = folder / ".probe"
        try:
            probe.write_bytes(b"")
        except OSError:
            pass
        else:
            probe.unlink()
            pytest.skip("the folder stays writable after chmod -w")
        yield folder
    finally:
        if dropped:
            _set_dac_override(True)
        _chmod_tree(folder, writable=True)
