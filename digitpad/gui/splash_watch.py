"""The executable's safety net: its splash screen closes once the first Tk window shows, whoever opens it."""

from __future__ import annotations

from digitpad.bundle.splash import close_splash

SPLASH_FALLBACK_POLL_MS = 100
SPLASH_FALLBACK_LIMIT_MS = 120_000


def close_splash_when_window_visible() -> None:
    """Safety net for the GUI: close the splash screen once the first Tk root window is viewable.

    `run_app` is meant to call `digitpad.bundle.splash.close_splash()` itself; this makes sure an always-on-top
    splash can never outlive the window's appearance by more than a moment even if it does not. It polls
    from the Tk event loop (no bindings, nothing that could clash with the app's own) and gives up
    polling after two minutes, closing the splash anyway.
    """
    try:
        import tkinter  # noqa: PLC0415
    except ImportError:
        return
    original_init = tkinter.Tk.__init__

    def init_and_watch(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        tkinter.Tk.__init__ = original_init  # only the first root window matters
        waited = [0]

        def check():
            try:
                visible = bool(self.winfo_viewable())
            except tkinter.TclError:  # the window was destroyed before it showed
                close_splash()
                return
            if visible or waited[0] >= SPLASH_FALLBACK_LIMIT_MS:
                close_splash()
            else:
                waited[0] += SPLASH_FALLBACK_POLL_MS
                self.after(SPLASH_FALLBACK_POLL_MS, check)

        self.after(SPLASH_FALLBACK_POLL_MS, check)

    tkinter.Tk.__init__ = init_and_watch
