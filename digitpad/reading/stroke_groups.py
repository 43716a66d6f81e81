"""Group the pad's strokes into digits, left to right, from their extents and drawing order (pure functions).

Tall strokes are one digit when most of one lies within the other's columns (a 4 or a 7 in two strokes, an
8 in two loops); short strokes (a 5's bar, a 7's cross-bar, a 1's flag) join a digit they touch, the one
drawn just before or after them first, else the nearest that shares their columns; a short stroke near no
digit (a dash) is a mark. Digits that touch or overlap a little stay apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

# A stroke shorter than this share of the tallest stroke is part of a digit, never a digit by itself.
FRAGMENT_HEIGHT_FRACTION = 0.35
# Tall strokes (or digits) are one digit when this share of one's length lies within the other's columns.
JOIN_OVERLAP_FRACTION = 0.6
# Strokes are compared through this many points spread evenly along their length.
RESAMPLED_POINTS = 32
# A short stroke's ink touches a digit's when the gap between them is below this (times the tallest stroke).
TOUCH_TOLERANCE_FRACTION = 0.04
# A short stroke that touches no digit joins the nearest one sharing its columns, if no farther than this
# (times the tallest stroke); otherwise it is a mark of its own (a dash, a dot).
MAXIMUM_FRAGMENT_GAP_FRACTION = 0.35

Point = tuple[float, float]


@dataclass(frozen=True)
class Box:
    """The ink box of strokes (pen width included), in pad units."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def centre(self) -> float:
        return (self.left + self.right) / 2.0

    def union(self, other: Box) -> Box:
        return Box(min(self.left, other.left), min(self.top, other.top),
                   max(self.right, other.right), max(self.bottom, other.bottom))

    def column_overlap(self, other: Box) -> float:
        return max(0.0, min(self.right, other.right) - max(self.left, other.left))


def stroke_points(stroke) -> Sequence[Point]:
    """The points of a stroke given as a sequence of (x, y) or as an object with `.points` (the pad's Stroke)."""
    return getattr(stroke, "points", stroke)


def stroke_width(stroke, pen_width: float) -> float:
    """The stroke's own pen width when it carries one (the pad's Stroke), else `pen_width`."""
    return float(getattr(stroke, "width", pen_width))


def stroke_box(stroke, pen_width: float) -> Box:
    points = stroke_points(stroke)
    radius = stroke_width(stroke, pen_width) / 2.0
    xs = [float(x) for x, _ in points]
    ys = [float(y) for _, y in points]
    return Box(min(xs) - radius, min(ys) - radius, max(xs) + radius, max(ys) + radius)


def union_box(boxes: Iterable[Box]) -> Box:
    boxes = list(boxes)
    result = boxes[0]
    for box in boxes[1:]:
        result = result.union(box)
    return result


def resample(stroke, count: int = RESAMPLED_POINTS) -> np.ndarray:
    """`count` (x, y) points spread evenly along the stroke's length."""
    points = np.asarray(stroke_points(stroke), dtype=np.float64).reshape(-1, 2)
    lengths = np.concatenate(([0.0], np.cumsum(np.hypot(*np.diff(points, axis=0).T))))
    if lengths[-1] <= 0:
        return np.repeat(points[:1], count, axis=0)
    positions = np.linspace(0.0, lengths[-1], count)
    return np.column_stack([np.interp(positions, lengths, points[:, 0]), np.interp(positions, lengths, points[:, 1])])


def _share_within(xs: np.ndarray, other_xs: np.ndarray) -> float:
    """The share of points `xs` that lie within the columns spanned by `other_xs`."""
    return float(np.mean((xs >= other_xs.min()) & (xs <= other_xs.max())))


def _same_digit(xs: np.ndarray, other_xs: np.ndarray) -> bool:
    """Tall strokes (or digits) are one digit when most of either lies within the other's columns."""
    return max(_share_within(xs, other_xs), _share_within(other_xs, xs)) >= JOIN_OVERLAP_FRACTION


@dataclass(frozen=True)
class _Shape:
    """What grouping needs to know of one stroke."""

    box: Box
    points: np.ndarray
    width: float


