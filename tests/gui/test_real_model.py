"""With the real bundled model: digits drawn on the pad, an opened PNG and a folder get the right answers."""

from __future__ import annotations

import pytest

from tests.gui.gui_helpers import DIGIT_SHAPES, digit_png, draw_digit, number_strokes, wait_until
from tests.synthetic_strokes import STYLE_TEMPLATES

ANSWER_TIMEOUT_SECONDS = 10


@pytest.mark.parametrize("digit", sorted(DIGIT_SHAPES))
def test_a_digit_drawn_on_the_pad_is_read_correctly(make_app, bundled_predictor, digit):
    app = make_app(bundled_predictor)
    draw_digit(app.pad, DIGIT_SHAPES[digit])
    wait_until(app.window, lambda: app.answer.state in ("certain", "uncertain"), timeout=ANSWER_TIMEOUT_SECONDS)
    assert app.answer.digit_text == str(digit), app.answer.confidence_text
    assert app.answer.state == "certain"


STYLE_DRAWINGS = sorted({name for names in STYLE_TEMPLATES.values() for name in names})


@pytest.mark.parametrize("template", STYLE_DRAWINGS)
def test_a_digit_in_a_style_mnist_lacks_drawn_on_the_pad_is_read_correctly(make_app, bundled_predictor, template):
    """Slashed zeros, flagged and footed ones, crossed sevens, open fours, curled nines: drawn stroke by stroke."""
    app = make_app(bundled_predictor)
    digit = template[0]
    draw_digit(app.pad, number_strokes(digit, height=190.0, slants=(0.12,), names={digit: template}))
    wait_until(app.window, lambda: app.answer.state in ("certain", "uncertain"), timeout=ANSWER_TIMEOUT_SECONDS)
    assert app.answer.digit_text == digit, app.answer.confidence_text


def test_undo_and_redraw_changes_the_answer(make_app, bundled_predictor):
    app = make_app(bundled_predictor)
    draw_digit(app.pad, DIGIT_SHAPES[0])
    wait_until(app.window, lambda: app.answer.digit_text == "0", timeout=ANSWER_TIMEOUT_SECONDS)
    app.undo()
    assert app.answer.state == "hint"
    draw_digit(app.pad, DIGIT_SHAPES[1])
    wait_until(app.window, lambda: app.answer.digit_text == "1", timeout=ANSWER_TIMEOUT_SECONDS)


def test_an_opened_png_is_read_correctly(make_app, bundled_predictor, tmp_path):
    app = make_app(bundled_predictor)
    path = tmp_path / "seven.png"
    digit_png(path, DIGIT_SHAPES[7])
    app.ask_open_filename = lambda: str(path)
    app.open_image()
    wait_until(app.window, lambda: app.answer.state != "hint", timeout=ANSWER_TIMEOUT_SECONDS)
    assert app.answer.digit_text == "7"


def test_a_digit_written_small_on_a_whole_scanned_page_is_read_in_the_window(make_app, bundled_predictor, mnist_test,
                                                                             tmp_path):
    """Load image of an A4 scan with one digit written at an everyday size: the window reads it as folders do, from
    the file decoded again around it (it was `no digit found`)."""
    import numpy as np

    from tests.digit_images import small_digit_on_scan

    x_test, y_test = mnist_test
    app = make_app(bundled_predictor)
    path = tmp_path / "scan.png"
    small_digit_on_scan(x_test[0], np.random.default_rng(3)).save(path)
    app.open_image(path)
    wait_until(app.window, lambda: app.answer.state != "hint", timeout=ANSWER_TIMEOUT_SECONDS)
    assert app.answer.state != "error" and app.answer.digit_text == str(y_test[0]), app.answer.message_text


def test_a_number_written_in_a_comb_field_is_read_in_the_window(make_app, bundled_predictor, mnist_test, tmp_path):
    """A scanned form field, one printed box per digit: Load image answers the digits, no 1 for any divider."""
    import numpy as np
    from PIL import Image

    from tests.number_scenes import compose_in_boxes, mnist_ink, scan

    x_test, y_test = mnist_test
    probabilities = bundled_predictor.predict_inputs(x_test[:200].astype(np.float32) / 255.0)
    clear = (probabilities.argmax(axis=1) == y_test[:200]) & (probabilities.max(axis=1) > 0.999)
    digits = "4071"
    inks = [mnist_ink(x_test[np.flatnonzero(clear & (y_test[:200] == int(digit)))[0]]) for digit in digits]
    rng = np.random.default_rng(3)
    canvas, field = compose_in_boxes(inks, rng, ticks=False)
    path = tmp_path / "field.png"
    Image.fromarray(scan(canvas, "boxes", rng, field)).save(path)
    app = make_app(bundled_predictor)
    app.ask_open_filename = lambda: str(path)
    app.open_image()
    wait_until(app.window, lambda: app.answer.state != "hint", timeout=ANSWER_TIMEOUT_SECONDS)
    assert app.answer.digit_text == digits


def test_a_folder_is_classified_correctly(make_app, bundled_predictor, tmp_path):
    folder = tmp_path / "digits"
    folder.mkdir()
    for digit, strokes in DIGIT_SHAPES.items():
        digit_png(folder / f"digit-{digit}.png", strokes)
        digit_png(folder / f"digit-{digit}-inverted.png", strokes, dark_on_light=False)
    app = make_app(bundled_predictor)
    app.classify_folder(folder)
    window = app.batch_window
    wait_until(app.window, lambda: window.is_complete, timeout=60)
    assert len(window.rows) == 2 * len(DIGIT_SHAPES)
    for row in window.rows:
        assert row.error == "" and row.path.split("digit-")[1][0] == row.digit, row
