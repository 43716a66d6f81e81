"""Cutting a number's ink into digits, checked with an oracle scorer that knows which digit owns each pixel.

The digits are chosen by segment.choose_digits, exactly as reading a number does (number.finish_number), with
the oracle (or a made-up scorer) in place of the model.
"""

from __future__ import annotations

import numpy as np
import pytest

from digitpad.imaging.ink import NoDigitError, ink_map
from digitpad.reading.cuts import cut_columns, slice_indices
from digitpad.reading.segment import (
    IN_NUMBER,
    Piece,
    Segmentation,
    choose_digits,
    find_components,
    plan_segmentation,
    settled_plausibility,
    whole_is_candidate,
)
from tests.synthetic_numbers import make_number, oracle_scorer, random_numbers

NUMBER_COUNT = 150
# Share of numbers cut into exactly the right digits when the scorer is an oracle, measured on 300
# numbers each: 98.7% (2 digits), 96.3% (4), 94.3% (6). The rest are digits crossing each other.
ORACLE_CUT_ACCURACY = {2: 0.95, 4: 0.92, 6: 0.88}
SINGLE_DIGIT_COUNT = 2000
TOUCHING_PAIR_COUNT = 60
# Touching pairs beside a third digit cut right by the oracle: measured 94.8% on 500 numbers.
TOUCHING_CUT_ACCURACY = 0.85


def segment_digits(ink: np.ndarray, score) -> list[np.ndarray]:
    """The digits' ink maps, left to right, as choose_digits picks them when `score` rates the whole ink and
    then (unless that settles it) every candidate."""
    scored = []

    def recorded(inks):
        scored.extend(inks)
        return score(inks)

    chosen = choose_digits(ink, find_components(ink), np.asarray(score([ink]))[0], recorded)
    return [ink] if chosen is None else [scored[index] for index in chosen]


def owner_of(part: np.ndarray, number) -> int:
    """The true digit that owns most of a part's ink."""
    owned = np.bincount(number.owner.ravel() + 1, weights=part.ravel(), minlength=len(number.text) + 1)[1:]
    return int(np.argmax(owned))


def cut_right(number) -> bool:
    ink = ink_map(number.image)
    parts = segment_digits(ink, oracle_scorer(number, ink))
    return len(parts) == len(number.text) and [owner_of(part, number) for part in parts] == list(range(len(parts)))


@pytest.mark.parametrize("length", sorted(ORACLE_CUT_ACCURACY))
def test_numbers_are_cut_into_their_digits(mnist_test, length):
    x_test, y_test = mnist_test
    numbers = random_numbers(x_test, y_test, NUMBER_COUNT, length, seed=100 + length)
    accuracy = np.mean([cut_right(number) for number in numbers])
    assert accuracy >= ORACLE_CUT_ACCURACY[length]


def test_a_whole_component_is_always_a_candidate_digit(mnist_test):
    """However wide or however many slices it is cut into, one connected component can be read as one digit."""
    x_test, _ = mnist_test
    sliced = 0
    for digit in x_test[:SINGLE_DIGIT_COUNT]:
        ink = ink_map(digit)
        if len(find_components(ink).boxes) == 1:
            segmentation = plan_segmentation(ink)
            sliced += len(segmentation.pieces) > 1
            assert (0, len(segmentation.pieces)) in segmentation.candidates
    assert sliced > 0, "no digit was sliced: the check above saw only the trivial case"


def test_a_settled_whole_is_never_cut(mnist_test):
    """Whatever the scorer says of the parts, a whole more plausible than settled_plausibility stays one digit."""
    x_test, _ = mnist_test
    for digit in x_test[:SINGLE_DIGIT_COUNT]:
        ink = ink_map(digit)
        components = find_components(ink)
        if not whole_is_candidate(components):
            continue
        segmentation = plan_segmentation(ink)
        confidences = [1.0] * len(segmentation.candidates)
        whole = segmentation.candidates.index((0, len(segmentation.pieces)))
        confidences[whole] = settled_plausibility(components) * 1.001
        assert segmentation.choose(confidences) == [whole]


def test_single_digits_stay_single_with_the_oracle(mnist_test):
    x_test, y_test = mnist_test
    rng = np.random.default_rng(5)
    for index in range(0, SINGLE_DIGIT_COUNT, 4):
        number = make_number([x_test[index]], [y_test[index]], rng)
        ink = ink_map(number.image)
        assert len(segment_digits(ink, oracle_scorer(number, ink))) == 1


def test_chosen_parts_share_out_the_ink(mnist_test):
    x_test, y_test = mnist_test
    for number in random_numbers(x_test, y_test, 20, 4, seed=9):
        ink = ink_map(number.image)
        parts = segment_digits(ink, oracle_scorer(number, ink))
        total = np.sum(parts, axis=0)
        assert total.shape == ink.shape
        assert np.all(total <= ink + 1e-6)  # no pixel counted twice
        if len(parts) == len(number.text):
            assert total.sum() >= 0.97 * ink.sum()


def test_touching_digits_are_cut_apart(mnist_test):
    """Two touching digits (one connected component) followed by a third: the pair is cut in two."""
    x_test, y_test = mnist_test
    rng = np.random.default_rng(11)
    cut = []
    while len(cut) < TOUCHING_PAIR_COUNT:
        indices = rng.integers(0, len(x_test), size=3)
        number = make_number([x_test[i] for i in indices], [y_test[i] for i in indices], rng,
                             spacings=[rng.uniform(-0.06, -0.02), 0.4])
        ink = ink_map(number.image)
        if len(find_components(ink).boxes) == 2:  # the first two digits' ink touches
            cut.append(cut_right(number))
    assert np.mean(cut) >= TOUCHING_CUT_ACCURACY


