"""Digit styles MNIST barely holds (slashed 0, flagged or footed 1, crossed 7, open 4, curled 9), drawn for training."""

from __future__ import annotations

from typing import Callable

import numpy as np
from PIL import Image, ImageDraw

from digitpad.imaging.preprocess import mnist_from_ink
from digitpad.training.handwriting import StrokeArrays

STYLES = ("slashed zero", "flagged one", "footed one", "crossed seven", "open four", "curled nine")
STYLE_DIGITS = {"slashed zero": 0, "flagged one": 1, "footed one": 1, "crossed seven": 7, "open four": 4,
                "curled nine": 9}
# Styles that are a feature added to an ordinary digit (the others are whole shapes, drawn from templates).
ADDED_FEATURES = ("slashed zero", "flagged one", "footed one", "crossed seven")
# MNIST images are worked on at this many times their size, so added strokes are as smooth as the digit's.
RASTER_SCALE = 4
RASTER_MARGIN = 8
# A flagged 1's flag, in degrees below the horizontal, and its least opening against the stem. Continental writers'
# flags run from short and steep to nearly as long as the stem and shallow (about 25 degrees) on an upright stem;
# on a leaning stem the shallowest flag rises by the lean, so that it never reads as a 7's bar.
FLAG_MIN_DEGREES = 22.0
UPRIGHT_STEM_DEGREES = 80.0
FLAG_MAX_DEGREES = 65.0
FLAG_MIN_OPENING_DEGREES = 25.0
# A flag's length, as a share of the 1's height.
FLAG_MIN_LENGTH = 0.15
FLAG_MAX_LENGTH = 0.6
# What is left of a 1's first stroke after its lead-in must span this share of its height to be its stem.
LEAD_IN_MIN_STEM = 0.6


def _line(start, end, count: int = 8) -> np.ndarray:
    t = np.linspace(0.0, 1.0, count)[:, None]
    return np.asarray(start, float) * (1 - t) + np.asarray(end, float) * t


def _arc(centre, radii, start_degrees, end_degrees, count: int = 16) -> np.ndarray:
    angles = np.radians(np.linspace(start_degrees, end_degrees, count))
    return np.stack([centre[0] + radii[0] * np.cos(angles), centre[1] + radii[1] * np.sin(angles)], axis=1)


# --- features as line segments in a digit's own box ------------------------------------------------------------
# Each takes the ink box (left, top, right, bottom), a function giving the ink's x centre at a height, and rng;
# it returns the feature's segments as lists of (x, y) points, and whether the first one leads into the digit's
# first stroke (a 1's flag is written in the same movement as its stem).

Box = tuple[float, float, float, float]


def _slash(box: Box, centre_x: Callable[[float], float], rng: np.random.Generator) -> tuple[list[np.ndarray], bool]:
    left, top, right, bottom = box
    height, width = bottom - top, max(right - left, (bottom - top) * 0.3)
    overshoot = rng.uniform(0.0, 0.18, 2) * height
    lean = rng.uniform(-0.15, 0.25) * width
    start = (left - lean + rng.uniform(-0.1, 0.15) * width, bottom + overshoot[0])
    end = (right + lean + rng.uniform(-0.15, 0.1) * width, top - overshoot[1])
    return [_line(start, end)], False


def _bar(box: Box, centre_x: Callable[[float], float], rng: np.random.Generator) -> tuple[list[np.ndarray], bool]:
    left, top, right, bottom = box
    height, width = bottom - top, right - left
    y = top + rng.uniform(0.42, 0.62) * height
    x = centre_x(y)
    half = rng.uniform(0.16, 0.32) * max(width, height * 0.6)
    skew = rng.uniform(-0.3, 0.6) * half
    tilt = rng.uniform(-0.08, 0.04) * height
    return [_line((x - half - skew * 0.3, y - tilt), (x + half + skew * 0.3, y + tilt))], False


