"""The batch window: a folder classification's progress, with Cancel, the results table, a preview and a review.

The same window shows a results CSV read back (File > Open results CSV...) for review.
"""

from __future__ import annotations

import os
import tkinter as tk
from tkinter import ttk
from typing import Callable

from digitpad.folders.batch import looks_like_digits
from digitpad.folders.results import NOT_REVIEWED, ResultsFile, ReviewedRow
from digitpad.gui import theme
from digitpad.gui.batch.job import BatchJob
from digitpad.gui.batch.review import (
    DEFAULT_THRESHOLD, Change, Review, load_item, reads_single_digit, retrain_offer_text, reviewed_rows, should_teach,
)
from digitpad.gui.batch.review_w import IMAGE_SIDE, CorrectionSaver, ReviewPanel
from digitpad.gui.batch.table import ResultsTable
from digitpad.gui.batch.table_data import FILTERS, SHOW_ALL, ProgressTracker
from digitpad.gui.main.answer_w import AnswerPanel
from digitpad.gui.theme import shortcut_modifier
from digitpad.gui.wording import format_duration, plural
from digitpad.gui.worker import Pump

WINDOW_TITLE = "Classify folder - digitpad"
WINDOW_SIZE = (1200, 720)
MINIMUM_WINDOW_SIZE = (720, 480)  # both in 96-dpi pixels (theme.scaled)
PROGRESS_ANIMATION_MS = 15
PREVIEW_HINT = "Double-click a row to see its image\nand what the model sees."
NO_IMAGES = "No image files in this folder."
DISCARD_TITLE = "Discard corrections?"

# (path, done, single_digit=...) -> None: the window asks its owner to read one file for the preview, the way
# the batch read it; done(True, (image, NumberReading)) or done(False, error).
PreviewLoader = Callable[..., None]


