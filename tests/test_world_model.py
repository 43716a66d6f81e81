"""The bundled model on the world's handwriting: styles MNIST lacks, held-out writers' pen digits, held-out fonts."""

from __future__ import annotations

import numpy as np
import pytest

from digitpad.reading.number import read_number, read_strokes
from digitpad.training import fonts, styles
from digitpad.training.training_data import BREAKABLE
from tests.digit_images import pen_digit_file, printed_digit
from tests.synthetic_strokes import STYLE_TEMPLATES, draw_number, pad_strokes, pen_width_for, pulled_apart
from tests.test_world_data import pen  # noqa: F401 - the pen digits fixture


@pytest.mark.parametrize("style", styles.STYLES)
def test_every_style_drawn_as_pad_strokes_is_read(bundled_predictor, style):
    """Hand-drawn templates of each style, written ten ways each (size, slant, pen width), as the pad reads them."""
    rng = np.random.default_rng(11)
    expected = str(styles.STYLE_DIGITS[style])
    wrong = []
    for name in STYLE_TEMPLATES[style]:
        for _ in range(10):
            number = draw_number([name], rng, jitter=0.0)
            read = read_strokes(number.strokes, pen_width_for(number, rng.uniform(0.06, 0.14)), bundled_predictor).text
            if read != expected:
                wrong.append((name, read))
    assert len(wrong) <= len(STYLE_TEMPLATES[style]) * 10 // 50, wrong  # at least 98% right


@pytest.mark.parametrize("style", styles.ADDED_FEATURES)
def test_styles_added_to_held_out_writers_are_read(bundled_predictor, pen, style):  # noqa: F811
    rng = np.random.default_rng(12)
    _, _, test = pen.split()
    digit = styles.STYLE_DIGITS[style]
    chosen = np.flatnonzero(test.labels == digit)[::3]
    read = [read_strokes(pad_strokes(styles.add_feature_to_strokes(style, test.strokes[index], rng)), 18.0,
                         bundled_predictor).text for index in chosen]
    assert np.mean([text == str(digit) for text in read]) >= 0.96, read


def test_held_out_writers_pen_digits_are_read(bundled_predictor, pen):  # noqa: F811
    """Writers never trained on, drawn on the pad: read as one digit (the network), and as a number (strokes
    grouped into digits first, where a 4 or 5 in two strokes is sometimes cut in two)."""
    _, _, test = pen.split()
    chosen = np.arange(0, len(test), 3)
    for single_digit, least in ((True, 0.99), (False, 0.97)):
        read = [read_strokes(pad_strokes(test.strokes[index]), 18.0, bundled_predictor, single_digit=single_digit).text
                for index in chosen]
        assert np.mean([text == str(test.labels[index]) for text, index in zip(read, chosen)]) >= least, single_digit


def test_printed_digits_in_held_out_fonts_are_read(bundled_predictor):
    held_out = [font for font in fonts.find_fonts() if font.split == "test"]
    assert held_out, "no held-out fonts installed: run .ci/install"
    wrong = [(font.family, font.style, digit) for font in held_out for digit in range(10)
             if read_number(printed_digit(font.path, digit, 48), bundled_predictor).text != str(digit)]
    assert len(wrong) <= len(held_out) * 10 // 100, wrong  # at least 99% right


def test_held_out_writers_broken_digits_are_read(bundled_predictor, pen):  # noqa: F811
    """The held-out writers' 4s, 5s and 7s written in more than one stroke, the strokes pulled apart so they no longer
    meet (a 5's bar floating above its body), drawn on the pad: read as one digit."""
    rng = np.random.default_rng(14)
    _, _, test = pen.split()
    chosen = [index for index in range(len(test))
              if int(test.labels[index]) in BREAKABLE and len(test.strokes[index]) > 1]
    read = [read_strokes(pad_strokes(pulled_apart(test.strokes[index], rng)), 18.0, bundled_predictor,
                         single_digit=True).text for index in chosen]
    wrong = [(int(test.labels[index]), text) for index, text in zip(chosen, read) if text != str(test.labels[index])]
    assert len(wrong) <= len(chosen) // 50, wrong  # at least 98% right


def test_held_out_writers_finger_drawings_are_read(bundled_predictor, pen):  # noqa: F811
    """The held-out writers' digits drawn with a finger on a phone: a fat brush (0.15-0.3 of the digit's height), saved
    as a 280-400 px PNG, black on white or white on black, read as Load image reads them."""
    rng = np.random.default_rng(15)
    _, _, test = pen.split()
    chosen = np.arange(0, len(test), 5)
    wrong = []
    for index in chosen:
        with pen_digit_file(pad_strokes(test.strokes[index]), "finger drawing", rng) as image:
            read = read_number(image, bundled_predictor).text
        if read != str(test.labels[index]):
            wrong.append((int(test.labels[index]), read))
    assert len(wrong) <= len(chosen) * 3 // 100, wrong  # at least 97% right