def _flag(box: Box, centre_x: Callable[[float], float], rng: np.random.Generator) -> tuple[list[np.ndarray], bool]:
    """A continental 1's up-stroke: from below-left up to the top of the stem. It falls at least FLAG_MIN_DEGREES
    below the horizontal (more on a leaning stem) and, where it can, at least FLAG_MIN_OPENING_DEGREES less steeply
    than the stem, so that it never reads as a 7's bar (level, meeting a stem that leans away from it)."""
    left, top, right, bottom = box
    height = bottom - top
    x = centre_x(top + 0.02 * height)
    stem_degrees = float(np.degrees(np.arctan2(height, x - centre_x(bottom - 0.02 * height))))
    shallowest = FLAG_MIN_DEGREES + max(0.0, UPRIGHT_STEM_DEGREES - stem_degrees)
    steepest = max(shallowest, min(FLAG_MAX_DEGREES, stem_degrees - FLAG_MIN_OPENING_DEGREES))
    angle = np.radians(rng.uniform(shallowest, steepest))
    length = rng.uniform(FLAG_MIN_LENGTH, FLAG_MAX_LENGTH) * height
    start = (x - length * np.cos(angle), top + length * np.sin(angle))
    return [_line(start, (x, top))], rng.random() < 0.7


def _foot(box: Box, centre_x: Callable[[float], float], rng: np.random.Generator) -> tuple[list[np.ndarray], bool]:
    left, top, right, bottom = box
    height = bottom - top
    x = centre_x(bottom - 0.02 * height)
    half = rng.uniform(0.15, 0.32) * height
    lift = rng.uniform(-0.04, 0.04) * height
    return [_line((x - half, bottom + lift), (x + half * rng.uniform(0.8, 1.2), bottom - lift))], False


FEATURES = {"slashed zero": _slash, "flagged one": _flag, "footed one": _foot, "crossed seven": _bar}


# --- on strokes ------------------------------------------------------------------------------------------------

def without_lead_in(strokes: StrokeArrays) -> StrokeArrays:
    """The strokes without the first stroke's rise to its highest point: a 1's own flag, written in the same movement
    as its stem (a 1 without one starts at its top and loses nothing)."""
    first = strokes[0]
    top = int(np.argmin(first[:, 1]))
    every = np.concatenate(strokes)
    height = every[:, 1].max() - every[:, 1].min()
    stem_height = first[top:, 1].max() - first[top, 1]
    if top == 0 or stem_height < LEAD_IN_MIN_STEM * height:  # written bottom-up: the rise is the stem
        return list(strokes)
    return [first[top:], *strokes[1:]]


def add_feature_to_strokes(style: str, strokes: StrokeArrays, rng: np.random.Generator) -> StrokeArrays:
    """A stroke digit of the style's digit (a 0, 1 or 7) with the style's feature drawn on it; a flag replaces the
    writer's own one rather than doubling it."""
    if style == "flagged one":
        strokes = without_lead_in(strokes)
    every = np.concatenate(strokes)
    left, top = every.min(axis=0)
    right, bottom = every.max(axis=0)
    band = 0.08 * (bottom - top)

    def centre_x(y: float) -> float:
        near = every[np.abs(every[:, 1] - y) <= band]
        return float(np.median(near[:, 0])) if len(near) else float((left + right) / 2)

    segments, joined = FEATURES[style]((left, top, right, bottom), centre_x, rng)
    if joined:
        first = segments[0]
        return [np.concatenate([first, strokes[0]]), *strokes[1:], *segments[1:]]
    return [*strokes, *segments]


# --- on MNIST images -------------------------------------------------------------------------------------------

def _stroke_width(mask: np.ndarray) -> float:
    area = mask.sum()
    edges = np.count_nonzero(mask[1:] != mask[:-1]) + np.count_nonzero(mask[:, 1:] != mask[:, :-1])
    return float(2.0 * area / max(edges, 1))


