"""The answer panel: the digit or the number read, how sure, and what the model saw.

For one digit: the digit large, its confidence, ten probability bars and the model's-eye view; for a number:
the number large and a strip with each digit's answer, confidence and model's-eye view. Words on the left, pictures
on the right, so that the window fits a short screen; every size follows the screen's scaling (theme.scaled).
"""

from __future__ import annotations

import tkinter as tk
import tkinter.font as tkfont
from tkinter import ttk
from typing import TYPE_CHECKING

from PIL import Image, ImageTk

from digitpad.gui import theme
from digitpad.gui.main.answer import (
    DIGIT_COUNT, EMPTY_PAD_HINT, MODEL_VIEW_SCALE, STRIP_CELL_PADDING, STRIP_WIDTH, WRITING_ADVICE, describe,
    describe_number,
    model_view_image, strip_rows, strip_scale, thumbnail,
)
from digitpad.gui.wording import format_percent

if TYPE_CHECKING:
    import numpy as np

# Sizes in 96-dpi pixels (theme.scaled gives this screen's).
BAR_LENGTH = 200
BAR_THICKNESS = 12
BAR_ROW_SPACING = 3
MINIMUM_VISIBLE_BAR = 1.0  # pixels: shorter bars (probabilities under 0.5%) are not drawn at all
NUMBER_SOURCE_HEIGHT = 80
"""An image of a number is shown at most this tall (and as wide as the strip): the strip needs the room."""
TOP_BAR_COLOUR = theme.ACCENT
OTHER_BAR_COLOUR = "#a5b4fc"
PANEL_PADDING = 12
MESSAGE_WRAP = 230
"""The words' column (the digit or number, how sure, the hint)."""
COLUMN_GAP = 16
TALL_SCREEN = 1000
"""A screen at least this tall (96-dpi pixels) has room for a panel's words above its pictures."""
NO_DIGIT = " "
MODEL_VIEW_CAPTION = "What the model sees\n28 \u00d7 28 input"
SOURCE_CAPTION = "Image\n "
HINT_GLYPH = "\u270e"  # a pencil: nothing guessed yet
STRIP_CAPTION = "What the model sees\n28 \u00d7 28 input per digit"
NUMBER_FILL = 0.94
"""A number written large takes at most this share of the panel's width (its font shrinks to fit)."""
CELL_BORDER = 2


class ProbabilityBars(tk.Canvas):
    """Ten labelled horizontal bars, one per digit; the most likely one highlighted.

    The canvas items are made once and only moved and recoloured afterwards (an answer redraws in well under
    a millisecond).
    """

    def __init__(self, master: tk.Misc):
        self._font = tkfont.nametofont(theme.SMALL_FONT, root=master)
        self._length, self._thickness = theme.scaled(master, BAR_LENGTH), theme.scaled(master, BAR_THICKNESS)
        self._row_height = max(self._thickness, self._font.metrics("linespace")) + theme.scaled(master, BAR_ROW_SPACING)
        self._gap = theme.scaled(master, 10)
        self._minimum_bar = MINIMUM_VISIBLE_BAR * theme.scale_factor(master)
        self._left = self._font.measure("0") + self._gap
        value_width = self._font.measure("100.0%") + theme.scaled(master, 8)
        super().__init__(master, background=theme.SURFACE, highlightthickness=0, borderwidth=0,
                         width=self._left + self._length + value_width, height=self._row_height * DIGIT_COUNT)
        self.values: list[float] | None = None
        self._labels, self._fills, self._texts = [], [], []
        for digit in range(DIGIT_COUNT):
            top, bottom = self._bar_edges(digit)
            middle = (top + bottom) / 2
            self._labels.append(self.create_text(self._left - self._gap, middle, text=str(digit), anchor="w"))
            self.create_rectangle(self._left, top, self._left + self._length, bottom, fill=theme.BAR_TRACK,
                                  outline="")
            self._fills.append(self.create_rectangle(self._left, top, self._left, bottom, outline=""))
            self._texts.append(self.create_text(self._left + self._length + theme.scaled(self, 6), middle,
                                                anchor="w", font=theme.SMALL_FONT))
        self.show(None)

    def _bar_edges(self, digit: int) -> tuple[float, float]:
        middle = digit * self._row_height + self._row_height / 2
        return middle - self._thickness / 2, middle + self._thickness / 2

    def show(self, probabilities: np.ndarray | None, uncertain: bool = False) -> None:
        """Show ten probabilities, or empty tracks for None."""
        self.values = None if probabilities is None else [float(value) for value in probabilities]
        top = max(range(DIGIT_COUNT), key=self.values.__getitem__) if self.values is not None else -1
        for digit in range(DIGIT_COUNT):
            is_top = digit == top
            value = self.values[digit] if self.values is not None else 0.0
            bar_top, bar_bottom = self._bar_edges(digit)
            length = self._length * value if self._length * value >= self._minimum_bar else 0.0
            self.coords(self._fills[digit], self._left, bar_top, self._left + length, bar_bottom)
            colour = (theme.UNCERTAIN if uncertain else TOP_BAR_COLOUR) if is_top else OTHER_BAR_COLOUR
            self.itemconfigure(self._fills[digit], fill=colour, state="normal" if length else "hidden")
            text_colour = theme.TEXT if is_top else theme.MUTED_TEXT
            self.itemconfigure(self._labels[digit], fill=text_colour,
                               font=theme.BOLD_FONT if is_top else theme.SMALL_FONT)
            self.itemconfigure(self._texts[digit], fill=text_colour,
                               text=format_percent(value) if self.values is not None else "")


