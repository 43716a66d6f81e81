"""Errors a user can see: unexpected exceptions in Tk callbacks and worker threads shown once and logged."""

from __future__ import annotations

import threading
import tkinter as tk
import traceback
from tkinter import ttk
from typing import Callable

from digitpad import APP_NAME
from digitpad.gui import theme
from digitpad.gui.worker import Pump
from digitpad.storage import logfile

ERROR_TITLE = f"{APP_NAME}: something went wrong"
ERROR_SENTENCE = (f"{APP_NAME} ran into an unexpected problem and stopped what it was doing. You can keep working; "
                  "if it happens again, the details help to find out why.")
SHOW_DETAILS, HIDE_DETAILS = "Show details \u25b8", "Hide details \u25be"
OPEN_LOG_FOLDER_LABEL = "Open log folder"
MESSAGE_WRAP = 420
DETAILS_LINES = 14


def error_key(exception_type, value, trace) -> tuple:
    """What makes two errors the same one: the type, the message and where it was raised."""
    frames = traceback.extract_tb(trace) if trace is not None else []
    place = (frames[-1].filename, frames[-1].lineno) if frames else None
    return exception_type.__name__, str(value), place


class ErrorDialog(tk.Toplevel):
    """A plain sentence, where the log is, and the traceback folded under 'Show details'."""

    def __init__(self, master: tk.Misc, details: str, log_file: str | None,
                 open_log_folder: Callable[[], None] | None, modal: bool = True):
        super().__init__(master)
        self.title(ERROR_TITLE)
        self.configure(background=theme.WINDOW_BACKGROUND)
        self.transient(master.winfo_toplevel())
        self.details = details
        outer = ttk.Frame(self, padding=theme.scaled(self, 16))
        outer.pack(fill="both", expand=True)
        wrap = theme.scaled(self, MESSAGE_WRAP)
        self.message_label = ttk.Label(outer, text=ERROR_SENTENCE, wraplength=wrap, justify="left")
        self.message_label.pack(anchor="w")
        where = (f"The details were added to the log file {log_file}." if log_file
                 else "The details could not be written to a log file (the data folder cannot be written).")
        ttk.Label(outer, text=where, style="Muted.TLabel", wraplength=wrap, justify="left").pack(
            anchor="w", pady=(theme.scaled(self, 6), 0))
        self.details_button = ttk.Button(outer, text=SHOW_DETAILS, command=self.toggle_details)
        self.details_button.pack(anchor="w", pady=(theme.scaled(self, 10), 0))
        self.details_text = tk.Text(outer, height=DETAILS_LINES, width=80, wrap="word", font=theme.MONOSPACE_FONT,
                                    background=theme.SURFACE, foreground=theme.TEXT, relief="flat")
        self.details_text.insert("1.0", details)
        self.details_text.configure(state="disabled")
        buttons = ttk.Frame(outer)
        buttons.pack(side="bottom", fill="x", pady=(theme.scaled(self, 12), 0))
        self.close_button = ttk.Button(buttons, text="Close", command=self.destroy, style="Accent.TButton")
        self.close_button.pack(side="right")
        if open_log_folder is not None and log_file:
            ttk.Button(buttons, text=OPEN_LOG_FOLDER_LABEL, command=open_log_folder).pack(
                side="right", padx=(0, theme.scaled(self, 8)))
        self.bind("<Escape>", lambda event: self.destroy())
        self.close_button.focus_set()
        if modal:
            self.wait_visibility()
            self.grab_set()
            self.wait_window()

    @property
    def details_shown(self) -> bool:
        return bool(self.details_text.winfo_manager())

    def toggle_details(self) -> None:
        if self.details_shown:
            self.details_text.pack_forget()
            self.details_button.configure(text=SHOW_DETAILS)
        else:
            self.details_text.pack(fill="both", expand=True, pady=(theme.scaled(self, 6), 0),
                                   after=self.details_button)
            self.details_button.configure(text=HIDE_DETAILS)


class ErrorReporter:
    """Installed on the Tk root: every unexpected exception in a Tk callback, a pumped worker callback or a worker
    thread is appended to the log file and shown in an ErrorDialog, once per distinct error (never two dialogs at
    a time); Tk's previous handler still sees it (the terminal's traceback, the tests' check).

    `modal` False: the dialog does not wait (tests); `open_log_folder` backs the dialog's button.
    """

    def __init__(self, root: tk.Tk, open_log_folder: Callable[[], None] | None = None, modal: bool = True):
        self.root = root
        self.open_log_folder = open_log_folder
        self.modal = modal
        self.logger = logfile.open_log()
        self.dialog: ErrorDialog | None = None
        self.reported = 0
        self._seen: set[tuple] = set()
        self._previous_handler = None
        self._previous_thread_hook = None
        self._pump: Pump | None = None
        self._ticket: int | None = None

    def install(self, pump: Pump | None = None) -> "ErrorReporter":
        """Catch Tk callback errors on the root and, with `pump`, errors that end a worker thread."""
        self._previous_handler = self.root.report_callback_exception
        self.root.report_callback_exception = self.report
        if pump is not None:
            self._pump, self._ticket = pump, pump.hold(self.report)
            self._previous_thread_hook = threading.excepthook
            threading.excepthook = self._thread_died
        return self

    def uninstall(self) -> None:
        if self.root.__dict__.get("report_callback_exception") == self.report:
            del self.root.report_callback_exception
        if self._previous_thread_hook is not None and threading.excepthook == self._thread_died:
            threading.excepthook = self._previous_thread_hook
        if self._pump is not None and self._ticket is not None:
            self._pump.release(self._ticket)
        self._pump = self._ticket = None

    def _thread_died(self, arguments) -> None:
        """Any thread: hand the error to the Tk thread (a worker never touches widgets)."""
        if arguments.exc_type is SystemExit:
            return
        pump, ticket = self._pump, self._ticket
        if pump is None or ticket is None or pump.is_closed:
            if self._previous_thread_hook is not None:
                self._previous_thread_hook(arguments)
            return
        thread = arguments.thread.name if arguments.thread is not None else "a thread"
        pump.post(ticket, arguments.exc_type, arguments.exc_value, arguments.exc_traceback, f"thread {thread}")

    def report(self, exception_type, value, trace, where: str = "a window callback") -> None:
        """Tk thread: log the error, show it unless it was shown already, then pass it on."""
        details = "".join(traceback.format_exception(exception_type, value, trace))
        self.reported += 1
        if self.logger is not None:
            try:
                self.logger.error("unexpected error in %s\n%s", where, details.rstrip())
            except Exception:  # noqa: BLE001 - a full disk must not stop the dialog
                pass
        key = error_key(exception_type, value, trace)
        if key not in self._seen and not (self.dialog is not None and self.dialog.winfo_exists()):
            self._seen.add(key)
            log_file = str(logfile.log_path()) if self.logger is not None else None
            try:
                self.dialog = ErrorDialog(self.root, details, log_file, self.open_log_folder, modal=self.modal)
            except tk.TclError:  # the window is going away
                self.dialog = None
        if self._previous_handler is not None:
            self._previous_handler(exception_type, value, trace)
