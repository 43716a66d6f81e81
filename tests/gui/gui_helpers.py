"""Helpers for the window tests: a fake predictor, digit shapes as point paths, drawing and waiting."""

from __future__ import annotations

import math
import threading
import time
import tkinter as tk

import numpy as np
from PIL import Image, ImageDraw

from digitpad.inference.predictor import BasePredictor

# Digits as strokes in pad coordinates (the pad is 280 units square), written the way people write them.
ONE = [[(150, 45), (148, 80), (146, 120), (144, 160), (142, 200), (140, 235)]]
SEVEN = [[(75, 55), (120, 54), (165, 53), (205, 55), (185, 95), (165, 135), (148, 175), (135, 210), (125, 240)]]
ZERO = [[(140 + 62 * math.sin(2 * math.pi * step / 40), 140 - 92 * math.cos(2 * math.pi * step / 40))
         for step in range(41)]]
DIGIT_SHAPES = {1: ONE, 7: SEVEN, 0: ZERO}


# A gate the test never opens fails the prediction after this long instead of hanging the test.
GATE_TIMEOUT_SECONDS = 30


class FakePredictor(BasePredictor):
    """Answers `digit` with `confidence`; counts calls. Loading can wait for an Event (`load_gate`) or fail;
    predicting can wait for one too (`predict_gate`, from call `hold_from_call` on), so that a test decides when
    an answer comes: `waiting_at_gate` says a prediction is being held there."""

    def __init__(self, digit: int = 7, confidence: float = 0.9, load_gate: threading.Event | None = None,
                 load_error: Exception | None = None, predict_gate: threading.Event | None = None,
                 hold_from_call: int = 1):
        self.digit, self.confidence = digit, confidence
        self.load_gate, self.load_error = load_gate, load_error
        self.predict_gate, self.hold_from_call = predict_gate, hold_from_call
        self.waiting_at_gate = False
        self.loaded = False
        self.calls = 0
        self.threads: set[str] = set()

    def load(self) -> None:
        if self.load_gate is not None:
            self.load_gate.wait(GATE_TIMEOUT_SECONDS)
        if self.load_error is not None:
            raise self.load_error
        self.loaded = True

    def predict_inputs(self, inputs: np.ndarray) -> np.ndarray:
        self.calls += 1
        self.threads.add(threading.current_thread().name)
        if self.predict_gate is not None and self.calls >= self.hold_from_call:
            self.waiting_at_gate = True
            opened = self.predict_gate.wait(GATE_TIMEOUT_SECONDS)
            self.waiting_at_gate = False
            if not opened:
                raise TimeoutError("the test never opened the prediction gate")
        rest = (1.0 - self.confidence) / 9.0
        probabilities = np.full((len(inputs), 10), rest, np.float32)
        probabilities[:, self.digit] = self.confidence
        return probabilities


def wait_until(widget: tk.Misc, condition, timeout: float = 15.0, interval: float = 0.005) -> None:
    """Run the Tk event loop until `condition()` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        widget.update()
        time.sleep(interval)


def settle(widget: tk.Misc, seconds: float) -> None:
    """Run the event loop for a while (to show that something does NOT happen)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        widget.update()
        time.sleep(0.005)


def draw_stroke(pad, points, step: float = 6.0) -> None:
    """Drag the pointer through `points` (pad coordinates) as a user would: press, motions every `step`, release."""
    canvas = pad.canvas
    pixels = [pad.to_canvas(x, y) for x, y in points]
    x, y = pixels[0]
    canvas.event_generate("<ButtonPress-1>", x=round(x), y=round(y))
    for (x0, y0), (x1, y1) in zip(pixels, pixels[1:]):
        count = max(1, int(math.dist((x0, y0), (x1, y1)) / step))
        for index in range(1, count + 1):
            fraction = index / count
            canvas.event_generate("<B1-Motion>", x=round(x0 + (x1 - x0) * fraction),
                                  y=round(y0 + (y1 - y0) * fraction))
    x, y = pixels[-1]
    canvas.event_generate("<ButtonRelease-1>", x=round(x), y=round(y))


def draw_digit(pad, strokes) -> None:
    for points in strokes:
        draw_stroke(pad, points)


def number_strokes(text: str, height: float = 90.0, gap: float = 10.0, slants: tuple[float, ...] = (0.0,),
                   names: dict[str, str] | None = None) -> list[list[tuple[float, float]]]:
    """`text`'s digits as stroke templates (tests/synthetic_strokes.py) side by side, centred on the pad, in
    writing order: each digit `height` pad units tall, `gap` apart, slanted by slants[i % len(slants)].
    `names` picks another template for a digit (e.g. {"7": "7 bar"})."""
    from tests.synthetic_strokes import PAD_SIDE, TEMPLATES  # noqa: PLC0415

    placed, x = [], 0.0
    for index, digit in enumerate(text):
        slant = slants[index % len(slants)]
        strokes = [[(px + slant * (1 - py), py) for px, py in stroke]
                   for stroke in TEMPLATES[(names or {}).get(digit, digit)]]
        left = min(px for stroke in strokes for px, _ in stroke)
        right = max(px for stroke in strokes for px, _ in stroke)
        placed += [[(x + (px - left) * height, py * height) for px, py in stroke] for stroke in strokes]
        x += (right - left) * height + gap
    offset_x, offset_y = (PAD_SIDE - (x - gap)) / 2, (PAD_SIDE - height) / 2
    return [[(px + offset_x, py + offset_y) for px, py in stroke] for stroke in placed]


def digit_png(path, strokes, side: int = 200, width: int = 16, dark_on_light: bool = True) -> None:
    """Write a PNG of a digit drawn from pad-coordinate strokes (black ink on white paper by default)."""
    paper, ink = (255, 0) if dark_on_light else (0, 255)
    image = Image.new("L", (side, side), paper)
    draw = ImageDraw.Draw(image)
    scale = side / 280.0
    for points in strokes:
        scaled = [(x * scale, y * scale) for x, y in points]
        draw.line(scaled, fill=ink, width=width, joint="curve")
        for x, y in (scaled[0], scaled[-1]):
            draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=ink)
    image.save(path)
