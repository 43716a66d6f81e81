"""The pad's editable content: the strokes drawn so far, the one being drawn, undo and clear."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from digitpad.reading.strokes import DEFAULT_PEN_WIDTH, Point, Stroke, clamp_point, clamp_width

MINIMUM_POINT_DISTANCE = 0.75
"""Motion closer than this (in pad units) to the previous point adds no point."""


@dataclass
class PadContent:
    """The strokes on the pad, the one being drawn, and a revision number that changes with every edit."""

    strokes: list[Stroke] = field(default_factory=list)
    revision: int = 0
    _current_points: list[Point] | None = None
    _current_width: float = DEFAULT_PEN_WIDTH

    @property
    def is_drawing(self) -> bool:
        return self._current_points is not None

    @property
    def is_empty(self) -> bool:
        return not self.strokes and not self._current_points

    @property
    def current_points(self) -> tuple[Point, ...]:
        return tuple(self._current_points or ())

    def begin_stroke(self, point: Point, width: float) -> None:
        """Put the pen down; an unfinished stroke is finished first."""
        if self.is_drawing:
            self.end_stroke()
        self._current_points = [clamp_point(point)]
        self._current_width = clamp_width(width)
        self.revision += 1

    def extend_stroke(self, point: Point) -> Point | None:
        """Add a point to the stroke being drawn; returns it, or None when it is too close to the last one."""
        if self._current_points is None:
            return None
        point = clamp_point(point)
        last = self._current_points[-1]
        if math.dist(last, point) < MINIMUM_POINT_DISTANCE:
            return None
        self._current_points.append(point)
        self.revision += 1
        return point

    def end_stroke(self) -> Stroke | None:
        """Lift the pen; the stroke joins the list and is returned."""
        if self._current_points is None:
            return None
        stroke = Stroke(tuple(self._current_points), self._current_width)
        self.strokes.append(stroke)
        self._current_points = None
        self.revision += 1
        return stroke

    def undo(self) -> Stroke | None:
        """Remove the last finished stroke (or drop the one being drawn); returns what was removed."""
        if self._current_points is not None:
            removed = Stroke(tuple(self._current_points), self._current_width)
            self._current_points = None
        elif self.strokes:
            removed = self.strokes.pop()
        else:
            return None
        self.revision += 1
        return removed

    def clear(self) -> bool:
        """Remove every stroke; returns whether there was anything to remove."""
        if self.is_empty:
            return False
        self.strokes.clear()
        self._current_points = None
        self.revision += 1
        return True

    def snapshot(self) -> tuple[Stroke, ...]:
        """An immutable copy of all strokes (the one being drawn included), safe to hand to another thread."""
        if self._current_points:
            return (*self.strokes, Stroke(tuple(self._current_points), self._current_width))
        return tuple(self.strokes)
