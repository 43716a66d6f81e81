"""Numbers on the pad that stroke grouping alone gets wrong: several digits in one stroke, one digit in two (issue 12)."""

from __future__ import annotations

import math

from digitpad.reading.number import read_strokes


def _loop(centre_x: float, centre_y: float, radius_x: float, radius_y: float, start: float = 90.0) -> list:
    return [(centre_x + radius_x * math.cos(math.radians(start + step * 10)),
             centre_y - radius_y * math.sin(math.radians(start + step * 10))) for step in range(37)]


def test_two_zeros_in_one_stroke_read_as_00(bundled_predictor):
    stroke = _loop(80, 140, 45, 80) + _loop(190, 140, 45, 80)  # no pen-up between the loops
    assert read_strokes([stroke], 14.0, bundled_predictor).text == "00"


def test_three_zeros_in_one_stroke_read_as_000(bundled_predictor):
    """Segmentation alone read this "90"; the number reader reads the whole stroke."""
    stroke = _loop(60, 140, 35, 70) + _loop(150, 140, 35, 70) + _loop(240, 140, 35, 70)
    reading = read_strokes([stroke], 14.0, bundled_predictor)
    assert reading.text == "000"
    # What the window shows for each digit is the whole zero, not the sliver where the reader spotted it.
    for digit in reading.digits:
        inked_columns = (digit.model_input.max(axis=0) > 0.5).sum()
        assert inked_columns >= 8, inked_columns


def test_an_open_four_in_two_strokes_that_do_not_meet_is_one_4(bundled_predictor):
    arm = [(95, 40), (85, 90), (75, 140), (110, 142), (150, 142)]
    stem = [(172, 50), (172, 150), (172, 250)]
    reading = read_strokes([arm, stem], 16.0, bundled_predictor)
    assert reading.text == "4"


def test_two_ones_side_by_side_stay_two_digits(bundled_predictor):
    assert read_strokes([[(100, 40), (100, 240)], [(180, 40), (180, 240)]], 16.0, bundled_predictor).text == "11"


def test_a_five_whose_hooked_bar_reaches_across_it_is_one_5(bundled_predictor):
    """A 5 whose bar starts with a hook is two stroke groups (the bar is taller than a part of a digit may be, and
    neither stroke lies mostly within the other's columns); they overlap far more than digits side by side do, and
    read together as a 5 (read "55" before SPLIT_DIGIT_OVERLAP)."""
    from digitpad.reading.stroke_groups import group_strokes

    bowl = [(180 + 85 * math.cos(math.radians(-150 + 290 * step / 14)),
             185 + 55 * math.sin(math.radians(-150 + 290 * step / 14))) for step in range(15)]
    body = [(112, 62), (106, 135)] + bowl[1:]
    bar = [(88, 140), (90, 60), (200, 50)]
    assert len(group_strokes([body, bar], 16.0, drop_marks=True)) == 2
    assert read_strokes([body, bar], 16.0, bundled_predictor).text == "5"
