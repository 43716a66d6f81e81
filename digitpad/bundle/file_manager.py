"""Showing a folder in the desktop's file manager (Explorer, Finder, or xdg-open on Linux)."""

from __future__ import annotations

import os
import subprocess
import sys


def open_folder(folder: str | os.PathLike) -> None:
    """Open `folder` in the file manager without waiting for it; raises OSError when nothing can show it."""
    folder = os.fspath(folder)
    if sys.platform == "win32":
        os.startfile(folder)  # noqa: S606 - a folder the app made
        return
    command = ["open", folder] if sys.platform == "darwin" else ["xdg-open", folder]
    subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True)
