"""The answer panel: the digit large, its confidence, ten probability bars and what the model sees."""

from __future__ import annotations

import tkinter as tk
import tkinter.font as tkfont
from tkinter import ttk
from typing import TYPE_CHECKING

from PIL import Image, ImageTk

from digitpad.gui import theme
from digitpad.gui.answer import (
    DIGIT_COUNT, EMPTY_PAD_HINT, MODEL_VIEW_SCALE, describe, format_percent, model_view_image, thumbnail,
)

if TYPE_CHECKING:
    import numpy as np

BAR_LENGTH = 200
BAR_THICKNESS = 12
BAR_ROW_SPACING = 6
MINIMUM_VISIBLE_BAR = 1.0  # pixels: shorter bars (probabilities under 0.5%) are not drawn at all
SOURCE_THUMBNAIL_SIDE = 28 * MODEL_VIEW_SCALE
TOP_BAR_COLOUR = theme.ACCENT
OTHER_BAR_COLOUR = "#a5b4fc"
PANEL_PADDING = 16
MESSAGE_WRAP = 300
NO_DIGIT = " "
MODEL_VIEW_CAPTION = "What the model sees\n28 \u00d7 28 input"
SOURCE_CAPTION = "Image\n "
HINT_GLYPH = "\u270e"  # a pencil: nothing guessed yet


class ProbabilityBars(tk.Canvas):
    """Ten labelled horizontal bars, one per digit; the most likely one highlighted.

    The canvas items are made once and only moved and recoloured afterwards (an answer redraws in well under
    a millisecond).
    """

    def __init__(self, master: tk.Misc):
        self._font = tkfont.nametofont(theme.SMALL_FONT)
        self._row_height = max(BAR_THICKNESS, self._font.metrics("linespace")) + BAR_ROW_SPACING
        self._left = self._font.measure("0") + 10
        value_width = self._font.measure("100.0%") + 8
        super().__init__(master, background=theme.SURFACE, highlightthickness=0, borderwidth=0,
                         width=self._left + BAR_LENGTH + value_width, height=self._row_height * DIGIT_COUNT)
        self.values: list[float] | None = None
        self._labels, self._fills, self._texts = [], [], []
        for digit in range(DIGIT_COUNT):
            top, bottom = self._bar_edges(digit)
            middle = (top + bottom) / 2
            self._labels.append(self.create_text(self._left - 10, middle, text=str(digit), anchor="w"))
            self.create_rectangle(self._left, top, self._left + BAR_LENGTH, bottom, fill=theme.BAR_TRACK,
                                  outline="")
            self._fills.append(self.create_rectangle(self._left, top, self._left, bottom, outline=""))
            self._texts.append(self.create_text(self._left + BAR_LENGTH + 6, middle, anchor="w",
                                                font=theme.SMALL_FONT))
        self.show(None)

    def _bar_edges(self, digit: int) -> tuple[float, float]:
        middle = digit * self._row_height + self._row_height / 2
        return middle - BAR_THICKNESS / 2, middle + BAR_THICKNESS / 2

    def show(self, probabilities: np.ndarray | None, uncertain: bool = False) -> None:
        """Show ten probabilities, or empty tracks for None."""
        self.values = None if probabilities is None else [float(value) for value in probabilities]
        top = max(range(DIGIT_COUNT), key=self.values.__getitem__) if self.values is not None else -1
        for digit in range(DIGIT_COUNT):
            is_top = digit == top
            value = self.values[digit] if self.values is not None else 0.0
            bar_top, bar_bottom = self._bar_edges(digit)
            length = BAR_LENGTH * value if BAR_LENGTH * value >= MINIMUM_VISIBLE_BAR else 0.0
            self.coords(self._fills[digit], self._left, bar_top, self._left + length, bar_bottom)
            colour = (theme.UNCERTAIN if uncertain else TOP_BAR_COLOUR) if is_top else OTHER_BAR_COLOUR
            self.itemconfigure(self._fills[digit], fill=colour, state="normal" if length else "hidden")
            text_colour = theme.TEXT if is_top else theme.MUTED_TEXT
            self.itemconfigure(self._labels[digit], fill=text_colour,
                               font=theme.BOLD_FONT if is_top else theme.SMALL_FONT)
            self.itemconfigure(self._texts[digit], fill=text_colour,
                               text=format_percent(value) if self.values is not None else "")


