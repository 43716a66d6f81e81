"""The drawing pad: a square canvas that turns pointer events (mouse, stylus, touch) into strokes."""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk
from typing import Callable

from PIL import Image

from digitpad.gui import theme
from digitpad.gui.main.pad_content import PadContent
from digitpad.reading.strokes import DEFAULT_PEN_WIDTH, PAD_PIXELS, PAD_SIDE, Stroke, clamp_width, render_strokes

INK_TAG = "ink"
PLACEHOLDER_TAG = "placeholder"
PLACEHOLDER_TEXT = "Draw a digit here"
CURSOR = "tcross"

# Reasons passed to `on_change`
STROKE_STARTED = "stroke-started"
STROKE_ENDED = "stroke-ended"
UNDONE = "undone"
CLEARED = "cleared"
RESTORED = "restored"


class DrawingPad(ttk.Frame):
    """A square canvas, as large as its space allows, holding a PadContent.

    `on_change(reason)` is called after every edit with one of the reason constants above.
    """

    def __init__(self, master: tk.Misc, on_change: Callable[[str], None] | None = None,
                 pen_width: float = DEFAULT_PEN_WIDTH):
        super().__init__(master, style="TFrame")
        self.content = PadContent()
        self.on_change = on_change
        self._pen_width = clamp_width(pen_width)
        self._stroke_tags: list[str] = []
        self._current_tag: str | None = None
        self._serial = 0
        self._side = PAD_PIXELS
        self.canvas = tk.Canvas(
            self, width=self._side, height=self._side, background=theme.PAD_PAPER, cursor=CURSOR,
            highlightthickness=1, highlightbackground=theme.BORDER, highlightcolor=theme.ACCENT, borderwidth=0,
        )
        self.canvas.place(relx=0.5, rely=0.0, anchor="n")
        self.configure(width=self._side + 2, height=self._side + 2)
        self.bind("<Configure>", self._on_resize)
        self.canvas.bind("<ButtonPress-1>", self._on_press)
        self.canvas.bind("<B1-Motion>", self._on_motion)
        self.canvas.bind("<ButtonRelease-1>", self._on_release)
        self._draw_placeholder()

    # -- public -----------------------------------------------------------------------------------------------
    @property
    def pen_width(self) -> float:
        return self._pen_width

    @pen_width.setter
    def pen_width(self, width: float) -> None:
        """Width (in pad units, PAD_SIDE wide) of strokes drawn from now on."""
        self._pen_width = clamp_width(width)

    @property
    def pixel_side(self) -> int:
        return self._side

    def undo(self) -> bool:
        """Remove the last stroke; returns whether there was one."""
        if self.content.undo() is None:
            return False
        if self._current_tag is not None:
            self.canvas.delete(self._current_tag)
            self._current_tag = None
        elif self._stroke_tags:
            self.canvas.delete(self._stroke_tags.pop())
        self._update_placeholder()
        self._notify(UNDONE)
        return True

    def clear(self) -> bool:
        """Remove every stroke; returns whether there was any."""
        if not self.content.clear():
            return False
        self.canvas.delete(INK_TAG)
        self._stroke_tags.clear()
        self._current_tag = None
        self._update_placeholder()
        self._notify(CLEARED)
        return True

    def restore(self, strokes) -> bool:
        """Put `strokes` back on an empty pad (a drawing cleared for a sample that could not be saved); returns
        whether they were put back (not when something was drawn meanwhile)."""
        if not strokes or not self.content.is_empty:
            return False
        for stroke in strokes:
            self.content.strokes.append(stroke)
            self._serial += 1
            self._stroke_tags.append(f"stroke-{self._serial}")
        self.content.revision += 1
        self._redraw()
        self._notify(RESTORED)
        return True

    def render(self, side: int | None = None) -> Image.Image:
        """The pad's content as a grayscale image, white ink on black, at the pad's pixel size by default."""
        return render_strokes(self.content.snapshot(), side or self._side)

    def to_pad(self, x: float, y: float) -> tuple[float, float]:
        """Canvas pixels -> pad coordinates."""
        scale = PAD_SIDE / self._side
        return (x * scale, y * scale)

    def to_canvas(self, x: float, y: float) -> tuple[float, float]:
        """Pad coordinates -> canvas pixels."""
        scale = self._side / PAD_SIDE
        return (x * scale, y * scale)

    # -- pointer events ---------------------------------------------------------------------------------------
    def _on_press(self, event: tk.Event) -> None:
        if self.content.is_drawing:  # a release was lost (pointer left the screen): finish that stroke first
            self._on_release(event)
        self.content.begin_stroke(self.to_pad(event.x, event.y), self._pen_width)
        self._serial += 1
        self._current_tag = f"stroke-{self._serial}"
        self._draw_dot(self.content.current_points[0], self._pen_width, self._current_tag)
        self._update_placeholder()
        self._notify(STROKE_STARTED)

    def _on_motion(self, event: tk.Event) -> None:
        if not self.content.is_drawing or self._current_tag is None:
            return
        previous = self.content.current_points[-1]
        point = self.content.extend_stroke(self.to_pad(event.x, event.y))
        if point is not None:  # a segment from the previous point: no gaps however fast the pointer moves
            self.canvas.create_line(
                *self.to_canvas(*previous), *self.to_canvas(*point), width=self._pixel_width(self._pen_width),
                fill=theme.PAD_INK, capstyle=tk.ROUND, joinstyle=tk.ROUND, tags=(INK_TAG, self._current_tag),
            )

    def _on_release(self, event: tk.Event) -> None:
        if not self.content.is_drawing:
            return
        self._on_motion(event)
        self.content.end_stroke()
        if self._current_tag is not None:
            self._stroke_tags.append(self._current_tag)
        self._current_tag = None
        self._notify(STROKE_ENDED)

    # -- drawing ----------------------------------------------------------------------------------------------
    def _pixel_width(self, width: float) -> float:
        return max(1.0, width * self._side / PAD_SIDE)

    def _draw_dot(self, point: tuple[float, float], width: float, tag: str) -> None:
        x, y = self.to_canvas(*point)
        radius = self._pixel_width(width) / 2
        self.canvas.create_oval(x - radius, y - radius, x + radius, y + radius, fill=theme.PAD_INK,
                                outline="", tags=(INK_TAG, tag))

    def _draw_stroke(self, stroke: Stroke, tag: str) -> None:
        self._draw_dot(stroke.points[0], stroke.width, tag)
        if len(stroke.points) > 1:
            coordinates = [value for point in stroke.points for value in self.to_canvas(*point)]
            self.canvas.create_line(*coordinates, width=self._pixel_width(stroke.width), fill=theme.PAD_INK,
                                    capstyle=tk.ROUND, joinstyle=tk.ROUND, tags=(INK_TAG, tag))

    def _redraw(self) -> None:
        self.canvas.delete(INK_TAG)
        for stroke, tag in zip(self.content.strokes, self._stroke_tags):
            self._draw_stroke(stroke, tag)
        if self._current_tag is not None and self.content.current_points:
            self._draw_stroke(Stroke(self.content.current_points, self._pen_width), self._current_tag)
        self._draw_placeholder()

    def _draw_placeholder(self) -> None:
        self.canvas.delete(PLACEHOLDER_TAG)
        self.canvas.create_text(self._side / 2, self._side / 2, text=PLACEHOLDER_TEXT, fill=theme.UNCERTAIN,
                                font=theme.BODY_FONT, tags=(PLACEHOLDER_TAG,))
        self._update_placeholder()

    def _update_placeholder(self) -> None:
        self.canvas.itemconfigure(PLACEHOLDER_TAG, state=tk.HIDDEN if not self.content.is_empty else tk.NORMAL)

    def _on_resize(self, event: tk.Event) -> None:
        side = max(PAD_PIXELS, min(event.width, event.height) - 2)
        if side == self._side:
            return
        self._side = side
        self.canvas.configure(width=side, height=side)
        self._redraw()

    def _notify(self, reason: str) -> None:
        if self.on_change is not None:
            self.on_change(reason)
