"""The review panel of the results window: one image large beside what the model sees, driven by the keyboard alone.

Images ahead of the one shown are read in the background (ReviewPrefetch), so the next appears at once;
corrections are saved as samples off the Tk thread, one after another (CorrectionSaver).
"""

from __future__ import annotations

import os
import tkinter as tk
from concurrent.futures import ThreadPoolExecutor
from tkinter import ttk
from typing import Callable

from PIL import ImageTk

from digitpad.folders.results import ACCEPTED, CORRECTED
from digitpad.gui import theme
from digitpad.gui.batch.review import (
    COMMITTED, LEAVE, NOTHING, WENT_BACK, Change, Review, ReviewItem, load_item, parse_threshold, reads_single_digit,
    retrain_offer_text, store_correction,
)
from digitpad.gui.main.answer_w import PANEL_PADDING, AnswerPanel
from digitpad.gui.main.menus import toggle_value, toggle_variable
from digitpad.gui.wording import LOW_CONFIDENCE_THRESHOLD
from digitpad.gui.worker import Pump

IMAGE_SIDE = 280
"""The image is shown fitted in a square this big (pixels)."""
LOOKAHEAD = 6
"""Images read ahead of the one shown."""
KEPT_BEHIND = 3
"""Images kept after they were shown (Backspace shows them again at once)."""
KEY_HELP = ("Enter or Space: accept     0\u20139: type the right answer (then Enter)     "
            "Backspace: back one     Esc: leave the review")
SINGLE_DIGIT_KEY_HELP = ("Enter or Space: accept     0\u20139: that digit is the answer     "
                         "Backspace: back one     Esc: leave the review")
KEEP_ACCEPTED_LABEL = f"Save accepted answers under {LOW_CONFIDENCE_THRESHOLD:.0%} too"
TYPING_CURSOR = "\u258f"


def _flat_frame(master: tk.Misc) -> ttk.Frame:
    """A frame inside the card: its background, no border of its own."""
    return ttk.Frame(master, style="Card.TFrame", borderwidth=0, relief="flat")


class ReviewPrefetch:
    """Reads the rows about to be shown, one at a time in its own worker thread, and keeps them ready (a few
    behind too). A thread that stays (rather than one per image) keeps thread starts off the key presses.

    `path_of(index)` and `single_digit_of(index)` say how to read a row; `on_loaded(index)` runs on the Tk thread
    when one is ready.
    """

    def __init__(self, pump: Pump, predictor, path_of: Callable[[int], str],
                 single_digit_of: Callable[[int], bool], on_loaded: Callable[[int], None]):
        self._pump, self._predictor = pump, predictor
        self._path_of, self._single_digit_of, self._on_loaded = path_of, single_digit_of, on_loaded
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="digitpad-review-read")
        self.items: dict[int, ReviewItem] = {}
        self._wanted: list[int] = []
        self._in_flight: int | None = None
        self._generation = 0
        self._closed = False

    def reset(self) -> None:
        """Forget every item (new rows, same indices); a read still out is dropped when it comes back."""
        self.items.clear()
        self._wanted = []
        self._generation += 1

    def want(self, wanted: list[int], keep: list[int] = ()) -> None:
        """Read `wanted` in that order (the one to show first); forget items neither wanted nor in `keep`."""
        self._wanted = list(wanted)
        kept = set(wanted) | set(keep)
        for index in [index for index in self.items if index not in kept]:
            del self.items[index]
        self._next()

    def close(self) -> None:
        self._closed = True
        self.items.clear()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _next(self) -> None:
        if self._in_flight is not None or self._closed:
            return
        index = next((index for index in self._wanted if index not in self.items), None)
        if index is None:
            return
        self._in_flight = index
        path, single_digit, predictor, pump = self._path_of(index), self._single_digit_of(index), self._predictor, \
            self._pump
        generation = self._generation
        # Urgent: the pump polls fast while a read is out, so the image shows as soon as it is read.
        ticket = pump.hold(lambda succeeded, value: self._loaded(index, generation, succeeded, value), urgent=True)

        def read() -> None:  # worker thread: no Tk object here
            try:
                item = load_item(path, predictor, single_digit, IMAGE_SIDE)
            except Exception as error:  # shown in place of the image
                pump.post(ticket, False, error, release=True)
            else:
                pump.post(ticket, True, item, release=True)

        self._executor.submit(read)

    def _loaded(self, index: int, generation: int, succeeded: bool, value) -> None:
        self._in_flight = None
        if self._closed:
            return
        if generation == self._generation:
            self.items[index] = value if succeeded else ReviewItem(None, None, f"cannot read it: {value}")
            self._on_loaded(index)
        self._next()