class NumberView(tk.Canvas):
    """A number written large, one text item per digit: uncertain digits in grey. The font shrinks to fit."""

    def __init__(self, master: tk.Misc, digit_font: str, width: int, height: int):
        super().__init__(master, background=theme.SURFACE, highlightthickness=0, borderwidth=0, width=width,
                         height=height)
        self._digit_font = digit_font
        self._width, self._full_height = width, height
        self.font: tuple | str = digit_font

    def show(self, digits: list[tuple[str, bool]]) -> None:
        """`digits`: (digit, is_uncertain) left to right."""
        self.delete("all")
        text = "".join(digit for digit, _ in digits)
        self.font = self._fitting_font(text)
        # As tall as the one-digit answer, less when the font had to shrink (long numbers need room below).
        height = self._full_height
        if self.font != self._digit_font:
            height = min(height, int(self.tk.call("font", "metrics", self.font, "-linespace")) + 4)
        if int(self.cget("height")) != height:
            self.configure(height=height)
        widths = [int(self.tk.call("font", "measure", self.font, digit)) for digit, _ in digits]
        x = (self._width - sum(widths)) / 2
        for (digit, uncertain), width in zip(digits, widths):
            self.create_text(x, height / 2, text=digit, anchor="w", font=self.font,
                             fill=theme.UNCERTAIN if uncertain else theme.ACCENT)
            x += width

    def _fitting_font(self, text: str) -> tuple | str:
        """The digit font, or the same family smaller when `text` would not fit the width."""
        width = int(self.tk.call("font", "measure", self._digit_font, text))
        room = self._width * NUMBER_FILL
        if width <= room:
            return self._digit_font
        family = self.tk.call("font", "actual", self._digit_font, "-family")
        size = int(self.tk.call("font", "actual", self._digit_font, "-size"))
        scaled = int(size * room / width)  # a negative size (pixels) scales the same way
        return (family, scaled or (1 if size > 0 else -1), "bold")


class _DigitCell:
    """One digit of the strip: the model's-eye view, the digit (with '?' when unsure) and its confidence."""

    def __init__(self, master: tk.Misc):
        self.frame = tk.Frame(master, background=theme.SURFACE, borderwidth=0,
                              highlightthickness=theme.scaled(master, CELL_BORDER),
                              highlightbackground=theme.SURFACE, highlightcolor=theme.SURFACE)
        self.view = tk.Label(self.frame, background=theme.MODEL_VIEW_BACKGROUND, borderwidth=0)
        self.view.pack()
        self.digit_label = tk.Label(self.frame, font=theme.STRIP_DIGIT_FONT, background=theme.SURFACE,
                                    borderwidth=0, padx=0, pady=0)
        self.digit_label.pack(pady=(theme.scaled(master, 2), 0))
        self.confidence_label = tk.Label(self.frame, font=theme.SMALL_FONT, background=theme.SURFACE,
                                         borderwidth=0, padx=0, pady=0)
        self.confidence_label.pack()
        self._photo: ImageTk.PhotoImage | None = None
        self._scale = 0

    def show(self, prediction, scale: int) -> None:
        answer = describe(prediction.digit, prediction.confidence)
        picture = model_view_image(prediction.model_input, scale)
        if self._photo is None or scale != self._scale:
            self._photo = ImageTk.PhotoImage(picture, master=self.frame)
            self._scale = scale
            self.view.configure(image=self._photo)
        else:
            self._photo.paste(picture)
        edge = theme.UNCERTAIN_TEXT if answer.is_uncertain else theme.SURFACE
        self.frame.configure(highlightbackground=edge, highlightcolor=edge)
        self.digit_label.configure(text=answer.digit_text,
                                   foreground=theme.UNCERTAIN if answer.is_uncertain else theme.ACCENT)
        self.confidence_label.configure(text=format_percent(prediction.confidence),
                                        foreground=theme.UNCERTAIN_TEXT if answer.is_uncertain else theme.MUTED_TEXT)

    @property
    def texts(self) -> tuple[str, str]:
        return str(self.digit_label.cget("text")), str(self.confidence_label.cget("text"))


