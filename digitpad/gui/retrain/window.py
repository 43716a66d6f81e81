"""The retrain window: start a fine-tune (or a full retrain from MNIST), follow it, then Keep or Discard the result."""

from __future__ import annotations

import tkinter as tk
from pathlib import Path
from tkinter import ttk
from typing import Callable

from digitpad.gui import theme
from digitpad.gui.retrain.job import (
    CANCELLED, DONE, RetrainJob, RetrainRequest, local_mnist_path, mnist_path_for_engine,
)
from digitpad.gui.retrain.text import RetrainProgress, describe_result, summary_line
from digitpad.gui.worker import Pump, run_in_thread
from digitpad.training.retrain import FINE_TUNE, FULL_RETRAIN, MIN_SAMPLES

WINDOW_TITLE = "Retrain - digitpad"
DEFAULT_FULL_EPOCHS = 2
MAXIMUM_FULL_EPOCHS = 30
TICK_MS = 500
WRAP = 460
PROGRESS_ANIMATION_MS = 15


def counts_text(counts: dict[int, int]) -> str:
    return "   ".join(f"{digit}: {counts.get(digit, 0)}" for digit in range(10))


class RetrainWindow(tk.Toplevel):
    """Non-modal: the pad stays usable. `on_kept(path)` runs once a kept model is saved and active;
    `on_status(text)` reports outcomes to the main window's status bar.

    `config` / `train_config` (engine configs) let tests run a short retrain.
    """

    def __init__(self, master: tk.Misc, pump: Pump, base_model_path: str | Path, base_description: str,
                 counts: dict[int, int], on_kept: Callable[[Path], None] | None = None,
                 on_status: Callable[[str], None] | None = None, config=None, train_config=None):
        super().__init__(master)
        self.title(WINDOW_TITLE)
        self.configure(background=theme.WINDOW_BACKGROUND)
        self.resizable(False, False)
        self._pump = pump
        self.base_model_path = Path(base_model_path)
        self._on_kept, self._on_status = on_kept, on_status
        self.config_for_engine, self.train_config = config, train_config
        self.counts = dict(counts)
        self.sample_count = sum(self.counts.values())
        self.mnist_path = local_mnist_path()
        self.job: RetrainJob | None = None
        self.progress = RetrainProgress()
        self.result = None
        self.outcome: str | None = None
        self.kept_path: Path | None = None
        self.closed = False
        self._tick_id: str | None = None
        self._build(base_description)
        self.protocol("WM_DELETE_WINDOW", self.close)
        self.bind("<Escape>", lambda event: self.cancel() if self.is_running else None)
        self.show_setup()

    # -- layout -----------------------------------------------------------------------------------------------
    def _px(self, pixels: float) -> int:
        """A size in 96-dpi pixels on this screen (theme.scaled)."""
        return theme.scaled(self, pixels)

    def _build(self, base_description: str) -> None:
        self.outer = ttk.Frame(self, padding=self._px(16))
        self.outer.pack(fill="both", expand=True)
        ttk.Label(self.outer, text="Teach digitpad your handwriting", style="Title.TLabel").pack(anchor="w")
        ttk.Label(self.outer, text=f"Starting from {base_description}.", style="Muted.TLabel",
                  wraplength=self._px(WRAP)).pack(anchor="w", pady=(self._px(2), self._px(10)))
        self.setup_frame = self._build_setup(self.outer)
        self.progress_frame = self._build_progress(self.outer)
        self.result_frame = self._build_result(self.outer)

    def _build_setup(self, master: tk.Misc) -> ttk.Frame:
        frame = ttk.Frame(master)
        ttk.Label(frame, text=f"Your samples: {self.sample_count:,}", style="TLabel", font=theme.BOLD_FONT).pack(
            anchor="w")
        ttk.Label(frame, text=counts_text(self.counts), style="Muted.TLabel").pack(anchor="w", pady=(0, self._px(8)))
        fine = ttk.Labelframe(frame, text="Fine-tune on your samples (recommended)", padding=self._px(10))
        fine.pack(fill="x")
        enough = self.sample_count >= MIN_SAMPLES
        if enough:
            text = ("Adjusts the current model to your handwriting, mixing in MNIST digits so that it forgets "
                    "nothing. A fifth of your samples is held out to measure the effect. About a minute.")
        else:
            text = (f"Retraining needs at least {MIN_SAMPLES} samples; you have {self.sample_count}. "
                    "Write a digit on the pad and press the right digit key (or click it under the answer) to "
                    "add samples \u2013 a few of each digit you write differently works best.")
        self.fine_tune_text = ttk.Label(fine, text=text, wraplength=self._px(WRAP), justify="left")
        self.fine_tune_text.pack(anchor="w")
        self.start_button = ttk.Button(fine, text="Start retraining", style="Accent.TButton",
                                       command=self.start_fine_tune, state="normal" if enough else "disabled")
        self.start_button.pack(anchor="e", pady=(self._px(8), 0))
        full = ttk.Labelframe(frame, text="Full retrain from MNIST", padding=self._px(10))
        full.pack(fill="x", pady=(self._px(10), 0))
        if self.mnist_path is not None:
            text = ("Trains a new model from scratch on MNIST plus your samples. Slow: about 1.5 minutes per "
                    "epoch on two cores; the bundled model had 20 epochs.")
        else:
            text = ("Needs the MNIST data set, which was not found. Set DIGITPAD_MNIST to the path of mnist.npz "
                    "(with x_train, y_train, x_test, y_test) and restart digitpad.")
        self.full_text = ttk.Label(full, text=text, wraplength=self._px(WRAP), justify="left")
        self.full_text.pack(anchor="w")
        row = ttk.Frame(full)
        row.pack(fill="x", pady=(self._px(8), 0))
        ttk.Label(row, text="Epochs").pack(side="left")
        self.epochs_box = ttk.Spinbox(row, from_=1, to=MAXIMUM_FULL_EPOCHS, width=4, increment=1)
        self.epochs_box.set(str(DEFAULT_FULL_EPOCHS))
        self.epochs_box.pack(side="left", padx=(self._px(6), 0))
        self.full_button = ttk.Button(row, text="Start full retrain", command=self.start_full_retrain)
        self.full_button.pack(side="right")
        if self.mnist_path is None:
            self.epochs_box.configure(state="disabled")
            self.full_button.configure(state="disabled")
        self.setup_message = ttk.Label(frame, text="", style="Muted.TLabel", wraplength=self._px(WRAP), justify="left")
        self.setup_message.pack(anchor="w", pady=(self._px(10), 0))
        bottom = ttk.Frame(frame)
        bottom.pack(fill="x", pady=(self._px(8), 0))
        ttk.Button(bottom, text="Close", command=self.close).pack(side="right")
        return frame

    def _build_progress(self, master: tk.Misc) -> ttk.Frame:
        frame = ttk.Frame(master)
        self.job_title = ttk.Label(frame, text="", font=theme.BOLD_FONT)
        self.job_title.pack(anchor="w")
        self.stage_label = ttk.Label(frame, text="", wraplength=self._px(WRAP))
        self.stage_label.pack(anchor="w", pady=(self._px(6), self._px(4)))
        row = ttk.Frame(frame)
        row.pack(fill="x")
        self.progress_bar = ttk.Progressbar(row, mode="indeterminate", maximum=1.0, length=self._px(360))
        self.progress_bar.pack(side="left", fill="x", expand=True, padx=(0, self._px(10)))
        self.cancel_button = ttk.Button(row, text="Cancel", command=self.cancel)
        self.cancel_button.pack(side="right")
        self.figures_label = ttk.Label(frame, text="", style="Muted.TLabel")
        self.figures_label.pack(anchor="w", pady=(self._px(6), 0))
        self.time_label = ttk.Label(frame, text="", style="Muted.TLabel")
        self.time_label.pack(anchor="w")
        ttk.Label(frame, text="You can keep using the pad meanwhile; the current model stays active until you "
                              "keep a new one.", style="Muted.TLabel", wraplength=self._px(WRAP)).pack(
            anchor="w", pady=(self._px(10), 0))
        return frame

    def _build_result(self, master: tk.Misc) -> ttk.Frame:
        frame = ttk.Frame(master)
        self.result_title = ttk.Label(frame, text="The new model", font=theme.BOLD_FONT)
        self.result_title.pack(anchor="w")
        self.summary_label = ttk.Label(frame, text="", style="Muted.TLabel", wraplength=self._px(WRAP))
        self.summary_label.pack(anchor="w", pady=(0, self._px(8)))
        self.figures_table = ttk.Frame(frame, style="Card.TFrame", padding=self._px(10))
        self.figures_table.pack(fill="x")
        self.verdict_label = ttk.Label(frame, text="", wraplength=self._px(WRAP), justify="left")
        self.verdict_label.pack(anchor="w", pady=(self._px(10), 0))
        self.notes_label = ttk.Label(frame, text="", style="Muted.TLabel", wraplength=self._px(WRAP), justify="left")
        self.notes_label.pack(anchor="w")
        ttk.Label(frame, text="Keep makes it the model digitpad uses (Model > Reset to bundled model goes back); "
                              "Discard drops it and changes nothing.", style="Muted.TLabel", wraplength=self._px(WRAP),
                  justify="left").pack(anchor="w", pady=(self._px(8), 0))
        buttons = ttk.Frame(frame)
        buttons.pack(fill="x", pady=(self._px(12), 0))
        self.keep_button = ttk.Button(buttons, text="Keep", style="Accent.TButton", command=self.keep)
        self.keep_button.pack(side="right")
        self.discard_button = ttk.Button(buttons, text="Discard", command=self.discard)
        self.discard_button.pack(side="right", padx=(0, self._px(8)))
        self.result_message = ttk.Label(buttons, text="", style="Muted.TLabel")
        self.result_message.pack(side="left")
        return frame

    def _show(self, frame: ttk.Frame) -> None:
        for other in (self.setup_frame, self.progress_frame, self.result_frame):
            if other is not frame:
                other.pack_forget()
        frame.pack(fill="both", expand=True)

    def show_setup(self, message: str = "", error: bool = False) -> None:
        self._show(self.setup_frame)
        self.setup_message.configure(text=message, foreground=theme.ERROR if error else theme.MUTED_TEXT)

    # -- running ----------------------------------------------------------------------------------------------
    @property
    def is_running(self) -> bool:
        return self.job is not None and self.outcome is None

    def start_fine_tune(self) -> None:
        if self.sample_count < MIN_SAMPLES or self.is_running:
            return
        self._start(RetrainRequest(FINE_TUNE, self.base_model_path, mnist_path_for_engine(),
                                   config=self.config_for_engine),
                    f"Fine-tuning on your {self.sample_count:,} samples")

    def start_full_retrain(self, epochs: int | None = None) -> None:
        if self.mnist_path is None or self.is_running:
            return
        if epochs is None:
            try:
                epochs = int(float(self.epochs_box.get()))
            except ValueError:
                epochs = DEFAULT_FULL_EPOCHS
        epochs = min(max(epochs, 1), MAXIMUM_FULL_EPOCHS)
        self._start(RetrainRequest(FULL_RETRAIN, self.base_model_path, self.mnist_path, epochs=epochs,
                                   config=self.config_for_engine, train_config=self.train_config),
                    f"Full retrain from MNIST ({epochs} epoch{'s' if epochs != 1 else ''})")

    def _start(self, request: RetrainRequest, title: str) -> None:
        self.outcome, self.result = None, None
        self.progress = RetrainProgress()
        self.job_title.configure(text=title)
        self.cancel_button.configure(state="normal")
        self.figures_label.configure(text="")
        self.progress_bar.configure(mode="indeterminate", value=0.0)
        self.progress_bar.start(PROGRESS_ANIMATION_MS)
        self._show(self.progress_frame)
        self._refresh_progress()
        self.job = RetrainJob(self._pump, request, self._progress, self._finished)
        self.job.start()
        self._tick()

    def cancel(self) -> None:
        """Stop the retrain; nothing is saved and the active model is untouched."""
        if self.is_running and not self.job.cancel_requested:
            self.job.cancel()
            self.cancel_button.configure(state="disabled")
            self.stage_label.configure(text="Cancelling…")

    def _progress(self, update: dict) -> None:
        if self.closed:
            return
        self.progress.update(update)
        self._refresh_progress()

    def _refresh_progress(self) -> None:
        if self.job is not None and self.job.cancel_requested:
            return
        fraction = self.progress.fraction
        if fraction is not None and str(self.progress_bar.cget("mode")) != "determinate":
            self.progress_bar.stop()
            self.progress_bar.configure(mode="determinate")
        if fraction is not None:
            self.progress_bar.configure(value=fraction)
        self.stage_label.configure(text=self.progress.stage)
        self.figures_label.configure(text=self.progress.figures)
        self.time_label.configure(text=self.progress.time_text())

    def _tick(self) -> None:
        self._tick_id = None
        if self.closed or not self.is_running:
            return
        self.time_label.configure(text=self.progress.time_text())
        self._tick_id = self.after(TICK_MS, self._tick)

    def _finished(self, outcome: str, value) -> None:
        if self.closed:
            return
        self.outcome = outcome
        self.progress_bar.stop()
        if outcome == DONE:
            self.result = value
            self._show_result(value)
        elif outcome == CANCELLED:
            self.show_setup("Cancelled. Nothing was saved; the active model is unchanged.")
            self._report("Retraining cancelled; the active model is unchanged.")
        else:
            self.show_setup(f"Retraining failed: {value}", error=True)
            self._report(f"Retraining failed: {value}")

    def _show_result(self, result) -> None:
        text = describe_result(result)
        self.summary_label.configure(text=summary_line(result))
        for child in self.figures_table.winfo_children():
            child.destroy()
        for column, heading in enumerate(("", "Before", "", "After")):
            ttk.Label(self.figures_table, text=heading, style="CardMuted.TLabel").grid(row=0, column=column,
                                                                                       sticky="e", padx=self._px(4))
        for index, row in enumerate(text.rows, start=1):
            ttk.Label(self.figures_table, text=row.label, style="Card.TLabel").grid(
                row=index, column=0, sticky="w", padx=(0, self._px(12)), pady=self._px(2))
            if row.note:
                ttk.Label(self.figures_table, text=row.note, style="CardMuted.TLabel", wraplength=self._px(260),
                          justify="left").grid(row=index, column=1, columnspan=3, sticky="w", pady=self._px(2))
                continue
            colour = {"better": theme.SUCCESS, "worse": theme.ERROR}.get(row.change, theme.TEXT)
            ttk.Label(self.figures_table, text=row.before, style="Card.TLabel").grid(row=index, column=1, sticky="e",
                                                                                     padx=self._px(4))
            ttk.Label(self.figures_table, text="\u2192", style="CardMuted.TLabel").grid(row=index, column=2,
                                                                                     padx=self._px(4))
            ttk.Label(self.figures_table, text=row.after, style="Card.TLabel", foreground=colour,
                      font=theme.BOLD_FONT).grid(row=index, column=3, sticky="e", padx=self._px(4))
        self.figures_table.columnconfigure(0, weight=1)
        self.verdict_label.configure(text=text.verdict, style="Good.TLabel" if text.acceptable else "Warning.TLabel")
        self.notes_label.configure(text="\n".join(text.notes))
        self.keep_button.configure(text="Keep" if text.acceptable else "Keep anyway", state="normal")
        self.discard_button.configure(state="normal")
        self.result_message.configure(text="")
        self._show(self.result_frame)

    # -- keep or discard --------------------------------------------------------------------------------------
    def keep(self) -> None:
        """Save the new model in the model store and make it active (in a worker), then tell the main window."""
        result = self.result
        if result is None:
            return
        self.keep_button.configure(state="disabled")
        self.discard_button.configure(state="disabled")
        self.result_message.configure(text="Saving the new model…")

        run_in_thread(result.keep, self._saved, pump=self._pump, name="digitpad-save-model")  # the model only

    def _saved(self, succeeded: bool, value) -> None:
        if self.closed:
            return
        if not succeeded:
            self.result_message.configure(text=f"Could not save: {value}", foreground=theme.ERROR)
            self.keep_button.configure(state="normal")
            self.discard_button.configure(state="normal")
            return
        self.kept_path = Path(value)
        self.result = None
        if self._on_kept is not None:
            self._on_kept(self.kept_path)
        self.close()

    def discard(self) -> None:
        """Drop the new model; nothing is written and the active model is unchanged."""
        if self.result is None:
            return
        self.result = None
        self._report("Discarded the new model; the active model is unchanged.")
        self.close()

    def _report(self, text: str) -> None:
        if self._on_status is not None:
            self._on_status(text)

    def close(self) -> None:
        """Cancel a running retrain, drop an unsaved result, destroy the window."""
        if self.closed:
            return
        if self.is_running:
            self.job.cancel()
        self.closed = True
        self.result = None
        if self._tick_id is not None:
            self.after_cancel(self._tick_id)
        self.progress_bar.stop()
        self.destroy()