def group_strokes(strokes: Sequence, pen_width: float, drop_marks: bool = False) -> list[list[int]]:
    """Indices of the strokes of each digit, digits left to right, strokes in drawing order.

    `strokes` are in drawing order; each is a sequence of (x, y) points or the pad's Stroke (whose own
    width wins over `pen_width`). Short strokes far from every digit (a dash, a dot) are marks: a group of
    their own, or left out with `drop_marks`. The tallest stroke is never a mark.
    """
    strokes = [stroke for stroke in strokes if len(stroke_points(stroke))]
    if not strokes:
        return []
    shapes = [_Shape(stroke_box(stroke, pen_width), resample(stroke), stroke_width(stroke, pen_width))
              for stroke in strokes]
    tallest = max(shape.box.height for shape in shapes)
    is_fragment = [shape.box.height < FRAGMENT_HEIGHT_FRACTION * tallest for shape in shapes]
    groups: list[list[int]] = []
    for index in (index for index in range(len(shapes)) if not is_fragment[index]):
        # The latest drawn digit first: a digit's strokes usually follow each other.
        target = next((group for group in reversed(groups) if _same_digit(
            shapes[index].points[:, 0], np.concatenate([shapes[member].points[:, 0] for member in group]))), None)
        if target is None:
            groups.append([index])
        else:
            target.append(index)
    groups = _merge_overlapping(groups, shapes)
    for index in (index for index in range(len(shapes)) if is_fragment[index]):
        target = _fragment_target(index, groups, shapes, tallest)
        if target is None:
            groups.append([index])  # a mark, for now: later short strokes may join it
        else:
            groups[target].append(index)
    spans = [union_box(shapes[member].box for member in group) for group in groups]
    if drop_marks:
        groups = [group for group, span in zip(groups, spans) if span.height >= FRAGMENT_HEIGHT_FRACTION * tallest]
        spans = [span for span in spans if span.height >= FRAGMENT_HEIGHT_FRACTION * tallest]
    order = sorted(range(len(groups)), key=lambda group: spans[group].centre)
    return [sorted(groups[group]) for group in order]


def _merge_overlapping(groups: list[list[int]], shapes: Sequence[_Shape]) -> list[list[int]]:
    """Join digits that have become one by the rule of `_same_digit`, until none do."""
    merged = True
    while merged:
        merged = False
        group_xs = [np.concatenate([shapes[member].points[:, 0] for member in group]) for group in groups]
        for first in range(len(groups)):
            for second in range(first + 1, len(groups)):
                if _same_digit(group_xs[first], group_xs[second]):
                    groups[first] = groups[first] + groups.pop(second)
                    merged = True
                    break
            if merged:
                break
    return groups


def _fragment_target(index: int, groups: Sequence[list[int]], shapes: Sequence[_Shape], tallest: float) -> int | None:
    """The digit a short stroke belongs to, or None for a mark.

    Among the digits its ink touches, the one drawn just before or after it, then the one it overlaps
    most (centre lines closest); touching none, the nearest that shares columns with it, if it is within
    MAXIMUM_FRAGMENT_GAP_FRACTION of the tallest stroke (a dash between two digits shares none: a mark).
    """
    if not groups:
        return None
    shape = shapes[index]
    distances, touching = [], []
    for group_index, group in enumerate(groups):
        nearest = min(float(np.min(np.hypot(*(shape.points[:, np.newaxis, :] - shapes[member].points).transpose(2, 0, 1))))
                      - (shape.width + shapes[member].width) / 2.0 for member in group)
        distances.append(nearest)
        if nearest <= TOUCH_TOLERANCE_FRACTION * tallest:
            touching.append(group_index)
    if touching:
        def preference(group_index: int):
            group = groups[group_index]
            drawn_next_to = index - 1 in group or index + 1 in group
            return (drawn_next_to, -distances[group_index], max(group))

        return max(touching, key=preference)
    overlapping = [group_index for group_index, group in enumerate(groups)
                   if union_box(shapes[member].box for member in group).column_overlap(shape.box) > 0]
    if not overlapping:
        return None
    nearest_group = min(overlapping, key=lambda group_index: distances[group_index])
    if distances[nearest_group] > MAXIMUM_FRAGMENT_GAP_FRACTION * tallest:
        return None
    return nearest_group