class DigitStrip(ttk.Frame):
    """Every digit of a number side by side (in more rows when there are many), each with its own view.

    Rows and cells are made when first needed and reused afterwards.
    """

    def __init__(self, master: tk.Misc, width: int | None = None):
        super().__init__(master, style="Card.TFrame", borderwidth=0, relief="flat")
        self.width = width or theme.scaled(self, STRIP_WIDTH)
        """Pixels the strip may take (the probability bars' width in the answer panel)."""
        self._rows_frame = ttk.Frame(self, style="Card.TFrame", borderwidth=0, relief="flat")
        self._rows_frame.pack()
        ttk.Label(self, text=STRIP_CAPTION, style="CardMuted.TLabel", justify="center",
                  wraplength=self.width).pack(pady=(theme.scaled(self, 4), 0))
        self._rows: list[tuple[ttk.Frame, list[_DigitCell]]] = []
        self.cells: list[_DigitCell] = []
        """The cells showing the current number, left to right."""

    def show(self, predictions) -> None:
        scale = max(1, round(strip_scale(len(predictions)) * theme.scale_factor(self)))
        text_width = int(self.tk.call("font", "measure", theme.SMALL_FONT, "99.9%"))
        padding, border = theme.scaled(self, STRIP_CELL_PADDING), theme.scaled(self, CELL_BORDER)
        layout = strip_rows(len(predictions), scale, width=self.width, minimum_cell=text_width,
                            cell_padding=padding)
        self.cells = []
        remaining = list(predictions)
        for row_index in range(max(len(layout), len(self._rows))):
            if row_index >= len(self._rows):
                self._rows.append((ttk.Frame(self._rows_frame, style="Card.TFrame", borderwidth=0, relief="flat"),
                                   []))
            row, cells = self._rows[row_index]
            count = layout[row_index] if row_index < len(layout) else 0
            if not count:
                row.pack_forget()
                continue
            row.pack(side="top")
            while len(cells) < count:
                cells.append(_DigitCell(row))
            for index, cell in enumerate(cells):
                if index < count:
                    cell.show(remaining.pop(0), scale)
                    cell.frame.pack(side="left", padx=padding - border, pady=padding - border)
                    self.cells.append(cell)
                else:
                    cell.frame.pack_forget()


