"""Digits drawn as pad strokes for tests: templates (some in several strokes) laid out as written numbers."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PAD_SIDE = 280.0
# Template coordinates: x from 0 to about DIGIT_WIDTH, y from 0 (top) to 1 (bottom), in digit heights.
DIGIT_WIDTH = 0.6


def _arc(centre_x, centre_y, radius_x, radius_y, start_degrees, end_degrees, count=14):
    angles = np.radians(np.linspace(start_degrees, end_degrees, count))
    return [(centre_x + radius_x * math.cos(angle), centre_y + radius_y * math.sin(angle)) for angle in angles]


def _line(start, end, count=6):
    return [(start[0] + (end[0] - start[0]) * t, start[1] + (end[1] - start[1]) * t) for t in np.linspace(0, 1, count)]


# Each template: a list of strokes in drawing order, each a list of (x, y) points.
TEMPLATES: dict[str, list[list[tuple[float, float]]]] = {
    "0": [_arc(0.3, 0.5, 0.28, 0.48, -90, 270, 24)],
    "1": [_line((0.34, 0.0), (0.26, 1.0))],
    "1 flag": [_line((0.1, 0.2), (0.34, 0.0), 4), _line((0.34, 0.0), (0.26, 1.0))],
    "2": [_arc(0.3, 0.27, 0.26, 0.25, 190, 360, 10) + _arc(0.3, 0.27, 0.26, 0.25, 0, 50, 4)[1:]
          + _line((0.47, 0.46), (0.02, 1.0), 6)[1:] + _line((0.02, 1.0), (0.6, 1.0), 5)[1:]],
    "3": [_arc(0.28, 0.25, 0.26, 0.24, 200, 450, 14) + _arc(0.28, 0.74, 0.3, 0.26, -90, 160, 14)[1:]],
    "4": [[(0.38, 0.0), (0.0, 0.66), (0.6, 0.66)], _line((0.44, 0.08), (0.44, 1.0))],
    "5": [_line((0.1, 0.0), (0.06, 0.45)) + _arc(0.28, 0.68, 0.27, 0.3, -140, 150, 16)[1:],
          _line((0.1, 0.0), (0.56, 0.0))],
    "6": [_arc(0.55, 0.55, 0.5, 0.55, -115, -180, 6) + _arc(0.3, 0.72, 0.28, 0.28, 180, 540, 20)[1:]],
    "7": [[(0.0, 0.0), (0.58, 0.0), (0.2, 1.0)]],
    "7 bar": [[(0.0, 0.0), (0.58, 0.0), (0.2, 1.0)], _line((0.18, 0.5), (0.5, 0.5), 4)],
    "7 two": [_line((0.0, 0.0), (0.58, 0.0), 4), _line((0.58, 0.0), (0.2, 1.0))],
    "8": [_arc(0.3, 0.25, 0.22, 0.24, 90, 450, 18), _arc(0.3, 0.74, 0.28, 0.26, -90, 270, 18)],
    "9": [_arc(0.3, 0.28, 0.26, 0.27, 0, 360, 18) + _line((0.56, 0.28), (0.5, 1.0))[1:]],
    # Styles MNIST barely holds, drawn by hand here (digitpad.training.styles makes its training variants another way).
    "0 slash": [_arc(0.3, 0.5, 0.27, 0.48, -90, 270, 24), _line((-0.02, 1.02), (0.62, -0.02), 6)],
    "0 slash narrow": [[(0.3 + 0.16 * math.cos(a) + 0.12 * (0.5 - (0.5 + 0.5 * math.sin(a))), 0.5 + 0.5 * math.sin(a))
                        for a in np.radians(np.linspace(-90, 270, 24))], _line((0.08, 0.92), (0.52, 0.08), 5)],
    "1 flag long": [_line((0.0, 0.38), (0.4, 0.0), 5) + _line((0.4, 0.0), (0.34, 1.0), 8)[1:]],
    "1 flag shallow": [_line((0.0, 0.25), (0.5, 0.0), 5) + _line((0.5, 0.0), (0.36, 1.0), 8)[1:]],
    "1 foot": [_line((0.32, 0.0), (0.3, 1.0)), _line((0.08, 1.0), (0.54, 1.0), 5)],
    "1 flag foot": [_line((0.08, 0.3), (0.34, 0.0), 4) + _line((0.34, 0.0), (0.32, 1.0))[1:],
                    _line((0.1, 1.0), (0.56, 1.0), 5)],
    "7 bar curved": [_line((0.0, 0.02), (0.58, 0.0), 5)
                     + [(0.58 - 0.4 * t - 0.1 * math.sin(math.pi * t), t) for t in np.linspace(0.05, 1.0, 10)],
                     _line((0.14, 0.52), (0.52, 0.5), 4)],
    "4 open": [[(0.04, 0.0), (0.0, 0.6), (0.6, 0.6)], _line((0.44, 0.05), (0.44, 1.0))],
    "4 open one stroke": [[(0.04, 0.0), (0.02, 0.6), (0.44, 0.6), (0.46, 0.02)] + _line((0.46, 0.02), (0.42, 1.0))[1:]],
    "4 round": [_line((0.04, 0.0), (0.04, 0.4), 4) + _arc(0.24, 0.4, 0.2, 0.22, 180, 0, 10)[1:]
                + _line((0.44, 0.4), (0.44, 0.0), 4)[1:] + _line((0.44, 0.0), (0.44, 1.0))[1:]],
    "9 flat": [_arc(0.3, 0.2, 0.28, 0.15, 0, 360, 18) + _line((0.58, 0.2), (0.48, 1.0))[1:]],
    "9 curl": [_arc(0.3, 0.26, 0.26, 0.24, 0, 360, 18) + _line((0.56, 0.26), (0.5, 0.82))[1:]
               + _arc(0.36, 0.82, 0.14, 0.16, 0, 200, 8)[1:]],
}
# The styles above by the name the benchmark and the model report use.
STYLE_TEMPLATES = {
    "slashed zero": ("0 slash", "0 slash narrow"),
    "flagged one": ("1 flag", "1 flag long", "1 flag shallow", "1 flag foot"),
    "footed one": ("1 foot", "1 flag foot"),
    "crossed seven": ("7 bar", "7 bar curved"),
    "open four": ("4 open", "4 open one stroke", "4 round"),
    "curled nine": ("9 flat", "9 curl"),
}


@dataclass(frozen=True)
class StrokeNumber:
    """A number drawn on the pad: strokes in drawing order, the digits, and each digit's stroke indices."""

    strokes: list[list[tuple[float, float]]]
    text: str
    groups: list[list[int]]