class CorrectionSaver:
    """Saves each verdict's samples in one worker thread, in order: a row given a new verdict first loses the
    samples its previous one saved. `on_saved()` runs on the Tk thread after each save (or failure)."""

    def __init__(self, pump: Pump, on_saved: Callable[[int, int, BaseException | None], None]):
        self._pump = pump
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="digitpad-review-save")
        self._saved_ids: dict[int, list[str]] = {}  # touched by the worker thread only
        self.taught: dict[int, int] = {}
        """Row -> how many samples its verdict saved (Tk thread)."""
        self.pending = 0
        self._on_saved = on_saved
        self._ticket = pump.hold(self._saved)

    @property
    def corrections_taught(self) -> int:
        """Rows whose verdict saved samples."""
        return sum(1 for count in self.taught.values() if count)

    def submit(self, index: int, image_path: str, answer: str, teach: bool, reading,
               read_again: Callable[[], object]) -> None:
        """Save `answer` as what row `index`'s image shows when `teach` (reading it again when `reading` is None),
        after removing the samples the row saved before."""
        self.pending += 1
        pump, ticket, saved_ids = self._pump, self._ticket, self._saved_ids

        def work() -> None:  # worker thread: no Tk object here
            from digitpad.userdata.samples import SampleStore  # noqa: PLC0415

            try:
                store = SampleStore()
                for sample_id in saved_ids.pop(index, []):
                    store.delete(sample_id)
                ids = store_correction(image_path, reading if reading is not None else read_again(), answer,
                                       store) if teach else []
                saved_ids[index] = ids
            except Exception as error:  # reported on the Tk thread
                pump.post(ticket, index, 0, error)
            else:
                pump.post(ticket, index, len(ids), None)

        self._executor.submit(work)

    def close(self) -> None:
        """Saves already asked for still finish; nobody hears of them."""
        self._pump.release(self._ticket)
        self._executor.shutdown(wait=False)

    def _saved(self, index: int, count: int, error: BaseException | None) -> None:
        self.pending -= 1
        self.taught[index] = count
        self._on_saved(index, count, error)


