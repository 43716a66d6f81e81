"""Pen strokes as plain data: (x, y) points in pad units with a pen width, and their rendering to an image."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageDraw

PAD_SIDE = 280.0
"""Pad coordinates run from 0 to PAD_SIDE on both axes, whatever the pad's size on screen."""
PAD_PIXELS = int(PAD_SIDE)
"""The pad at one pixel per pad unit: the side its strokes are rendered at to be read (plenty for a 28x28
input; larger only slows the ink clean-up), and the least it is shown at and stored at as a sample."""
DEFAULT_PEN_WIDTH = 18.0
MINIMUM_PEN_WIDTH = 6.0
MAXIMUM_PEN_WIDTH = 40.0
INK = 255
BACKGROUND = 0

Point = tuple[float, float]


@dataclass(frozen=True)
class Stroke:
    """One pen-down to pen-up movement."""

    points: tuple[Point, ...]
    width: float


def clamp_point(point: Point) -> Point:
    x, y = point
    return (min(max(float(x), 0.0), PAD_SIDE), min(max(float(y), 0.0), PAD_SIDE))


def clamp_width(width: float) -> float:
    return min(max(float(width), MINIMUM_PEN_WIDTH), MAXIMUM_PEN_WIDTH)


def render_strokes(strokes: tuple[Stroke, ...] | list[Stroke], output_side: int = PAD_PIXELS) -> Image.Image:
    """Draw strokes into a square grayscale image, white ink on black, round caps and joints."""
    scale = output_side / PAD_SIDE
    image = Image.new("L", (output_side, output_side), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for stroke in strokes:
        width = max(1.0, stroke.width * scale)
        radius = width / 2.0
        points = [(x * scale, y * scale) for x, y in stroke.points]
        if len(points) > 1:
            draw.line(points, fill=INK, width=max(1, round(width)), joint="curve")
        for x, y in points:  # round caps and smooth joints
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=INK)
    return image