class AnswerPanel(ttk.Frame):
    """Shows one of: a hint, a prediction (with the model's input and, for files, the source image), an error."""

    def __init__(self, master: tk.Misc, title: str = "Answer", digit_font: str = theme.DIGIT_FONT):
        super().__init__(master, style="Card.TFrame", padding=PANEL_PADDING)
        self.state = "hint"
        self.columnconfigure(0, weight=1, minsize=MESSAGE_WRAP)
        ttk.Label(self, text=title, style="CardTitle.TLabel").grid(row=0, column=0, columnspan=2, sticky="w")
        self.digit_label = tk.Label(self, text=NO_DIGIT, font=digit_font, background=theme.SURFACE,
                                    foreground=theme.ACCENT, width=2, anchor="center")
        self.digit_label.grid(row=1, column=0, sticky="ew")
        self.confidence_label = ttk.Label(self, text="", style="Card.TLabel", font=theme.TITLE_FONT,
                                          anchor="center")
        self.confidence_label.grid(row=2, column=0, sticky="ew")
        self.message_label = ttk.Label(self, text="", style="CardMuted.TLabel", wraplength=MESSAGE_WRAP,
                                       justify="center", anchor="center")
        self.message_label.grid(row=3, column=0, sticky="ew", pady=(4, 10))
        self.bars = ProbabilityBars(self)
        self.bars.grid(row=4, column=0, pady=(0, 12))
        views = ttk.Frame(self, style="Card.TFrame", borderwidth=0, relief="flat")
        views.grid(row=5, column=0)
        self._source_frame = ttk.Frame(views, style="Card.TFrame", borderwidth=0, relief="flat")
        self.source_view = tk.Label(self._source_frame, background=theme.SURFACE, borderwidth=0)
        self.source_view.pack()
        ttk.Label(self._source_frame, text=SOURCE_CAPTION, style="CardMuted.TLabel", justify="center").pack(
            pady=(4, 0))
        model_frame = ttk.Frame(views, style="Card.TFrame", borderwidth=0, relief="flat")
        model_frame.grid(row=0, column=1, padx=6)
        self.model_view = tk.Label(model_frame, background=theme.MODEL_VIEW_BACKGROUND, borderwidth=0)
        self.model_view.pack()
        ttk.Label(model_frame, text=MODEL_VIEW_CAPTION, style="CardMuted.TLabel", justify="center").pack(pady=(4, 0))
        self._model_photo: ImageTk.PhotoImage | None = None
        self._source_photo: ImageTk.PhotoImage | None = None
        self.model_input: np.ndarray | None = None
        self.show_hint(EMPTY_PAD_HINT)

    # -- states -----------------------------------------------------------------------------------------------
    def show_hint(self, text: str) -> None:
        """No guess: a blank digit, empty bars, a black model view and a line of guidance."""
        self.state = "hint"
        self._set_digit(HINT_GLYPH, theme.BAR_TRACK)
        self.confidence_label.configure(text="", foreground=theme.TEXT)
        self.message_label.configure(text=text, foreground=theme.MUTED_TEXT)
        self.bars.show(None)
        self._set_model_view(None)
        self._set_source(None)

    def show_error(self, text: str, source: Image.Image | None = None) -> None:
        """Something went wrong (bad file, no digit, model failed): the reason in red, no guess."""
        self.state = "error"
        self._set_digit("!", theme.ERROR)
        self.confidence_label.configure(text="", foreground=theme.ERROR)
        self.message_label.configure(text=text, foreground=theme.ERROR)
        self.bars.show(None)
        self._set_model_view(None)
        self._set_source(source)

    def show_prediction(self, prediction, source: Image.Image | None = None, caption: str = "") -> None:
        """A Prediction: big digit (grey with '?' when unsure), confidence, bars, model's eye, optional source."""
        answer = describe(prediction.digit, prediction.confidence)
        self.state = "uncertain" if answer.is_uncertain else "certain"
        colour = theme.UNCERTAIN if answer.is_uncertain else theme.ACCENT
        self._set_digit(answer.digit_text, colour)
        self.confidence_label.configure(text=answer.confidence_text,
                                        foreground=theme.UNCERTAIN_TEXT if answer.is_uncertain else theme.TEXT)
        if answer.is_uncertain:
            second = prediction.top(2)[1]
            hint = f"Maybe a {second[0]} ({format_percent(second[1])}). Try writing it bigger or clearer."
            caption = f"{caption}\n{hint}" if caption else hint
        self.message_label.configure(text=caption, foreground=theme.MUTED_TEXT)
        self.bars.show(prediction.probabilities, uncertain=answer.is_uncertain)
        self._set_model_view(prediction.model_input)
        self._set_source(source)

    @property
    def digit_text(self) -> str:
        """The answer shown ('7', '3?'), or '' when there is none."""
        return "" if self.state in ("hint", "error") else str(self.digit_label.cget("text")).strip()

    @property
    def confidence_text(self) -> str:
        return str(self.confidence_label.cget("text"))

    @property
    def message_text(self) -> str:
        return str(self.message_label.cget("text"))

    # -- helpers ----------------------------------------------------------------------------------------------
    def _set_digit(self, text: str, colour: str) -> None:
        self.digit_label.configure(text=text, foreground=colour)

    def _set_model_view(self, model_input: np.ndarray | None) -> None:
        self.model_input = model_input
        picture = model_view_image(model_input)
        if self._model_photo is None:
            self._model_photo = ImageTk.PhotoImage(picture, master=self)
            self.model_view.configure(image=self._model_photo)
        else:
            self._model_photo.paste(picture)  # same size every time: reuse the Tk image

    def _set_source(self, source: Image.Image | None) -> None:
        if source is None:
            self._source_frame.grid_remove()
            self._source_photo = None
            self.source_view.configure(image="")
            return
        self._source_photo = ImageTk.PhotoImage(thumbnail(source, SOURCE_THUMBNAIL_SIDE), master=self)
        self.source_view.configure(image=self._source_photo)
        self._source_frame.grid(row=0, column=0, padx=6)