class ReviewPanel(ttk.Frame):
    """Shows the review's current row and takes its keys. The window is told of each verdict
    (`on_change(Change)`), of Escape (`on_leave()`), and of the buttons on the last page (`on_retrain`,
    `on_export`)."""

    def __init__(self, master: tk.Misc, pump: Pump, predictor, path_of: Callable[[int], str],
                 on_change: Callable[[Change], None], on_leave: Callable[[], None],
                 on_retrain: Callable[[], None], on_export: Callable[[], None]):
        super().__init__(master, style="Card.TFrame", padding=14, takefocus=True)
        self.review: Review | None = None
        self.shown_index: int | None = None
        """The row whose image is shown (None while it loads, or on the last page)."""
        self._path_of = path_of
        self._on_change, self._on_leave = on_change, on_leave
        self._photo: ImageTk.PhotoImage | None = None
        self._photo_mode = ""
        self.prefetch = ReviewPrefetch(pump, predictor, path_of, self._single_digit_of, self._loaded)
        self._keep_variable = toggle_variable(self, "review_keep_accepted", False)
        self._build(on_retrain, on_export)
        self.bind("<KeyPress>", self._key)
        for widget in (self, self.body, self.image_label, self.answer_panel):
            widget.bind("<ButtonPress-1>", lambda event: self.focus_set(), add="+")

    @property
    def keep_accepted(self) -> bool:
        """The user chose to save accepted unsure answers as samples too."""
        return toggle_value(self, self._keep_variable)

    def set_keep_accepted(self, keep: bool) -> None:
        self.setvar(self._keep_variable, "1" if keep else "0")

    # -- layout -----------------------------------------------------------------------------------------------
    def _build(self, on_retrain: Callable[[], None], on_export: Callable[[], None]) -> None:
        self.columnconfigure(0, weight=1)
        self.rowconfigure(1, weight=1)
        header = _flat_frame(self)
        header.grid(row=0, column=0, sticky="ew", pady=(0, 10))
        ttk.Label(header, text="Review", style="CardTitle.TLabel").pack(side="left")
        ttk.Label(header, text="   everything under", style="Card.TLabel").pack(side="left")
        self.threshold_box = ttk.Spinbox(header, from_=5, to=100, increment=5, width=5,
                                         command=self._threshold_typed)
        self.threshold_box.pack(side="left", padx=(6, 2))
        ttk.Label(header, text="% sure", style="Card.TLabel").pack(side="left")
        for sequence in ("<Return>", "<KP_Enter>", "<FocusOut>"):
            self.threshold_box.bind(sequence, lambda event: self._threshold_typed())
        self.counter_label = ttk.Label(header, text="", style="CardTitle.TLabel")
        self.counter_label.pack(side="right")

        self.body = _flat_frame(self)
        self.body.grid(row=1, column=0, sticky="n")
        left = _flat_frame(self.body)
        left.grid(row=0, column=0, sticky="n", padx=(0, 16), pady=(PANEL_PADDING, 0))
        frame = tk.Frame(left, width=IMAGE_SIDE, height=IMAGE_SIDE, background=theme.BAR_TRACK,
                         highlightthickness=1, highlightbackground=theme.BORDER)
        frame.pack(anchor="w")
        frame.pack_propagate(False)
        self.image_label = tk.Label(frame, background=theme.BAR_TRACK, foreground=theme.MUTED_TEXT,
                                    font=theme.BODY_FONT, wraplength=IMAGE_SIDE - 20, justify="center")
        self.image_label.pack(fill="both", expand=True)
        self.file_label = ttk.Label(left, text="", style="CardMuted.TLabel", wraplength=IMAGE_SIDE)
        self.file_label.pack(anchor="w", pady=(6, 8))
        ttk.Label(left, text="Your answer", style="CardMuted.TLabel").pack(anchor="w")
        self.typed_label = tk.Label(left, text="", font=theme.PREVIEW_DIGIT_FONT, background=theme.SURFACE,
                                    foreground=theme.ACCENT, anchor="w", padx=0, pady=0, height=1)
        self.typed_label.pack(anchor="w", fill="x")
        self.state_label = ttk.Label(left, text="", style="Card.TLabel", wraplength=IMAGE_SIDE, justify="left")
        self.state_label.pack(anchor="w")
        ttk.Checkbutton(left, text=KEEP_ACCEPTED_LABEL, variable=self._keep_variable, onvalue="1", offvalue="0",
                        takefocus=False, style="Card.TCheckbutton").pack(anchor="w", pady=(12, 0))
        self.answer_panel = AnswerPanel(self.body, title="The model's answer", digit_font=theme.PREVIEW_DIGIT_FONT,
                                        advice=False)
        self.answer_panel.grid(row=0, column=1, sticky="nw")

        self.done_page = _flat_frame(self)
        ttk.Label(self.done_page, text="Review complete", style="CardTitle.TLabel").pack(anchor="w")
        self.done_label = ttk.Label(self.done_page, text="", style="Card.TLabel", wraplength=560, justify="left")
        self.done_label.pack(anchor="w", pady=(6, 12))
        buttons = _flat_frame(self.done_page)
        buttons.pack(anchor="w")
        self.retrain_button = ttk.Button(buttons, text=retrain_offer_text(0), style="Accent.TButton",
                                         command=on_retrain)
        self.retrain_button.pack(side="left", padx=(0, 8))
        ttk.Button(buttons, text="Export CSV\u2026", command=on_export).pack(side="left", padx=(0, 8))
        ttk.Button(buttons, text="Back to the table", command=self._on_leave).pack(side="left")

        self.help_label = ttk.Label(self, text=KEY_HELP, style="CardMuted.TLabel")
        self.help_label.grid(row=3, column=0, sticky="w", pady=(10, 0))

    # -- showing ----------------------------------------------------------------------------------------------
    def start(self, review: Review) -> None:
        """Show `review` where it stands (its first row not reviewed) and take the keyboard."""
        if review is not self.review:
            self.prefetch.reset()
        self.review = review
        self.threshold_box.set(f"{review.threshold * 100:g}")
        self.help_label.configure(text=SINGLE_DIGIT_KEY_HELP if review.single_digit else KEY_HELP)
        self.show_current()
        self.focus_set()

    def show_current(self) -> None:
        """Show the current row (or the last page), ask for the next ones, update the counter."""
        review = self.review
        self.counter_label.configure(text=review.counter_text())
        index = review.current
        try:
            self._show_row(index)
        finally:  # then read ahead (the image shown first: a key press waits for nothing else)
            keep = review.queue[max(0, review.position - KEPT_BEHIND):review.position]
            self.prefetch.want(([index] if index is not None else []) + review.upcoming(LOOKAHEAD), keep)

    def _show_row(self, index: int | None) -> None:
        review = self.review
        if index is None:
            self._show_done_page()
            return
        if self.done_page.winfo_manager():
            self.done_page.grid_remove()
            self.body.grid()
        self._show_answer_box(index)
        row = review.rows[index]
        name = self._path_of(index)
        self.file_label.configure(text=f"Image {review.position + 1:,} of {len(review.queue):,}:  "
                                       f"{os.path.basename(name)}")
        item = self.prefetch.items.get(index)
        if item is None:
            self.shown_index = None
            self._photo = None
            self.image_label.configure(image="", text=f"Loading {os.path.basename(name)}\u2026")
            self.answer_panel.show_hint("Reading the image\u2026")
            return
        self.shown_index = index
        if item.image is not None:
            if self._photo is not None and self._photo.width() == item.image.width and \
                    self._photo.height() == item.image.height and self._photo_mode == item.image.mode:
                self._photo.paste(item.image)  # same size: reuse the Tk image
            else:
                self._photo = ImageTk.PhotoImage(item.image, master=self)
                self._photo_mode = item.image.mode
            self.image_label.configure(image=self._photo, text="")
        else:
            self._photo = None
            self.image_label.configure(image="", text=item.error or "No image")
        if item.reading is not None:
            caption = "" if item.reading.text == row.digit else f"The results file says {row.digit or 'nothing'}."
            self.answer_panel.show_reading(item.reading, caption=caption)
        else:
            self.answer_panel.show_error(row.error or item.error)

    def _show_answer_box(self, index: int) -> None:
        review = self.review
        row = review.rows[index]
        if review.typed:
            self.typed_label.configure(text=review.typed + TYPING_CURSOR, foreground=theme.ACCENT)
            self.state_label.configure(text="Enter saves it; Backspace erases a digit; Esc starts again.",
                                       foreground=theme.MUTED_TEXT)
            return
        state = review.state(index)
        answer = review.answer(index)
        if state == CORRECTED:
            self.typed_label.configure(text=answer, foreground=theme.SUCCESS)
            self.state_label.configure(text=f"Corrected (the model read {row.digit or 'nothing'}). Enter keeps it.",
                                       foreground=theme.SUCCESS)
        elif state == ACCEPTED:
            self.typed_label.configure(text=answer, foreground=theme.SUCCESS)
            self.state_label.configure(text="Accepted. Enter keeps it.", foreground=theme.SUCCESS)
        else:
            self.typed_label.configure(text="", foreground=theme.ACCENT)
            accept = f"Enter accepts {row.digit}" if row.digit else "Enter accepts that nothing was read"
            self.state_label.configure(text=f"{accept}; or type the right answer.", foreground=theme.MUTED_TEXT)

    def _show_done_page(self) -> None:
        self.shown_index = None
        review = self.review
        self.body.grid_remove()
        self.done_page.grid(row=1, column=0, sticky="nsew")
        self.done_label.configure(text=f"{review.counter_text()}.\n\nCorrected rows are marked in the table; "
                                       "Export CSV writes them with the model's answers beside them. "
                                       "Backspace goes back to the last image.")

    def set_retrain_offer(self, count: int, saving: bool) -> None:
        """The last page's offer: 'Retrain with N corrections' (disabled while samples are still being saved)."""
        self.retrain_button.configure(text="Saving samples\u2026" if saving else retrain_offer_text(count),
                                      state="normal" if count and not saving else "disabled")

    def _loaded(self, index: int) -> None:
        if self.review is not None and index == self.review.current and self.shown_index != index:
            self.show_current()

    def _single_digit_of(self, index: int) -> bool:
        return reads_single_digit(self.review.rows[index], self.review.single_digit)

    # -- keys -------------------------------------------------------------------------------------------------
    def _key(self, event: tk.Event) -> str | None:
        if self.review is None:
            return None
        what, change = self.review.press(event.keysym)
        if what == NOTHING:
            return "break" if event.keysym in ("Return", "KP_Enter", "space", "BackSpace") else None
        if what == LEAVE:
            self._on_leave()
            return "break"
        if change is not None:
            self._on_change(change)
        if what in (COMMITTED, WENT_BACK):
            self.show_current()
        else:
            self.counter_label.configure(text=self.review.counter_text())
            if self.review.current is not None:
                self._show_answer_box(self.review.current)
        return "break"

    def _threshold_typed(self) -> None:
        if self.review is None:
            return
        threshold = parse_threshold(self.threshold_box.get())
        if threshold is None:  # not a percentage: the box shows the threshold in use again
            self.threshold_box.set(f"{self.review.threshold * 100:g}")
        elif threshold != self.review.threshold:
            self.review.set_threshold(threshold)
            self.show_current()
        if self.focus_get() is self.threshold_box:
            self.focus_set()

    def set_threshold(self, threshold: float) -> None:
        """As if the user typed `threshold` (a fraction) in the box."""
        self.threshold_box.set(f"{threshold * 100:g}")
        self._threshold_typed()

    def stop(self) -> None:
        """End the review shown (its rows are gone): a read still out is dropped when it comes back."""
        self.review = None
        self.prefetch.reset()

    def close(self) -> None:
        self.prefetch.close()
        self.tk.call("unset", "-nocomplain", self._keep_variable)