class BatchWindow(tk.Toplevel):
    """Runs one BatchJob at a time (or shows a results CSV); `on_status(text)` reports the outcome once every row
    is in the table. A review (Ctrl+R) goes through the uncertain rows; `on_retrain()` opens the retrain flow
    for its corrections, and `ask_yes_no(title, text)` asks before unexported corrections are thrown away."""

    def __init__(self, master: tk.Misc, pump: Pump, predictor, load_preview: PreviewLoader | None = None,
                 on_export: Callable[[], None] | None = None, on_status: Callable[[str], None] | None = None,
                 on_retrain: Callable[[], None] | None = None,
                 ask_yes_no: Callable[[str, str], bool] | None = None):
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
        self._on_retrain = on_retrain
        self._ask_yes_no = ask_yes_no
        self.folder = ""
        self.results_file: ResultsFile | None = None
        """The results CSV shown, when the rows came from one."""
        self.verdicts: dict[int, ReviewedRow] = {}
        """Rows reviewed (here, or in the CSV read back)."""
        self.review: Review | None = None
        self.review_panel: ReviewPanel | None = None
        self.saver: CorrectionSaver | None = None
        self.review_threshold = DEFAULT_THRESHOLD
        self._in_review = False
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
        self.bind(f"<{shortcut_modifier()[0]}-r>", lambda event: self.start_review())

    def _build(self) -> None:
        outer = ttk.Frame(self, padding=12)
        outer.pack(fill="both", expand=True)
        outer.columnconfigure(0, weight=1)
        outer.rowconfigure(3, weight=1)
        self.title_label = ttk.Label(outer, text="", style="Title.TLabel")
        self.title_label.grid(row=0, column=0, sticky="w")
        progress_row = ttk.Frame(outer)
        progress_row.grid(row=1, column=0, sticky="ew", pady=(8, 2))
        self._progress_row = progress_row  # hidden while reviewing: the image needs the room
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
        self.review_button = ttk.Button(tools, text=f"Review ({shortcut_modifier()[1]}+R)", command=self.start_review,
                                        state="disabled")
        self.review_button.pack(side="right", padx=(0, 8))
        self.retrain_button = ttk.Button(tools, text=retrain_offer_text(0), style="Accent.TButton",
                                         command=self.retrain)  # shown once a correction taught something
        self._outer = outer
        panes = ttk.PanedWindow(outer, orient="horizontal")
        panes.grid(row=3, column=0, sticky="nsew")
        self.panes = panes
        self.table = ResultsTable(panes, on_activate=self.preview_row, on_drained=self._table_drained)
        self.table.verdict_of = self.verdicts.get
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
        self._reset(str(folder), single_digit)
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

    def _reset(self, folder: str, single_digit: bool, results_file: ResultsFile | None = None) -> None:
        """Cancel a job, end a review, and clear the table for new rows."""
        if self.job is not None:
            self.job.cancel()
            self.job = None
        self.leave_review()
        self.review = None
        if self.review_panel is not None:
            self.review_panel.stop()
        self.verdicts.clear()
        self._close_saver()
        self.retrain_button.pack_forget()
        self.folder, self.single_digit, self.results_file = folder, single_digit, results_file
        self.table.clear("" if results_file is not None else folder)  # a CSV's paths are shown as it has them
        self.finished = self.cancelled = self._reported = False
        self.error = None
        self.tracker = ProgressTracker()
        self.export_button.configure(state="disabled")
        self.review_button.configure(state="disabled")
        self.summary_label.configure(text="")

    def load_results(self, results: ResultsFile, single_digit: bool = False) -> None:
        """Show the rows of a results CSV read back (its reviews included), ready for a review; images that are
        missing are said in the progress line and left out of the review."""
        self._reset(str(results.folder), single_digit, results)
        self._run_token = None
        self.progress_bar.stop()
        self.progress_bar.configure(mode="determinate", value=1.0)
        self.cancel_button.configure(state="disabled")
        self.title_label.configure(text=f"Results from {results.path}")
        self.verdicts.update({index: reviewed for index, reviewed in enumerate(results.rows)
                              if reviewed.reviewed != NOT_REVIEWED})
        rows = [reviewed.row for reviewed in results.rows]
        self.tracker = ProgressTracker(len(rows))
        self.tracker.update(len(rows))
        missing = len(results.missing)
        text = f"Opened {plural(len(rows), 'row')} from {results.path.name}"
        text += f"; {plural(missing, 'image')} missing (left out of the review)." if missing else "."
        self.progress_label.configure(text=text, foreground=theme.UNCERTAIN_TEXT if missing else theme.MUTED_TEXT)
        self.finished, self._final_text = True, text
        self.table.add_rows(rows)
        if not rows:
            self._table_drained()

    def image_path(self, index: int) -> str:
        """Where row `index`'s image is (a CSV's relative paths are found next to it)."""
        if self.results_file is not None:
            return self.results_file.image_paths[index]
        return self.rows[index].path

    def cancel(self) -> None:
        if self.job is not None and self.job.is_running and not self.job.cancel_requested:
            self.job.cancel()
            self.cancel_button.configure(state="disabled")
            self.progress_label.configure(text=f"Cancelling…  {self.tracker.text()}")

    @property
    def has_unexported_corrections(self) -> bool:
        return self.review is not None and self.review.unexported and self.review.corrected_count > 0

    def may_discard_review(self) -> bool:
        """True when nothing would be lost, or the user agrees to lose the corrections not exported yet."""
        if not self.has_unexported_corrections or self._ask_yes_no is None:
            return True
        count = self.review.corrected_count
        return self._ask_yes_no(DISCARD_TITLE, f"{plural(count, 'correction')} made in this review "
                                               f"{'has' if count == 1 else 'have'} not been exported.\n\n"
                                               "Discard them? (Samples already saved from them are kept.)\n"
                                               "Choose No, then Export CSV, to keep them.")

    def close(self, ask: bool = True) -> bool:
        """Stop the job, the review and the table's polling, then destroy the window; returns whether closed.
        With `ask`, unexported corrections are only discarded if the user agrees."""
        if ask and not self.may_discard_review():
            return False
        if self.job is not None:
            self.job.cancel()
        self._run_token = None
        self.table.stop()
        self.progress_bar.stop()
        if self.review_panel is not None:
            self.review_panel.close()
        self._close_saver()
        self.destroy()
        return True

    def _if_current(self, run_token: object, callback: Callable, *arguments) -> None:
        if run_token is self._run_token and self.winfo_exists():
            callback(*arguments)

    def _job_total(self, total: int) -> None:
        self.progress_bar.stop()
        self.progress_bar.configure(mode="determinate", value=0.0)
        self.tracker = ProgressTracker(total)
        self.progress_label.configure(text=self.tracker.text() if total else NO_IMAGES)

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
        elif total == 0:  # (say why the table is empty)
            self.progress_bar.configure(value=1.0)
            text = NO_IMAGES
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
        self._reported = True  # every row is in: sort, enable export, suggest single digits, tell the main window
        if not (self.cancelled or self.error or self.single_digit or self.results_file is not None):
            hint = looks_like_digits(row.digit for row in self.rows)
            if hint is not None:
                self._final_text += (f" {hint[0]} of {hint[1]} were read as numbers; if each file holds one digit, "
                                     "turn on Model > Read single digits only.")
                self.progress_label.configure(text=self._final_text)
        if self.table.view.sort_column is not None:
            self.table.relayout()
        if self.rows:
            self.export_button.configure(state="normal")
            self.review_button.configure(state="normal")
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
        path = self.image_path(index)
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

        self._load_preview(path, done, single_digit=reads_single_digit(self.rows[index], self.single_digit))

    def _export(self) -> None:
        if self._on_export is not None:
            self._on_export()

    # -- review -----------------------------------------------------------------------------------------------
    @property
    def in_review(self) -> bool:
        """The review panel is shown instead of the table."""
        return self._in_review

    def start_review(self) -> None:
        """Review mode: the rows under the threshold (errors first, then least confident first), one at a time."""
        if not self.is_complete or not self.rows:
            return
        if self.review is None:
            skip = self.results_file.missing if self.results_file is not None else ()
            self.review = Review(self.rows, self.review_threshold, skip, self.verdicts, self.single_digit)
        if self.review_panel is None:
            self.review_panel = ReviewPanel(self._outer, self._pump, self._predictor, self.image_path,
                                            on_change=self._review_changed, on_leave=self.leave_review,
                                            on_retrain=self.retrain, on_export=self._export)
        if self.saver is None:
            self.saver = CorrectionSaver(self._pump, self._sample_saved)
        self.panes.grid_remove()
        self._progress_row.grid_remove()
        self.review_panel.grid(row=3, column=0, sticky="nsew")
        self._in_review = True
        self._make_room()
        self.review_panel.start(self.review)
        self._update_retrain_offer()

    def leave_review(self) -> None:
        """Back to the table, with the row last shown selected."""
        if not self.in_review:
            return
        self._in_review = False
        self.review_threshold = self.review.threshold
        self.review_panel.grid_remove()
        self._progress_row.grid()
        self.panes.grid()
        current = self.review.current if self.review.current is not None else (
            self.review.queue[-1] if self.review.queue else None)
        if current is not None:
            self.table.show_row(current)
        self.tree.focus_set()

    def _make_room(self) -> None:
        """Grow the window (within the screen) when the review needs more room than it has."""
        self.update_idletasks()
        width = max(self.winfo_width(), self.winfo_reqwidth())
        height = min(max(self.winfo_height(), self.winfo_reqheight()), self.winfo_screenheight() - 60)
        if (width, height) != (self.winfo_width(), self.winfo_height()):
            self.geometry(f"{width}x{height}")

    def reviewed_rows(self) -> list[ReviewedRow]:
        """Every row with its answer now and its review state: what Export CSV writes."""
        return reviewed_rows(self.rows, self.verdicts)

    def exported(self) -> None:
        """The owner wrote reviewed_rows(): closing now loses nothing."""
        if self.review is not None:
            self.review.unexported = False

    def retrain(self) -> None:
        if self._on_retrain is not None:
            self._on_retrain()

    def _review_changed(self, change: Change) -> None:
        self.table.update_row(change.index)
        item = self.review_panel.prefetch.items.get(change.index)
        path, predictor = self.image_path(change.index), self._predictor
        single_digit = reads_single_digit(self.rows[change.index], self.single_digit)
        self.saver.submit(change.index, path, change.after.digit,
                          teach=should_teach(change, self.review_panel.keep_accepted),
                          reading=item.reading if item is not None else None,
                          read_again=lambda: load_item(path, predictor, single_digit, IMAGE_SIDE).reading)
        self._update_retrain_offer()

    def _sample_saved(self, index: int, count: int, error: BaseException | None) -> None:
        if not self.winfo_exists():
            return
        if error is not None:
            self.progress_label.configure(text=f"Could not save a sample from {os.path.basename(self.image_path(index))}:"
                                               f" {error}", foreground=theme.ERROR)
        self._update_retrain_offer()

    def _update_retrain_offer(self) -> None:
        """'Retrain with N corrections' beside Export once corrections taught something (and on the last page)."""
        count = self.saver.corrections_taught if self.saver is not None else 0
        saving = self.saver is not None and self.saver.pending > 0
        if self.review_panel is not None:
            self.review_panel.set_retrain_offer(count, saving)
        if count:
            self.retrain_button.configure(text=retrain_offer_text(count), state="disabled" if saving else "normal")
            if not self.retrain_button.winfo_manager():
                self.retrain_button.pack(side="right", padx=(0, 8), after=self.review_button)
        else:
            self.retrain_button.pack_forget()

    def _close_saver(self) -> None:
        if self.saver is not None:
            self.saver.close()
            self.saver = None
