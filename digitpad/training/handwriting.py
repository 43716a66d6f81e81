"""Stroke digits -> MNIST-style inputs as the pad renders them, with a writer's random variation (pure NumPy/PIL)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from digitpad.imaging.preprocess import mnist_from_ink
from digitpad.reading.strokes import PAD_SIDE, Stroke, render_strokes

# A varied digit is shrunk to fit in this many pad units, so that no stroke leaves the pad.
FITTING_SIDE = 250.0

StrokeArrays = list[np.ndarray]
"""One digit: pen-down strokes in drawing order, each an (N, 2) float array of (x, y) with y down, any units."""


@dataclass(frozen=True)
class Variation:
    """Ranges of the random changes one rendering of a stroke digit gets."""

    pen_width: tuple[float, float] = (7.0, 30.0)  # pad units, for a digit about 200 units tall
    height: tuple[float, float] = (150.0, 250.0)
    aspect: tuple[float, float] = (0.75, 1.3)  # width multiplier
    slant: tuple[float, float] = (-0.35, 0.35)  # x shift per unit of height above the centre
    rotation_degrees: float = 8.0
    jitter: float = 0.012  # point noise, as a share of the digit's height
    smooth_probability: float = 0.7


# A finger on a phone's drawing app, or a fat brush: the pen 0.12-0.45 of the digit's height (a pen digit's
# `Variation()` stays under about 0.2, and MNIST's strokes under 0.15 at its 95th percentile).
THICK_BRUSH = Variation(pen_width=(30.0, 66.0))


def catmull_rom(points: np.ndarray, steps: int = 4) -> np.ndarray:
    """A smooth curve through `points` (N, 2) with `steps` points per segment (the ends kept)."""
    if len(points) < 3:
        return points
    padded = np.concatenate([points[:1], points, points[-1:]])
    t = np.linspace(0.0, 1.0, steps, endpoint=False)[:, None]
    p0, p1, p2, p3 = padded[:-3], padded[1:-2], padded[2:-1], padded[3:]
    segments = []
    for index in range(len(p1)):
        a, b, c, d = p0[index], p1[index], p2[index], p3[index]
        segments.append(0.5 * (2 * b + (-a + c) * t + (2 * a - 5 * b + 4 * c - d) * t ** 2 + (-a + 3 * b - 3 * c + d) * t ** 3))
    return np.concatenate([*segments, points[-1:]])


def _bounds(strokes: StrokeArrays) -> tuple[np.ndarray, np.ndarray]:
    every = np.concatenate(strokes)
    return every.min(axis=0), every.max(axis=0)


def vary(strokes: StrokeArrays, rng: np.random.Generator, variation: Variation = Variation()) -> StrokeArrays:
    """The digit as one writer might have written it on the pad: sized, slanted, rotated, stretched and
    shaken at random, centred in pad coordinates (0..PAD_SIDE)."""
    low, high = _bounds(strokes)
    centre = (low + high) / 2.0
    height = max(float(high[1] - low[1]), float(high[0] - low[0]) * 0.5, 1e-6)
    target_height = rng.uniform(*variation.height)
    angle = np.radians(rng.uniform(-variation.rotation_degrees, variation.rotation_degrees))
    slant = rng.uniform(*variation.slant)
    aspect = rng.uniform(*variation.aspect)
    cos, sin = np.cos(angle), np.sin(angle)
    matrix = np.array([[cos, -sin], [sin, cos]]) @ np.array([[aspect, -slant], [0.0, 1.0]]) * (target_height / height)
    smooth = rng.random() < variation.smooth_probability
    varied = []
    for stroke in strokes:
        points = (stroke - centre) @ matrix.T
        points = points + rng.normal(0.0, variation.jitter * target_height, points.shape)
        varied.append(catmull_rom(points) if smooth else points)
    low, high = _bounds(varied)
    shrink = min(1.0, FITTING_SIDE / max(float((high - low).max()), 1e-6))
    middle = (low + high) / 2.0
    return [(points - middle) * shrink + PAD_SIDE / 2.0 for points in varied]


def render(strokes: StrokeArrays, pen_width: float) -> np.ndarray:
    """Pad-unit strokes -> the 28x28 float input the pad would give the model for them."""
    pad_strokes = [Stroke(tuple(map(tuple, points.tolist())), pen_width) for points in strokes if len(points)]
    rendering = np.asarray(render_strokes(pad_strokes), dtype=np.float32) * np.float32(1 / 255)
    return mnist_from_ink(rendering)


def render_varied(strokes: StrokeArrays, rng: np.random.Generator, variation: Variation = Variation()) -> np.ndarray:
    """One random rendering of a stroke digit, as a (28, 28) float32 MNIST-style input."""
    return render(vary(strokes, rng, variation), rng.uniform(*variation.pen_width))