def add_feature_to_image(style: str, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A 28x28 MNIST image (uint8 or float, white ink) of the style's digit -> the same digit with the feature,
    renormalised as a (28, 28) float32 MNIST-style input."""
    ink = np.asarray(image, dtype=np.float32)
    if ink.max() > 1.0:
        ink = ink / 255.0
    ink = np.pad(ink, RASTER_MARGIN)  # room for a slash or a flag that reaches past the digit
    side = ink.shape[0] * RASTER_SCALE
    big = np.asarray(Image.fromarray(ink).resize((side, side), Image.BILINEAR))
    mask = big > 0.5
    rows, columns = np.nonzero(mask)
    box = (float(columns.min()), float(rows.min()), float(columns.max()), float(rows.max()))
    band = max(2, int(0.08 * (box[3] - box[1])))

    def centre_x(y: float) -> float:
        near = columns[np.abs(rows - y) <= band]
        return float(np.median(near)) if len(near) else (box[0] + box[2]) / 2

    segments, _ = FEATURES[style](box, centre_x, rng)
    width = max(1, round(_stroke_width(mask) * rng.uniform(0.8, 1.15)))
    canvas = Image.new("F", (side, side), 0.0)
    draw = ImageDraw.Draw(canvas)
    for segment in segments:
        points = [tuple(point) for point in segment.tolist()]
        draw.line(points, fill=1.0, width=width, joint="curve")
        for x, y in (points[0], points[-1]):
            draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=1.0)
    combined = np.maximum(big, np.asarray(canvas))
    return mnist_from_ink(combined)


# --- whole shapes from templates -------------------------------------------------------------------------------

def _open_four(rng: np.random.Generator) -> StrokeArrays:
    """A 4 with an open top: one stroke down-right-up then the stem, or the left part and the stem apart,
    the bend square or round (like the letter "ɥ"), the left arm straight or leaning."""
    arm_x = rng.uniform(0.0, 0.15)
    stem_x = rng.uniform(0.45, 0.7)
    bend_y = rng.uniform(0.45, 0.68)
    top = rng.uniform(0.0, 0.12)
    lean = rng.uniform(-0.05, 0.2)
    bar_end = stem_x + rng.uniform(0.0, 0.18)
    stem_top = rng.uniform(0.0, 0.25)
    if rng.random() < 0.5:  # round bend, "ɥ"
        radius = rng.uniform(0.12, 0.25)
        left = np.concatenate([_line((arm_x + lean, top), (arm_x, bend_y - radius), 5),
                               _arc((arm_x + radius, bend_y - radius), (radius, radius), 180, 90, 8)[1:],
                               _line((arm_x + radius, bend_y), (bar_end, bend_y - rng.uniform(0.0, 0.05)), 5)[1:]])
    else:
        left = np.concatenate([_line((arm_x + lean, top), (arm_x, bend_y), 6),
                               _line((arm_x, bend_y), (bar_end, bend_y - rng.uniform(-0.03, 0.05)), 6)[1:]])
    stem = _line((stem_x + rng.uniform(-0.03, 0.05), stem_top), (stem_x - rng.uniform(-0.05, 0.08), 1.0), 8)
    if rng.random() < 0.45:  # one movement: up the right side to the top, then down the stem
        up = _line(left[-1], stem[0], 6)[1:]
        return [np.concatenate([left, up, stem[1:]])]
    return [left, stem]


def _curled_nine(rng: np.random.Generator) -> StrokeArrays:
    """A 9 with a flattened or pointed loop and a straight, hooked or curled tail."""
    loop_width = rng.uniform(0.22, 0.34)
    loop_height = loop_width * rng.uniform(0.45, 1.0)
    centre = (0.32, loop_height + rng.uniform(0.0, 0.05))
    start = rng.uniform(-20, 30)
    loop = _arc(centre, (loop_width, loop_height), start, start - 360, 20)
    right = centre[0] + loop_width * rng.uniform(0.85, 1.0)
    tail_bottom = rng.uniform(0.88, 1.0)
    tail = _line((right, centre[1]), (right - rng.uniform(0.0, 0.18), tail_bottom * 0.8), 6)
    kind = rng.integers(3)
    if kind == 0:  # straight tail
        tail = _line((right, centre[1]), (right - rng.uniform(0.0, 0.25), tail_bottom), 8)
    elif kind == 1:  # hooked to the left at the bottom
        hook = _arc((tail[-1, 0] - 0.14, tail[-1, 1]), (0.14, tail_bottom - tail[-1, 1] + 0.02), 0, 150, 8)
        tail = np.concatenate([tail, hook[1:]])
    else:  # a full curl
        radius = rng.uniform(0.08, 0.14)
        curl = _arc((tail[-1, 0] - radius, tail[-1, 1]), (radius, radius), 0, rng.uniform(200, 300), 10)
        tail = np.concatenate([tail, curl[1:]])
    return [np.concatenate([loop, tail[1:]])]


def _crossed_seven(rng: np.random.Generator) -> StrokeArrays:
    """A 7 with a curved or straight stem, a flick at the start of the top bar, and a bar through the stem."""
    top_y = rng.uniform(0.0, 0.06)
    bar = _line((0.0, top_y + rng.uniform(-0.05, 0.1)), (0.6, top_y), 6)
    if rng.random() < 0.4:  # a small down-flick at the start
        bar = np.concatenate([_line((rng.uniform(0.0, 0.05), top_y + rng.uniform(0.08, 0.2)), bar[0], 3), bar[1:]])
    bottom_x = rng.uniform(0.1, 0.35)
    bend = rng.uniform(-0.12, 0.12)
    t = np.linspace(0.0, 1.0, 10)
    stem = np.stack([0.6 + (bottom_x - 0.6) * t + bend * np.sin(np.pi * t), top_y + (1.0 - top_y) * t], axis=1)
    strokes = [np.concatenate([bar, stem[1:]])]
    segments, _ = _bar((0.0, top_y, 0.6, 1.0), lambda y: float(np.interp(y, stem[:, 1], stem[:, 0])), rng)
    return strokes + segments


def _slashed_zero(rng: np.random.Generator) -> StrokeArrays:
    width = rng.uniform(0.25, 0.45)
    start = rng.uniform(-120, -60)
    oval = _arc((0.0, 0.5), (width / 2, 0.5), start, start + rng.choice([360, -360]) + rng.uniform(-10, 25), 24)
    segments, _ = _slash((-width / 2, 0.0, width / 2, 1.0), lambda y: 0.0, rng)
    return [oval, *segments]


def _flagged_one(rng: np.random.Generator) -> StrokeArrays:
    stem = _line((rng.uniform(-0.05, 0.1), 0.0), (0.0, 1.0), 8)
    segments, joined = _flag((-0.02, 0.0, 0.02, 1.0), lambda y: float(np.interp(y, stem[:, 1], stem[:, 0])), rng)
    strokes = [np.concatenate([segments[0], stem[1:]])] if joined else [segments[0], stem]
    if rng.random() < 0.3:
        strokes += _foot((-0.02, 0.0, 0.02, 1.0), lambda y: 0.0, rng)[0]
    return strokes


def _footed_one(rng: np.random.Generator) -> StrokeArrays:
    stem = _line((rng.uniform(-0.05, 0.1), 0.0), (0.0, 1.0), 8)
    return [stem, *_foot((-0.02, 0.0, 0.02, 1.0), lambda y: 0.0, rng)[0]]


TEMPLATES: dict[str, Callable[[np.random.Generator], StrokeArrays]] = {
    "slashed zero": _slashed_zero, "flagged one": _flagged_one, "footed one": _footed_one,
    "crossed seven": _crossed_seven, "open four": _open_four, "curled nine": _curled_nine,
}


def template_strokes(style: str, rng: np.random.Generator) -> StrokeArrays:
    """A random stroke digit of `style` in template units (about one unit tall, y down)."""
    return TEMPLATES[style](rng)