def draw_number(template_names: list[str], rng: np.random.Generator, spacing_range=(-0.04, 0.3),
                jitter: float = 0.08, slant_range=(-0.15, 0.25), scale_range=(0.85, 1.15),
                pad_margin: float = 12.0) -> StrokeNumber:
    """Lay templates left to right with random size, slant, vertical offset and spacing (overlap included),
    then scale the whole number to fit the pad."""
    placed, groups, position = [], [], 0.0
    for name in template_names:
        scale = rng.uniform(*scale_range)
        slant = rng.uniform(*slant_range)
        offset = rng.uniform(-jitter, jitter)
        strokes = [[((x + slant * (1 - y)) * scale, (y * scale + (1 - scale) + offset)) for x, y in stroke]
                   for stroke in TEMPLATES[name]]
        left = min(x for stroke in strokes for x, _ in stroke)
        right = max(x for stroke in strokes for x, _ in stroke)
        shift = position - left
        strokes = [[(x + shift, y) for x, y in stroke] for stroke in strokes]
        groups.append(list(range(len(placed), len(placed) + len(strokes))))
        placed.extend(strokes)
        position = right + shift + rng.uniform(*spacing_range)
    xs = [x for stroke in placed for x, _ in stroke]
    ys = [y for stroke in placed for _, y in stroke]
    size = max(max(xs) - min(xs), max(ys) - min(ys))
    factor = (PAD_SIDE - 2 * pad_margin) / size
    strokes = [[(pad_margin + (x - min(xs)) * factor, pad_margin + (y - min(ys)) * factor) for x, y in stroke]
               for stroke in placed]
    text = "".join(name[0] for name in template_names)
    return StrokeNumber(strokes, text, groups)


def pen_width_for(number: StrokeNumber, share: float = 0.1) -> float:
    """A pen about `share` of the digits' height wide (MNIST strokes are about a tenth of the height)."""
    height = max(y for stroke in number.strokes for _, y in stroke) - min(y for stroke in number.strokes for _, y in stroke)
    return max(2.0, share * height)


def pad_strokes(strokes: list[np.ndarray], height: float = 200.0) -> list[list[tuple[float, float]]]:
    """Tablet strokes placed on the pad as a user would write them: upright, `height` units tall, centred."""
    every = np.concatenate(strokes)
    low, high = every.min(axis=0), every.max(axis=0)
    scale = height / max(float(high[1] - low[1]), float(high[0] - low[0]) * 0.6, 1.0)
    centre = (low + high) / 2.0
    return [[(140.0 + (x - centre[0]) * scale, 140.0 + (y - centre[1]) * scale) for x, y in stroke] for stroke in strokes]


def pulled_apart(strokes: list[np.ndarray], rng: np.random.Generator, gap: tuple[float, float] = (0.04, 0.12),
                 ) -> list[np.ndarray]:
    """A digit written in several strokes, each later stroke moved straight away from the first stroke's centre
    by `gap` (times the digit's height): a 5 whose bar floats above its body, a 4 or 7 whose second stroke stands
    apart (another construction than training's, which moves them sideways and up by chance)."""
    arrays = [np.asarray(points, np.float64) for points in strokes]
    height = float(np.ptp(np.concatenate(arrays)[:, 1])) or 1.0
    first = arrays[0].mean(axis=0)
    moved = [arrays[0]]
    for points in arrays[1:]:
        direction = points.mean(axis=0) - first
        length = float(np.hypot(*direction))
        direction = direction / length if length > 1e-9 else np.array([0.0, -1.0])
        moved.append(points + direction * height * rng.uniform(*gap))
    return moved
