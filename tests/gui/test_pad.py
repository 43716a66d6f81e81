"""The drawing pad driven by pointer events: strokes, gaps, undo, clear, pen width, resizing."""

from __future__ import annotations

import tkinter as tk

import numpy as np
import pytest

from digitpad.gui.main.pad import CLEARED, INK_TAG, STROKE_ENDED, STROKE_STARTED, UNDONE, DrawingPad
from digitpad.reading.strokes import PAD_SIDE
from tests.gui.gui_helpers import SEVEN, draw_stroke


@pytest.fixture
def pad_and_events(tk_root):
    window = tk.Toplevel(tk_root)
    events = []
    pad = DrawingPad(window, on_change=events.append)
    pad.pack(fill="both", expand=True)
    window.geometry("400x400")
    window.update()
    yield pad, events
    window.destroy()


def test_a_drag_becomes_one_stroke_in_pad_coordinates(pad_and_events):
    pad, events = pad_and_events
    draw_stroke(pad, SEVEN[0])
    assert events == [STROKE_STARTED, STROKE_ENDED]
    assert len(pad.content.strokes) == 1
    stroke = pad.content.strokes[0]
    assert stroke.width == pad.pen_width
    assert len(stroke.points) > 20
    first, last = stroke.points[0], stroke.points[-1]
    assert first == pytest.approx(SEVEN[0][0], abs=2.0) and last == pytest.approx(SEVEN[0][-1], abs=2.0)
    assert pad.canvas.find_withtag(INK_TAG)


def test_fast_motion_leaves_no_gap(pad_and_events):
    pad, _ = pad_and_events
    canvas = pad.canvas
    start, end = pad.to_canvas(30, 140), pad.to_canvas(250, 140)
    canvas.event_generate("<ButtonPress-1>", x=round(start[0]), y=round(start[1]))
    canvas.event_generate("<B1-Motion>", x=round(end[0]), y=round(end[1]))  # one jump across the pad
    canvas.event_generate("<ButtonRelease-1>", x=round(end[0]), y=round(end[1]))
    image = np.asarray(pad.render())
    row = round(pad.pixel_side / 2)
    left, right = round(pad.to_canvas(30, 0)[0]), round(pad.to_canvas(250, 0)[0])
    assert (image[row, left:right] == 255).all()
    lines = [item for item in canvas.find_withtag(INK_TAG) if canvas.type(item) == "line"]
    assert lines and canvas.itemcget(lines[0], "capstyle") == "round"


def test_render_is_the_stroke_list_not_a_screen_grab(pad_and_events):
    pad, _ = pad_and_events
    draw_stroke(pad, [(100, 100), (180, 180)])
    image = pad.render()
    assert image.mode == "L" and image.size == (pad.pixel_side, pad.pixel_side)
    pixels = np.asarray(image)
    assert pixels.max() == 255 and pixels[0, 0] == 0  # white ink on black paper


def test_undo_and_clear(pad_and_events):
    pad, events = pad_and_events
    draw_stroke(pad, [(50, 50), (100, 100)])
    draw_stroke(pad, [(150, 50), (200, 100)])
    items_before = len(pad.canvas.find_withtag(INK_TAG))
    assert pad.undo()
    assert len(pad.content.strokes) == 1 and pad.content.strokes[0].points[0] == pytest.approx((50, 50), abs=2)
    assert 0 < len(pad.canvas.find_withtag(INK_TAG)) < items_before
    assert events[-1] == UNDONE
    assert pad.clear()
    assert pad.content.is_empty and not pad.canvas.find_withtag(INK_TAG) and events[-1] == CLEARED
    assert not pad.undo() and not pad.clear()


def test_pen_width_applies_to_the_next_stroke(pad_and_events):
    pad, _ = pad_and_events
    draw_stroke(pad, [(50, 50), (100, 100)])
    pad.pen_width = 30
    draw_stroke(pad, [(150, 50), (200, 100)])
    assert [stroke.width for stroke in pad.content.strokes] == [18.0, 30.0]


def test_pad_stays_square_and_rescales_with_the_window(pad_and_events):
    pad, _ = pad_and_events
    draw_stroke(pad, [(140, 40), (140, 240)])
    small_side = pad.pixel_side
    line = [item for item in pad.canvas.find_withtag(INK_TAG) if pad.canvas.type(item) == "line"][0]
    small_top = pad.canvas.coords(line)[1]
    pad.winfo_toplevel().geometry("700x600")
    pad.update()
    assert pad.pixel_side > small_side
    assert int(pad.canvas.cget("width")) == int(pad.canvas.cget("height")) == pad.pixel_side
    line = [item for item in pad.canvas.find_withtag(INK_TAG) if pad.canvas.type(item) == "line"][0]
    assert pad.canvas.coords(line)[1] == pytest.approx(small_top * pad.pixel_side / small_side, abs=1)
    assert pad.content.strokes[0].points[0] == pytest.approx((140, 40), abs=2)  # the model is unchanged
    assert pad.pixel_side >= 280 and PAD_SIDE == 280
