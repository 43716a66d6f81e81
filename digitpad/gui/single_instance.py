"""The running window's end of one copy per user: what a second launch hands over opens here, in front."""

from __future__ import annotations

import tkinter as tk


def serve(app, server) -> None:
    """Open the paths a second launch hands to `server` (storage.instance) in `app`'s window, brought to the front.

    The server's thread only posts the paths to the app's pump; the window acts on them in Tk's thread.
    """
    pump = app.pump
    ticket = pump.hold(lambda given: _handed_over(app, given))
    app.instance_server = server
    server.set_handler(lambda given: pump.post(ticket, list(given)))


def _handed_over(app, given: list[str]) -> None:
    if app.closed:
        return
    bring_to_front(app.window)
    app.open_paths(given)


def bring_to_front(window: tk.Tk | tk.Toplevel) -> None:
    """Show the window (even when minimised) above the others and give it the focus."""
    window.deiconify()
    window.lift()
    window.attributes("-topmost", True)  # window managers ignore a plain lift from a background process
    window.after_idle(window.attributes, "-topmost", False)
    window.focus_force()