def test_a_five_with_a_separate_bar_is_one_digit():
    ink = np.zeros((40, 40), dtype=np.float32)
    ink[8:10, 12:28] = 1.0  # the bar, not touching the body
    ink[12:20, 12:14] = 1.0  # the body: down, then the bowl
    ink[19:21, 12:26] = 1.0
    ink[20:32, 25:27] = 1.0
    ink[31:33, 10:26] = 1.0
    parts = segment_digits(ink, lambda inks: np.array([0.9 if ink_ is ink else 0.2 for ink_ in inks]))
    assert len(parts) == 1 and parts[0] is ink


def _strokes(height: int, width: int, *strokes: tuple[int, int, int, int]) -> np.ndarray:
    """An ink map with upright strokes at (top, bottom, left, right)."""
    ink = np.zeros((height, width), dtype=np.float32)
    for top, bottom, left, right in strokes:
        ink[top:bottom, left:right] = 1.0
    return ink


def _scorer(ink: np.ndarray, whole: float, part: float):
    """Confidences: all of `ink` is `whole` sure of its digit, any part of it `part` sure."""
    return lambda inks: np.array([whole if candidate is ink else part for candidate in inks])


def test_lone_ink_with_a_shorter_stroke_beside_it_is_one_digit():
    """A 4 drawn as "l1", or a digit with a scratch beside it: each part is a sure "1", yet the ink is no
    wider than a digit and one part is clearly shorter, so a fairly sure whole reading wins."""
    ink = _strokes(40, 30, (5, 25, 10, 13), (5, 35, 18, 21))
    assert find_components(ink).is_lone
    segmentation = plan_segmentation(ink)
    assert segmentation.lone_whole in segmentation.whole_only  # its pieces side by side: not a run
    parts = segment_digits(ink, _scorer(ink, whole=0.9, part=0.99))
    assert len(parts) == 1 and parts[0] is ink


def test_lone_ink_of_two_like_strokes_is_two_digits():
    """An "11": two strokes of like height stay two digits, however sure the whole reading."""
    ink = _strokes(40, 30, (5, 35, 8, 11), (5, 35, 20, 23))
    assert len(segment_digits(ink, _scorer(ink, whole=0.99, part=0.99))) == 2


def test_ink_wider_than_a_digit_is_not_weighed_as_one():
    """A shorter stroke beside a tall one, far apart: too wide for one digit, read as two as before."""
    ink = _strokes(40, 60, (5, 25, 5, 8), (5, 35, 45, 48))
    assert not find_components(ink).is_lone
    assert plan_segmentation(ink).lone_whole is None
    assert len(segment_digits(ink, _scorer(ink, whole=0.9, part=0.99))) == 2


def test_a_dash_between_digits_is_left_out(mnist_test):
    x_test, y_test = mnist_test
    rng = np.random.default_rng(12)
    number = make_number([x_test[0], x_test[1]], [y_test[0], y_test[1]], rng, spacing_range=(0.9, 0.9))
    image = number.image.copy()
    owner = number.owner.copy()
    first_right = np.flatnonzero((number.owner == 0).any(axis=0))[-1]
    second_left = np.flatnonzero((number.owner == 1).any(axis=0))[0]
    middle_row = image.shape[0] // 2
    image[middle_row - 1:middle_row + 1, first_right + 5:second_left - 5] = 255
    ink = ink_map(image)
    number = type(number)(image, number.text, owner)
    parts = segment_digits(ink, oracle_scorer(number, ink))
    assert [owner_of(part, number) for part in parts] == [0, 1]


def test_no_ink_is_no_digit():
    with pytest.raises(NoDigitError):
        plan_segmentation(np.zeros((30, 30), dtype=np.float32))


def test_cut_columns_find_the_joint_of_two_blocks():
    mask = np.zeros((20, 30), dtype=bool)
    mask[:, 2:13] = True
    mask[9:11, 13:17] = True  # a thin bridge
    mask[:, 17:28] = True
    cuts = cut_columns(mask)
    assert any(13 <= cut <= 16 for cut in cuts)
    slices = slice_indices(mask)
    assert slices[:, :13].max() < slices[:, 17:].min()


def _two_pieces(candidates, skippable=frozenset()) -> Segmentation:
    """Two pieces side by side (separate components, so no cut between them) and the given candidate runs."""
    pieces = (Piece(0, 20, 0, 10, 1), Piece(0, 20, 12, 22, 2))
    return Segmentation(np.ones((20, 22), np.float32), np.zeros((20, 22), np.int32), pieces, tuple(candidates),
                        frozenset(skippable), IN_NUMBER)


def test_choose_prefers_confident_parts_only_when_much_surer():
    candidates = [(0, 1), (1, 2), (0, 2)]
    assert _two_pieces(candidates).choose([0.99, 0.99, 0.9]) == [2]
    assert _two_pieces(candidates).choose([0.99, 0.99, 0.2]) == [0, 1]
    assert _two_pieces([(0, 1)], skippable={1}).choose([0.9]) == [0]
