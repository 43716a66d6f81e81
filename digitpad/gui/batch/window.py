"""The batch window: a folder classification's progress, with Cancel, the results table and a preview."""

from __future__ import annotations

import os
import tkinter as tk
from tkinter import ttk
from typing import Callable

from digitpad.gui import theme
from digitpad.gui.batch.job import BatchJob
from digitpad.gui.batch.table import ResultsTable
from digitpad.gui.batch.table_data import FILTERS, SHOW_ALL, ProgressTracker
from digitpad.gui.main.answer_w import AnswerPanel
from digitpad.gui.wording import format_duration, plural
from digitpad.gui.worker import Pump

WINDOW_TITLE = "Classify folder - digitpad"
WINDOW_SIZE = (1200, 720)
MINIMUM_WINDOW_SIZE = (720, 480)  # both in 96-dpi pixels (theme.scaled)
PROGRESS_ANIMATION_MS = 15
PREVIEW_HINT = "Double-click a row to see its image\nand what the model sees."

# (path, done, single_digit=...) -> None: the window asks its owner to read one file for the preview, the way
# the batch read it; done(True, (image, NumberReading)) or done(False, error).
PreviewLoader = Callable[..., None]


class BatchWindow(tk.Toplevel):
    """Runs one BatchJob at a time; `on_status(text)` reports the outcome once every row is in the table."""

    def __init__(self, master: tk.Misc, pump: Pump, predictor, load_preview: PreviewLoader | None = None,
                 on_export: Callable[[], None] | None = None, on_status: Callable[[str], None] | None = None):
        super().__init__(master)
        self.title(WINDOW_TITLE)
        self.geometry(theme.fitting_geometry(self, WINDOW_SIZE))
        self.minsize(*(theme.scaled(self, side) for side in MINIMUM_WINDOW_SIZE))
        self.configure(background=theme.WINDOW_BACKGROUND)
        self._pump = pump
        self._predictor = predictor
        self._load_preview = load_preview
        self._on_export = on_export
        self._on_status = on_status
        self.folder = ""
        self.single_digit = False
        self.job: BatchJob | None = None
        self.finished = self.cancelled = self._reported = False
        self.error: BaseException | None = None
        self.tracker = ProgressTracker()
        self._final_text = ""
        self._preview_serial = 0
        self._run_token: object | None = None
        self._build()
        self.protocol("WM_DELETE_WINDOW", self.close)
        self.bind("<Escape>", lambda event: self.cancel())

    def _build(self) -> None:
        outer = ttk.Frame(self, padding=12)
        outer.pack(fill="both", expand=True)
        outer.columnconfigure(0, weight=1)
        outer.rowconfigure(3, weight=1)
        self.title_label = ttk.Label(outer, text="", style="Title.TLabel")
        self.title_label.grid(row=0, column=0, sticky="w")
        progress_row = ttk.Frame(outer)
        progress_row.grid(row=1, column=0, sticky="ew", pady=(8, 2))
        progress_row.columnconfigure(0, weight=1)
        self.progress_bar = ttk.Progressbar(progress_row, mode="determinate", maximum=1.0)
        self.progress_bar.grid(row=0, column=0, sticky="ew", padx=(0, 10))
        self.cancel_button = ttk.Button(progress_row, text="Cancel", command=self.cancel)
        self.cancel_button.grid(row=0, column=1)
        self.progress_label = ttk.Label(progress_row, text="", style="Muted.TLabel")
        self.progress_label.grid(row=1, column=0, columnspan=2, sticky="w", pady=(4, 0))
        tools = ttk.Frame(outer)
        tools.grid(row=2, column=0, sticky="ew", pady=(8, 6))
        ttk.Label(tools, text="Show:").pack(side="left")
        # No tk.Variable here or anywhere in the window: one collected by a worker thread's GC raises.
        self.filter_box = ttk.Combobox(tools, values=FILTERS, state="readonly", width=max(map(len, FILTERS)))
        self.filter_box.set(SHOW_ALL)
        self.filter_box.pack(side="left", padx=(6, 12))
        self.filter_box.bind("<<ComboboxSelected>>", lambda event: self.set_filter(self.filter_box.get()))
        self.summary_label = ttk.Label(tools, text="", style="Muted.TLabel")
        self.summary_label.pack(side="left")
        self.export_button = ttk.Button(tools, text="Export CSV…", command=self._export, state="disabled")
        self.export_button.pack(side="right")
        panes = ttk.PanedWindow(outer, orient="horizontal")
        panes.grid(row=3, column=0, sticky="nsew")
        self.table = ResultsTable(panes, on_activate=self.preview_row, on_drained=self._table_drained)
        self.tree = self.table.tree
        panes.add(self.table, weight=3)
        self.preview = AnswerPanel(panes, title="Preview", digit_font=theme.PREVIEW_DIGIT_FONT)
        self.preview.show_hint(PREVIEW_HINT)
        panes.add(self.preview, weight=0)

    # -- the job ----------------------------------------------------------------------------------------------
    @property
    def rows(self) -> list:
        return self.table.rows

    def start(self, folder: str | os.PathLike, single_digit: bool = False) -> None:
        """Classify every image under `folder`, as numbers or as one digit each with `single_digit` (cancelling
        and clearing a previous run)."""
        if self.job is not None:
            self.job.cancel()
        self.folder = str(folder)
        self.single_digit = single_digit
        self.table.clear(self.folder)
        self.finished = self.cancelled = self._reported = False
        self.error = None
        self.tracker = ProgressTracker()
        self.export_button.configure(state="disabled")
        self.summary_label.configure(text="")
        self.title_label.configure(text=f"Classifying {self.folder}")
        self.progress_label.configure(text="Listing image files…", foreground=theme.MUTED_TEXT)
        self.cancel_button.configure(state="normal")
        self.progress_bar.configure(mode="indeterminate")
        self.progress_bar.start(PROGRESS_ANIMATION_MS)
        run_token = object()  # callbacks from an earlier, replaced job are ignored
        self._run_token = run_token

        def for_this_run(callback: Callable) -> Callable:
            return lambda *arguments: self._if_current(run_token, callback, *arguments)

        self.job = BatchJob(self._pump, self._predictor, for_this_run(self._job_total),
                            for_this_run(self._job_rows), for_this_run(self._job_finished), single_digit=single_digit)
        self.job.start([self.folder])

    def cancel(self) -> None:
        if self.job is not None and self.job.is_running and not self.job.cancel_requested:
            self.job.cancel()
            self.cancel_button.configure(state="disabled")
            self.progress_label.configure(text=f"Cancelling…  {self.tracker.text()}")

    def close(self) -> None:
        """Stop the job and the table's polling, then destroy the window."""
        if self.job is not None:
            self.job.cancel()
        self._run_token = None
        self.table.stop()
        self.progress_bar.stop()
        self.destroy()

    def _if_current(self, run_token: object, callback: Callable, *arguments) -> None:
        if run_token is self._run_token and self.winfo_exists():
            callback(*arguments)

    def _job_total(self, total: int) -> None:
        self.progress_bar.stop()
        self.progress_bar.configure(mode="determinate", value=0.0)
        self.tracker = ProgressTracker(total)
        self.progress_label.configure(text=self.tracker.text() if total else "No image files in this folder.")

    def _job_rows(self, rows: list, done: int) -> None:
        self.table.add_rows(rows)
        self.tracker.update(done)
        self.progress_bar.configure(value=self.tracker.fraction)
        if self.job is None or not self.job.cancel_requested:
            self.progress_label.configure(text=self.tracker.text())

    def _job_finished(self, cancelled: bool, error: BaseException | None) -> None:
        self.progress_bar.stop()
        self.cancel_button.configure(state="disabled")
        self.cancelled, self.error = cancelled, error
        done, total = self.tracker.done, self.tracker.total
        if error is not None:
            text = f"Stopped by an error: {error}"
        elif cancelled:
            text = f"Cancelled after {done:,} of {total:,} files."
        else:
            self.progress_bar.configure(value=1.0)
            rate = self.tracker.rate
            speed = f" ({rate:,.0f} files/s)" if rate else ""
            text = f"Done: {plural(done, 'file')} in {format_duration(self.tracker.elapsed)}{speed}."
        self.progress_label.configure(text=text, foreground=theme.ERROR if error else theme.MUTED_TEXT)
        self.title_label.configure(text=f"Results for {self.folder}")
        self.finished, self._final_text = True, text
        self._table_drained()

    def _table_drained(self) -> None:
        self.summary_label.configure(text=f"{plural(len(self.rows), 'file')}  |  "
                                          f"{plural(self.table.error_count, 'error')}  |  "
                                          f"{self.table.uncertain_count:,} low confidence")
        if not self.finished or self._reported or self.table.pending:
            return
        self._reported = True  # every row is in: sort, enable export, tell the main window
        if self.table.view.sort_column is not None:
            self.table.relayout()
        if self.rows:
            self.export_button.configure(state="normal")
        if self._on_status is not None:
            self._on_status(self._final_text)

    @property
    def is_complete(self) -> bool:
        """The job is over and every row it sent is in the table."""
        return self._reported

    # -- table, preview, export -------------------------------------------------------------------------------
    def sort_by(self, column: str) -> None:
        self.table.sort_by(column)

    def set_filter(self, filter_name: str) -> None:
        self.filter_box.set(filter_name)
        self.table.set_filter(filter_name)

    def visible_rows(self) -> list:
        return self.table.visible_rows()

    def preview_row(self, index: int) -> None:
        """Show the row's image with its answer and model's-eye view in the preview panel."""
        if self._load_preview is None:
            return
        self._preview_serial += 1
        serial = self._preview_serial
        path = self.rows[index].path
        name = os.path.basename(path)
        self.preview.show_hint(f"Loading {name}…")

        def done(succeeded: bool, value) -> None:
            if serial != self._preview_serial or not self.winfo_exists():
                return
            if succeeded:
                image, reading = value
                self.preview.show_reading(reading, source=image, caption=name)
            else:
                self.preview.show_error(f"{name}: {value}")

        self._load_preview(path, done, single_digit=self.single_digit)

    def _export(self) -> None:
        if self._on_export is not None:
            self._on_export()
