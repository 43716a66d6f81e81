"""The toolbar above the pad: file actions, undo and clear, the pen-width control, and Retrain."""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk
from typing import Callable

from digitpad.gui import theme
from digitpad.reading.strokes import MAXIMUM_PEN_WIDTH, MINIMUM_PEN_WIDTH

# Sizes in 96-dpi pixels (theme.scaled gives this screen's).
PEN_SCALE_LENGTH = 120
BUTTON_GAP = 6
GROUP_GAP = 16
PEN_PREVIEW_SIDE = 24
PEN_PREVIEW_SCALE = 0.5


class Toolbar(ttk.Frame):
    """Buttons call the given commands; the pen scale calls `on_pen_width(width)` as it moves."""

    def __init__(self, master: tk.Misc, open_image: Callable[[], object], classify_folder: Callable[[], object],
                 undo: Callable[[], object], clear: Callable[[], object], retrain: Callable[[], object],
                 pen_width: float, on_pen_width: Callable[[float], None]):
        super().__init__(master, style="Toolbar.TFrame")
        button_gap, group_gap = theme.scaled(master, BUTTON_GAP), theme.scaled(master, GROUP_GAP)
        self._preview_side = theme.scaled(master, PEN_PREVIEW_SIDE)
        self._preview_scale = PEN_PREVIEW_SCALE * theme.scale_factor(master)
        self.open_button = ttk.Button(self, text="Open image…", command=open_image, style="Accent.TButton")
        self.open_button.pack(side="left")
        self.classify_button = ttk.Button(self, text="Classify folder…", command=classify_folder)
        self.classify_button.pack(side="left", padx=(button_gap, group_gap))
        self.undo_button = ttk.Button(self, text="Undo", command=undo)
        self.undo_button.pack(side="left")
        self.clear_button = ttk.Button(self, text="Clear", command=clear)
        self.clear_button.pack(side="left", padx=(button_gap, group_gap))
        ttk.Label(self, text="Pen").pack(side="left")
        self._on_pen_width = on_pen_width
        self.pen_scale = ttk.Scale(self, from_=MINIMUM_PEN_WIDTH, to=MAXIMUM_PEN_WIDTH, orient="horizontal",
                                   length=theme.scaled(master, PEN_SCALE_LENGTH), value=pen_width,
                                   command=self._pen_moved)
        self.pen_scale.pack(side="left", padx=(button_gap, button_gap))
        self.pen_value_label = ttk.Label(self, text=self._pen_text(pen_width), style="Muted.TLabel", width=3)
        self.pen_value_label.pack(side="left")
        self.pen_preview = tk.Canvas(self, width=self._preview_side, height=self._preview_side, highlightthickness=0,
                                     borderwidth=0, background=theme.WINDOW_BACKGROUND)
        self.pen_preview.pack(side="left")
        self._draw_pen_preview(pen_width)
        self.retrain_button = ttk.Button(self, text="Retrain…", command=retrain)
        self.retrain_button.pack(side="right")

    @staticmethod
    def _pen_text(width: float) -> str:
        return f"{round(width)}"

    def _pen_moved(self, value: str) -> None:
        width = float(value)
        self.pen_value_label.configure(text=self._pen_text(width))
        self._draw_pen_preview(width)
        self._on_pen_width(width)

    def _draw_pen_preview(self, width: float) -> None:
        """A dot showing the pen's thickness (at half scale)."""
        self.pen_preview.delete("all")
        radius = min(self._preview_side, width * self._preview_scale) / 2
        middle = self._preview_side / 2
        self.pen_preview.create_oval(middle - radius, middle - radius, middle + radius, middle + radius,
                                     fill=theme.PAD_INK, outline="")

    def set_pen_width(self, width: float) -> None:
        self.pen_scale.set(width)
        self._pen_moved(str(width))
