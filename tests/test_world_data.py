"""Training data beyond MNIST: the pen digits loader, pad-like rendering, style variants, fonts, reproducibility."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from digitpad.imaging.preprocess import mnist_input
from digitpad.reading.strokes import Stroke, render_strokes
from digitpad.training import fonts, handwriting, styles
from digitpad.training.config import DataConfig
from digitpad.training.pendigits import TEST_WRITERS, VALIDATION_WRITERS, PendigitsUnavailableError, load_pendigits
from digitpad.training.training_data import BREAKABLE, build_world_data, split_mnist_training
from tests.data_paths import PENDIGITS



@pytest.fixture(scope="module")
def pen():
    if not PENDIGITS.is_file():
        pytest.fail(f"pen digits not found at {PENDIGITS}: set DIGITPAD_PENDIGITS")
    return load_pendigits(PENDIGITS)


def write_pen_file(path: Path, digits: list[tuple[int, int, list[list[tuple[int, int]]]]]) -> None:
    """A pen digits .npz in the shared format from (label, writer, strokes) triples."""
    strokes = [stroke for _, _, digit_strokes in digits for stroke in digit_strokes]
    np.savez(path, labels=np.array([label for label, _, _ in digits], np.uint8),
             writer=np.array([writer for _, writer, _ in digits], np.int16),
             strokes_per_digit=np.array([len(digit_strokes) for _, _, digit_strokes in digits], np.int32),
             points_per_stroke=np.array([len(stroke) for stroke in strokes], np.int32),
             xy=np.array([point for stroke in strokes for point in stroke], np.int16).reshape(-1, 2))


def test_loader_keeps_each_digits_strokes_in_order(tmp_path):
    path = tmp_path / "pen.npz"
    four = [[(10, 0), (0, 60), (50, 60)], [(40, 10), (40, 100)]]
    one = [[(5, 0), (5, 100)]]
    write_pen_file(path, [(4, 7, four), (1, 9, one)])
    pen = load_pendigits(path)
    assert list(pen.labels) == [4, 1] and list(pen.writers) == [7, 9]
    assert len(pen.strokes[0]) == 2 and len(pen.strokes[1]) == 1
    assert pen.strokes[0][1].tolist() == [[40, 10], [40, 100]]
    assert pen.strokes[1][0].tolist() == [[5, 0], [5, 100]]


def test_loader_errors_say_what_is_wrong(tmp_path, monkeypatch):
    monkeypatch.delenv("DIGITPAD_PENDIGITS", raising=False)
    with pytest.raises(PendigitsUnavailableError, match="--pendigits"):
        load_pendigits()
    with pytest.raises(PendigitsUnavailableError, match="not found"):
        load_pendigits(tmp_path / "none.npz")
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, labels=np.zeros(2))
    with pytest.raises(PendigitsUnavailableError, match="missing writer"):
        load_pendigits(wrong)
    broken = tmp_path / "broken.npz"
    write_pen_file(broken, [(1, 1, [[(0, 0), (0, 9)]])])
    with np.load(broken) as data:
        arrays = dict(data)
    arrays["points_per_stroke"] = np.array([5], np.int32)
    np.savez(broken, **arrays)
    with pytest.raises(PendigitsUnavailableError, match="do not add up"):
        load_pendigits(broken)


def test_the_shared_file_splits_by_whole_writers(pen):
    assert len(pen) == 7494 and set(np.unique(pen.writers)) == set(range(1, 31))
    train, validation, test = pen.split()
    assert set(np.unique(test.writers)) == set(TEST_WRITERS)
    assert set(np.unique(validation.writers)) == set(VALIDATION_WRITERS)
    assert not set(np.unique(train.writers)) & (set(TEST_WRITERS) | set(VALIDATION_WRITERS))
    assert len(train) + len(validation) + len(test) == len(pen)


def test_pen_digits_render_like_the_pad(pen):
    """Rendering unvaried strokes gives exactly what the pad gives for the same strokes (and nearly what an image of
    the pad gives: that is cleaned at half size, ink.DRAFT_SIZE)."""
    from digitpad.inference.predictor import BasePredictor
    from digitpad.reading.number import read_strokes

    class Uniform(BasePredictor):
        def predict_inputs(self, inputs):
            return np.full((len(inputs), 10), 0.1, np.float32)

    strokes = handwriting.vary(pen.strokes[0], np.random.default_rng(1),
                               handwriting.Variation(slant=(0, 0), rotation_degrees=0, jitter=0, smooth_probability=0))
    pad_strokes = [Stroke(tuple(map(tuple, points.tolist())), 18.0) for points in strokes]
    pad_input = read_strokes(pad_strokes, 18.0, Uniform(), single_digit=True).digits[0].model_input
    assert np.allclose(handwriting.render(strokes, 18.0), pad_input, atol=1e-6)
    assert np.abs(handwriting.render(strokes, 18.0) - mnist_input(np.asarray(render_strokes(pad_strokes)))).mean() < 0.04
    rendered = handwriting.render_varied(pen.strokes[0], np.random.default_rng(2))
    assert rendered.shape == (28, 28) and rendered.max() > 0.9
    centre = np.array(np.nonzero(rendered > 0.1)).mean(axis=1)
    assert np.all(np.abs(centre - 14) < 3)


@pytest.mark.parametrize("style", styles.ADDED_FEATURES)
def test_added_features_add_ink_where_expected(style, mnist_test, pen):
    x_test, y_test = mnist_test
    digit = styles.STYLE_DIGITS[style]
    image = x_test[np.flatnonzero(y_test == digit)[0]]
    rng = np.random.default_rng(3)
    plain = mnist_input(image)
    changed = styles.add_feature_to_image(style, image, rng)
    assert changed.shape == (28, 28)
    assert np.abs(changed - plain).sum() > 15  # a visible new stroke, not noise
    strokes = pen.strokes[int(np.flatnonzero(pen.labels == digit)[0])]
    featured = styles.add_feature_to_strokes(style, strokes, rng)
    base = styles.without_lead_in(strokes) if style == "flagged one" else strokes  # a flag replaces the writer's own
    added = sum(len(points) for points in featured) - sum(len(points) for points in base)
    assert added >= 2



def test_a_flag_replaces_the_writers_own_one(pen):
    """Most pen 1s start with the writer's own flag; the flagged-one variant swaps it for a drawn one (one flag, not
    two). A 1 written from its top, or from the bottom up, keeps its whole stem."""
    rng = np.random.default_rng(11)
    ones = [pen.strokes[int(index)] for index in np.flatnonzero(pen.labels == 1)[:40]]
    with_own_flag = [strokes for strokes in ones if int(np.argmin(strokes[0][:, 1])) > 0]
    assert len(with_own_flag) >= 30
    for strokes in with_own_flag:
        top = int(np.argmin(strokes[0][:, 1]))
        stem = strokes[0][top:]
        featured = styles.add_feature_to_strokes("flagged one", strokes, rng)
        every_point = np.concatenate(featured)
        own_flag = strokes[0][:top]
        assert not any((every_point == point).all(axis=1).any() for point in own_flag
                       if not (stem == point).all(axis=1).any())
        # The stem is kept whole, led into by the drawn flag or beside it as its own stroke.
        assert any(len(points) >= len(stem) and np.array_equal(points[-len(stem):], stem) for points in featured)
    stem = np.array([[0.0, 0.0], [0.0, 50.0], [0.0, 100.0]])
    assert styles.without_lead_in([stem])[0] is stem
    bottom_up = stem[::-1].copy()
    assert np.array_equal(styles.without_lead_in([bottom_up])[0], bottom_up)


def test_fonts_are_grouped_by_design_and_held_out_whole():
    found = fonts.find_fonts()
    if not found:
        pytest.fail("no fonts with digits installed: run .ci/install (it installs digitpad.training.fonts.FONT_PACKAGES)")
    groups = {split: {font.design_group for font in found if font.split == split} for split in ("train", "validation", "test")}
    assert groups["test"] and groups["train"]
    assert not groups["test"] & groups["train"] and not groups["validation"] & groups["train"]
    assert fonts.Font(Path("x.ttf"), "Arimo", "Bold").design_group == fonts.Font(Path("y.ttf"), "Liberation Sans", "").design_group
    assert all(not fonts.EXCLUDED_FAMILY.search(font.family) for font in found)
    digit = fonts.render_digit(found[0].path, 7, np.random.default_rng(5))
    assert digit.shape == (28, 28) and digit.max() > 0.9


def test_without_fonts_training_data_warns_and_goes_on(mnist_path, monkeypatch):
    from digitpad.training.mnist import load_mnist

    monkeypatch.setattr(fonts, "FONT_DIRECTORIES", ())
    with pytest.warns(UserWarning, match="apt-get install fonts-"):
        data = build_world_data(load_mnist(mnist_path), None, DataConfig(), seed=1, limit=200,
                                processes=1)
    assert "fonts" not in data.train and any("no pen digits" in note for note in data.notes)


def test_world_data_is_the_same_for_a_seed(mnist_path, pen):
    from digitpad.training.mnist import load_mnist

    mnist = load_mnist(mnist_path)
    small = DataConfig(pen_renders=1, style_from_mnist=40, style_from_pen=20, style_from_templates=20, font_renders=1,
                       evaluation_renders=1, evaluation_style_count=20, broken_from_pen=30, evaluation_broken_count=10,
                       thick_pen_renders=1)
    few_writers = pen.select(np.isin(np.arange(len(pen)), np.arange(0, len(pen), 25)))
    first = build_world_data(mnist, few_writers, small, seed=5, limit=300)
    again = build_world_data(mnist, few_writers, small, seed=5, limit=300, processes=1)
    other = build_world_data(mnist, few_writers, small, seed=6, limit=300)
    assert set(first.train) == {"mnist", "pen", "thick pen", "broken", "styles", "fonts"}
    # The thick brush renders the same training writers' digits again, with their own random draws.
    assert np.array_equal(first.train["thick pen"].y, first.train["pen"].y)
    assert not np.array_equal(first.train["thick pen"].x, first.train["pen"].x)
    for split in (first.validation, first.test):
        assert np.array_equal(split["pen writers, thick brush"].y, split["pen writers"].y)
    assert set(first.train["broken"].y) <= set(BREAKABLE) and len(first.train["broken"]) >= 1
    for name in first.train:
        assert np.array_equal(first.train[name].x, again.train[name].x), name
        assert np.array_equal(first.train[name].y, again.train[name].y), name
    assert not np.array_equal(first.train["styles"].x, other.train["styles"].x)
    assert set(first.test) == set(again.test) and "pen writers" in first.test and "fonts" in first.test
    assert {name for name in first.test if name.startswith("style: ")} >= {
        f"style: {style} (templates)" for style in styles.STYLES}
    # About half of MNIST is trained on as digitpad reads a saved digit (re-preprocessed), the rest as it is.
    (x_train, y_train), (x_test, _) = mnist
    fitted = first.train["mnist"].x
    raw = split_mnist_training(x_train, y_train, seed=5)[0][0][:300]
    as_read = [index for index in range(len(raw)) if not np.allclose(fitted[index], raw[index] / 255.0, atol=1e-6)]
    assert 100 <= len(as_read) <= 200
    for index in as_read[:20]:
        assert np.array_equal(fitted[index], mnist_input(raw[index]))
    assert np.array_equal(first.test["mnist as read"].x[:20], np.stack([mnist_input(image) for image in x_test[:20]]))
    # nothing held out is trained on: MNIST test digits never appear in training
    training = {image.tobytes() for image in (first.train["mnist"].x * 255).round().astype(np.uint8)}
    assert not training & {image.tobytes() for image in mnist[1][0][:2000]}


def test_an_ensemble_member_holds_out_the_same_sets_and_renders_its_own_training_digits(mnist_path, pen):
    from digitpad.training.config import MEMBER_SEED_STEP, ReaderConfig, TrainConfig
    from digitpad.training.mnist import load_mnist

    assert TrainConfig(seed=5).training_seed == ReaderConfig(seed=5).training_seed == 5
    assert TrainConfig(seed=5, member=1).training_seed == ReaderConfig(seed=5, member=1).training_seed \
        == 5 + MEMBER_SEED_STEP
    mnist = load_mnist(mnist_path)
    small = DataConfig(pen_renders=1, style_from_mnist=40, style_from_pen=20, style_from_templates=20, font_renders=1,
                       evaluation_renders=1, evaluation_style_count=20)
    few_writers = pen.select(np.isin(np.arange(len(pen)), np.arange(0, len(pen), 25)))
    first = build_world_data(mnist, few_writers, small, seed=5, limit=300)
    member = build_world_data(mnist, few_writers, small, seed=5, limit=300,
                              training_seed=TrainConfig(seed=5, member=1).training_seed)
    for split in ("validation", "test"):
        assert set(getattr(first, split)) == set(getattr(member, split))
        for name, digits in getattr(first, split).items():
            assert np.array_equal(digits.x, getattr(member, split)[name].x), (split, name)
    # The same MNIST training digits (in the same order), rendered and styled its own way.
    assert np.array_equal(first.train["mnist"].y, member.train["mnist"].y)
    assert not np.array_equal(first.train["mnist"].x, member.train["mnist"].x)  # others chosen to be re-read
    for name in ("pen", "styles", "fonts"):
        assert not np.array_equal(first.train[name].x, member.train[name].x), name
