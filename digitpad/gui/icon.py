"""The window's icon: the bundled icon images (digitpad.bundle.icon) set with iconphoto."""

from __future__ import annotations

import tkinter as tk

from PIL import ImageTk

from digitpad.bundle.icon import load_icon_images


def set_window_icon(window: tk.Tk | tk.Toplevel) -> list[ImageTk.PhotoImage]:
    """iconphoto for this window and its future toplevels; keep the returned photos alive."""
    photos = [ImageTk.PhotoImage(image, master=window) for image in load_icon_images()]
    try:
        window.iconphoto(True, *photos)
    except tk.TclError:  # some window managers refuse icons; the app works without one
        pass
    return photos