class AnswerPanel(ttk.Frame):
    """Shows one of: a hint, a prediction (with the model's input and, for files, the source image), a number read
    digit by digit (with its per-digit strip), an error."""

    def __init__(self, master: tk.Misc, title: str = "Answer", digit_font: str = theme.DIGIT_FONT,
                 side_by_side: bool | None = None, advice: bool = True):
        """`side_by_side`: the words left of the pictures (wide, short); False: above them (a narrow side panel);
        None: side by side on a short screen (under TALL_SCREEN 96-dpi pixels), else above."""
        super().__init__(master, style="Card.TFrame", padding=theme.scaled(master, PANEL_PADDING))
        self.state = "hint"
        self.advice = advice
        """Unsure answers end with advice on writing (not for reviewing images written elsewhere)."""
        wrap = theme.scaled(self, MESSAGE_WRAP)
        self._view_scale = max(1, round(MODEL_VIEW_SCALE * theme.scale_factor(self)))
        """The model's view is 28 x this many pixels: 112 at 96 dpi, as large in inches at any other."""
        self._gap = theme.scaled(self, 6)
        ttk.Label(self, text=title, style="CardTitle.TLabel").grid(row=0, column=0, columnspan=2, sticky="w")
        words = ttk.Frame(self, style="Card.TFrame", borderwidth=0, relief="flat")  # left: what was read
        words.columnconfigure(0, weight=1, minsize=wrap)
        pictures = ttk.Frame(self, style="Card.TFrame", borderwidth=0, relief="flat")  # right: how and from what
        if side_by_side is None:
            side_by_side = self.winfo_screenheight() < theme.scaled(self, TALL_SCREEN)
        if side_by_side:
            words.grid(row=1, column=0, sticky="ew", padx=(0, theme.scaled(self, COLUMN_GAP)))
            pictures.grid(row=1, column=1, sticky="n", pady=(theme.scaled(self, 4), 0))
        else:
            self.columnconfigure(0, weight=1)
            words.grid(row=1, column=0, sticky="ew")
            pictures.grid(row=2, column=0, pady=(theme.scaled(self, 10), 0))
        self.digit_label = tk.Label(words, text=NO_DIGIT, font=digit_font, background=theme.SURFACE,
                                    foreground=theme.ACCENT, width=2, anchor="center")
        self.digit_label.grid(row=1, column=0, sticky="ew")
        self.number_view = NumberView(words, digit_font, wrap, self.digit_label.winfo_reqheight())
        self.number_view.grid(row=1, column=0)
        self.number_view.grid_remove()
        self.confidence_label = ttk.Label(words, text="", style="Card.TLabel", font=theme.TITLE_FONT,
                                          anchor="center", justify="center", wraplength=wrap)
        self.confidence_label.grid(row=2, column=0, sticky="ew")
        self.message_label = ttk.Label(words, text="", style="CardMuted.TLabel", wraplength=wrap,
                                       justify="center", anchor="center")
        self.message_label.grid(row=3, column=0, sticky="ew", pady=(theme.scaled(self, 4), 0))
        self.bars = ProbabilityBars(pictures)
        self.bars.grid(row=4, column=0, pady=(0, theme.scaled(self, 12)))
        self.strip = DigitStrip(pictures, width=int(self.bars.cget("width")))
        self.strip.grid(row=4, column=0, pady=(0, theme.scaled(self, 12)))
        self.strip.grid_remove()
        views = ttk.Frame(pictures, style="Card.TFrame", borderwidth=0, relief="flat")
        views.grid(row=5, column=0)
        self._words, self._views = words, views
        # The file's picture: beside the model's view for a digit, under the words for a number (the strip takes
        # the pictures' room). A child of the panel, so that it can be placed in either column.
        self._source_frame = ttk.Frame(self, style="Card.TFrame", borderwidth=0, relief="flat")
        self.source_view = tk.Label(self._source_frame, background=theme.SURFACE, borderwidth=0)
        self.source_view.pack()
        ttk.Label(self._source_frame, text=SOURCE_CAPTION, style="CardMuted.TLabel", justify="center").pack(
            pady=(theme.scaled(self, 4), 0))
        model_frame = ttk.Frame(views, style="Card.TFrame", borderwidth=0, relief="flat")
        model_frame.grid(row=0, column=1, padx=self._gap)
        self._model_frame = model_frame
        self.model_view = tk.Label(model_frame, background=theme.MODEL_VIEW_BACKGROUND, borderwidth=0)
        self.model_view.pack()
        ttk.Label(model_frame, text=MODEL_VIEW_CAPTION, style="CardMuted.TLabel", justify="center").pack(
            pady=(theme.scaled(self, 4), 0))
        self._model_photo: ImageTk.PhotoImage | None = None
        self._source_photo: ImageTk.PhotoImage | None = None
        self.model_input: np.ndarray | None = None
        self.reading = None
        """The NumberReading shown (None for a hint, an error or a lone Prediction)."""
        self._number_shown = False
        self._marked_number = ""
        self.show_hint(EMPTY_PAD_HINT)

    # -- states -----------------------------------------------------------------------------------------------
    def show_hint(self, text: str) -> None:
        """No guess: a blank digit, empty bars, a black model view and a line of guidance."""
        self.state = "hint"
        self.reading = None
        self._show_number_layout(False)
        self._set_digit(HINT_GLYPH, theme.BAR_TRACK)
        self.confidence_label.configure(text="", foreground=theme.TEXT)
        self.message_label.configure(text=text, foreground=theme.MUTED_TEXT)
        self.bars.show(None)
        self._set_model_view(None)
        self._set_source(None)

    def show_error(self, text: str, source: Image.Image | None = None) -> None:
        """Something went wrong (bad file, no digit, model failed): the reason in red, no guess."""
        self.state = "error"
        self.reading = None
        self._show_number_layout(False)
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
        self.reading = None
        self._show_number_layout(False)
        colour = theme.UNCERTAIN if answer.is_uncertain else theme.ACCENT
        self._set_digit(answer.digit_text, colour)
        self.confidence_label.configure(text=answer.confidence_text,
                                        foreground=theme.UNCERTAIN_TEXT if answer.is_uncertain else theme.TEXT)
        if answer.is_uncertain:
            second = prediction.top(2)[1]
            hint = f"Maybe a {second[0]} ({format_percent(second[1])}).{WRITING_ADVICE if self.advice else ''}"
            caption = f"{caption}\n{hint}" if caption else hint
        self.message_label.configure(text=caption, foreground=theme.MUTED_TEXT)
        self.bars.show(prediction.probabilities, uncertain=answer.is_uncertain)
        self._set_model_view(prediction.model_input)
        self._set_source(source)

    def show_reading(self, reading, source: Image.Image | None = None, caption: str = "") -> None:
        """A NumberReading: one digit exactly as `show_prediction`; several as the number written large (unsure
        digits in grey), how sure, and the strip of every digit's answer, confidence and model's-eye view."""
        if len(reading.digits) == 1:
            self.show_prediction(reading.digits[0], source=source, caption=caption)
            self.reading = reading
            return
        words = describe_number(reading.digits)
        self.state = "uncertain" if words.is_uncertain else "certain"
        self.reading = reading
        self._show_number_layout(True)
        self._marked_number = words.marked_text
        self.number_view.show([(str(prediction.digit), answer.is_uncertain)
                               for prediction, answer in zip(reading.digits, words.digits)])
        self.confidence_label.configure(text=words.confidence_text,
                                        foreground=theme.UNCERTAIN_TEXT if words.is_uncertain else theme.TEXT)
        hint = words.hint if self.advice else words.hint.replace(WRITING_ADVICE, "")
        if hint:
            caption = f"{caption}\n{hint}" if caption else hint
        if reading.written:
            caption = f"As written: {reading.written}\n{caption}" if caption else f"As written: {reading.written}"
        self.message_label.configure(text=caption, foreground=theme.MUTED_TEXT)
        self.strip.show(reading.digits)
        self.model_input = None
        self._set_source(source)

    @property
    def digit_text(self) -> str:
        """The answer shown ('7', '3?', '2026', '20?26' with '?' after each unsure digit), or '' when there is none."""
        if self.state in ("hint", "error"):
            return ""
        if self._number_shown:
            return self._marked_number
        return str(self.digit_label.cget("text")).strip()

    @property
    def number_text(self) -> str:
        """The digits read ('2026', '7'), or '' when there is no answer."""
        if self.state in ("hint", "error"):
            return ""
        return self.reading.text if self.reading is not None else self.digit_text.rstrip("?")

    @property
    def confidence_text(self) -> str:
        return str(self.confidence_label.cget("text"))

    @property
    def message_text(self) -> str:
        return str(self.message_label.cget("text"))

    # -- helpers ----------------------------------------------------------------------------------------------
    def _show_number_layout(self, number: bool) -> None:
        """Swap between the one-digit widgets (big digit, bars, model view) and the number's (number, strip)."""
        if number == self._number_shown:
            return
        self._number_shown = number
        if number:
            self.digit_label.grid_remove()
            self.bars.grid_remove()
            self._model_frame.grid_remove()
            self._views.grid_remove()  # empty now: gone (an emptied grid keeps its last size)
            self.number_view.grid()
            self.strip.grid()
        else:
            self.number_view.grid_remove()
            self.strip.grid_remove()
            self.digit_label.grid()
            self.bars.grid()
            self._model_frame.grid()
            self._views.grid()

    def _set_digit(self, text: str, colour: str) -> None:
        self.digit_label.configure(text=text, foreground=colour)

    def _set_model_view(self, model_input: np.ndarray | None) -> None:
        self.model_input = model_input
        picture = model_view_image(model_input, self._view_scale)
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
        if self._number_shown:  # a number's picture is wide: under the words, as wide as they are
            picture = thumbnail(source, theme.scaled(self, NUMBER_SOURCE_HEIGHT), self.number_view.winfo_reqwidth())
        else:
            picture = thumbnail(source, 28 * self._view_scale)
        self._source_photo = ImageTk.PhotoImage(picture, master=self)
        self.source_view.configure(image=self._source_photo)
        if self._number_shown:
            self._source_frame.grid(in_=self._words, row=4, column=0, padx=0, pady=(self._gap, 0))
        else:
            self._source_frame.grid(in_=self._views, row=0, column=0, padx=self._gap, pady=0)
        self._source_frame.lift()
