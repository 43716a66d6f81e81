"""What Paste image reads from the clipboard: an image file it names, or its picture saved as a PNG (no widgets)."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

from digitpad.imaging.imageio import IMAGE_EXTENSIONS
from digitpad.storage import atomic

PASTED_FOLDER_NAME = "pasted"
# Pictures pasted are kept as files (the answer's image, and what teaching stores, come from a file); the newest
# PASTED_KEPT stay, older ones are removed at the next paste.
PASTED_KEPT = 20
NO_PICTURE = ("The clipboard holds no picture. Copy one (a screenshot, a picture in a browser or a document) or an "
              "image file, then paste.")
NO_CLIPBOARD_TOOL = ("Pasting a picture needs xclip (X11) or wl-paste (Wayland); install one, e.g. "
                     "sudo apt install xclip. Copying an image file and pasting it works without.")


class PasteError(Exception):
    """The clipboard gives nothing to read: the message says why, for the user."""


def named_file(text: str) -> Path | None:
    """The image file the clipboard's text names, if it names one that exists: a path or a file:// URI on its first
    line (what a file manager's Copy puts there as text)."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip() and not line.startswith("#")]
    if not lines or lines[0] in ("copy", "cut"):  # (GNOME's copied-files list starts with its action)
        lines = lines[1:]
    if not lines:
        return None
    first = lines[0]
    if first.startswith("file://"):
        first = unquote(urlparse(first).path)
    path = Path(first).expanduser()
    try:
        return path if path.suffix.lower() in IMAGE_EXTENSIONS and path.is_file() else None
    except (OSError, ValueError):  # (text that is no path at all: too long, a NUL in it)
        return None


def pasted_picture(folder: Path) -> Path:
    """The clipboard's picture saved as a PNG in `folder` (written whole, then named), or the first image file
    copied there on systems whose clipboard lists files. Raises PasteError when there is neither."""
    from PIL import Image, ImageGrab  # noqa: PLC0415 - ImageGrab only loaded to paste

    try:
        content = ImageGrab.grabclipboard()
    except NotImplementedError as error:
        raise PasteError(NO_CLIPBOARD_TOOL) from error
    except OSError as error:
        raise PasteError(f"cannot read the clipboard: {error}") from error
    if isinstance(content, list):
        files = [Path(name) for name in content if Path(name).suffix.lower() in IMAGE_EXTENSIONS]
        if files:
            return files[0]
        raise PasteError(NO_PICTURE)
    if not isinstance(content, Image.Image):
        raise PasteError(NO_PICTURE)
    buffer = io.BytesIO()
    content.save(buffer, "PNG")
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time_ns()  # (named by the time, to the nanosecond: names sort as the pastes came)
    target = folder / f"pasted-{time.strftime('%Y%m%d-%H%M%S', time.localtime(now // 10**9))}-{now % 10**9:09d}.png"
    atomic.write_bytes(target, buffer.getvalue())
    _keep_newest(folder)
    return target


def _keep_newest(folder: Path) -> None:
    """Remove all but the newest PASTED_KEPT pasted pictures (names sort by time)."""
    pasted = sorted(folder.glob("pasted-*.png"))
    for old in pasted[:-PASTED_KEPT]:
        try:
            os.remove(old)
        except OSError:  # (in use or gone: tried again next time)
            pass
