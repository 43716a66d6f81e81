"""Grouping pad strokes into digits: multi-stroke digits stay whole, neighbouring digits stay apart."""

from __future__ import annotations

import numpy as np
import pytest

from digitpad.reading.stroke_groups import group_strokes
from tests.synthetic_strokes import TEMPLATES, draw_number, pen_width_for

NUMBER_COUNT = 600
# Measured on 2,000 numbers of 2 to 6 digits: 100.0% with spaced digits, 98.8% with up to 4% overlap.
SPACED_GROUPING_ACCURACY = 0.995
OVERLAPPING_GROUPING_ACCURACY = 0.97


def random_stroke_numbers(count: int, seed: int, spacing_range):
    rng = np.random.default_rng(seed)
    names = list(TEMPLATES)
    return [draw_number(list(rng.choice(names, size=rng.integers(2, 7))), rng, spacing_range=spacing_range)
            for _ in range(count)]


def grouping_accuracy(numbers) -> float:
    return float(np.mean([group_strokes(number.strokes, pen_width_for(number)) == number.groups for number in numbers]))


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_alone_is_one_digit(name):
    rng = np.random.default_rng(0)
    for _ in range(20):
        number = draw_number([name], rng)
        assert group_strokes(number.strokes, pen_width_for(number)) == [list(range(len(number.strokes)))]


@pytest.mark.parametrize("name", ["1 flag", "4", "5", "7 bar", "7 two", "8"])
def test_multi_stroke_digit_between_neighbours(name):
    """A 5's bar drawn after the body, a 4 or 7 in two strokes, a 1 with a flag: one digit, beside others."""
    rng = np.random.default_rng(1)
    for _ in range(30):
        number = draw_number(["3", name, "0"], rng, spacing_range=(0.05, 0.3))
        assert group_strokes(number.strokes, pen_width_for(number)) == number.groups


def test_five_bar_drawn_after_all_the_bodies():
    rng = np.random.default_rng(2)
    number = draw_number(["5", "5", "5"], rng, spacing_range=(0.1, 0.2))
    bodies, bars = number.strokes[0::2], number.strokes[1::2]
    reordered = bodies + bars  # people sometimes add every bar at the end
    groups = group_strokes(reordered, pen_width_for(number))
    assert groups == [[0, 3], [1, 4], [2, 5]]


def test_spaced_numbers_are_grouped_right():
    numbers = random_stroke_numbers(NUMBER_COUNT, seed=3, spacing_range=(0.0, 0.3))
    assert grouping_accuracy(numbers) >= SPACED_GROUPING_ACCURACY


def test_touching_and_slightly_overlapping_digits_stay_apart():
    numbers = random_stroke_numbers(NUMBER_COUNT, seed=4, spacing_range=(-0.04, 0.3))
    assert grouping_accuracy(numbers) >= OVERLAPPING_GROUPING_ACCURACY


def test_groups_are_left_to_right_whatever_the_drawing_order():
    rng = np.random.default_rng(5)
    number = draw_number(["2", "0", "2", "6"], rng, spacing_range=(0.1, 0.2))
    backwards = number.strokes[::-1]
    assert group_strokes(backwards, pen_width_for(number)) == [[3], [2], [1], [0]]


def test_a_dash_between_digits_is_a_mark():
    rng = np.random.default_rng(6)
    number = draw_number(["5", "7"], rng, spacing_range=(0.8, 0.8), jitter=0.0)
    pen = pen_width_for(number)
    gap_left = max(x for stroke in number.strokes[:2] for x, _ in stroke) + 2 * pen
    gap_right = min(x for x, _ in number.strokes[2]) - 2 * pen
    middle = 0.5 * (min(y for _, y in number.strokes[2]) + max(y for _, y in number.strokes[2]))
    strokes = number.strokes[:2] + [[(gap_left, middle), (gap_right, middle)]] + number.strokes[2:]
    assert group_strokes(strokes, pen) == [[0, 1], [2], [3]]
    assert group_strokes(strokes, pen, drop_marks=True) == [[0, 1], [3]]


def test_pad_stroke_objects_and_their_own_widths():
    from digitpad.reading.strokes import Stroke

    rng = np.random.default_rng(7)
    number = draw_number(["4", "7 bar"], rng, spacing_range=(0.1, 0.2))
    pad_strokes = [Stroke(tuple(points), 6.0) for points in number.strokes]
    assert group_strokes(pad_strokes, 40.0) == number.groups


def test_nothing_to_group():
    assert group_strokes([], 10.0) == []
    assert group_strokes([[(10.0, 10.0)]], 10.0) == [[0]]
