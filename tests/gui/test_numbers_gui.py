"""Numbers in the window: several digits written side by side on the pad, an opened image of a number, a folder,
and the "Read single digits only" setting. With the real bundled model unless a test needs a scripted one."""

from __future__ import annotations

import csv
import io
import json
import threading

import numpy as np
import pytest
from PIL import Image

from digitpad.folders import batch
from digitpad.gui import theme
from digitpad.gui.app import SINGLE_DIGIT_LABEL
from digitpad.gui.batch.table_data import digits_key
from digitpad.gui.main.answer import EMPTY_PAD_HINT, SINGLE_DIGIT_PAD_HINT, strip_rows, strip_scale
from digitpad.inference.predictor import BasePredictor
from tests.gui.gui_helpers import draw_digit, number_strokes, settle, wait_until
from tests.synthetic_numbers import make_number

ANSWER_TIMEOUT_SECONDS = 10
NUMBER = "2026"
DIGIT_HEIGHT = 90.0  # pad units: four digits side by side fill the 280-unit pad
DIGIT_GAP = 10.0
PEN_WIDTH = 12.0
# MNIST test digits laid side by side for an image of a number, this many times MNIST's size.
IMAGE_UPSCALE = 3
IMAGE_SPACING = 0.35


def write_number(app, text: str = NUMBER) -> None:
    app.toolbar.set_pen_width(PEN_WIDTH)
    draw_digit(app.pad, number_strokes(text, DIGIT_HEIGHT, DIGIT_GAP))


def wait_for_number(app, text: str) -> None:
    wait_until(app.window, lambda: app.answer.number_text == text and not app.live.is_busy,
               timeout=ANSWER_TIMEOUT_SECONDS)


class ScriptedPredictor(BasePredictor):
    """Reads the i-th input of each call as digits[i] with confidences[i]; the runner-up, digit + 3, gets most
    of the rest."""

    def __init__(self, digits, confidences):
        self.digits, self.confidences = list(digits), list(confidences)

    def predict_inputs(self, inputs):
        probabilities = np.zeros((len(inputs), 10), np.float32)
        for row in range(len(inputs)):
            digit, confidence = self.digits[row % len(self.digits)], self.confidences[row % len(self.digits)]
            probabilities[row] = (1.0 - confidence) * 0.4 / 8
            probabilities[row, digit] = confidence
            probabilities[row, (digit + 3) % 10] = (1.0 - confidence) * 0.6
        return probabilities


@pytest.fixture(scope="module")
def number_png(tmp_path_factory, mnist_test, bundled_predictor):
    """A PNG of 2026 written with MNIST test digits (dark ink on light paper), ones the model reads alone."""
    x_test, y_test = mnist_test

    def read_alone(index: int) -> bool:
        prediction = bundled_predictor.predict_image(x_test[index])
        return prediction.digit == int(y_test[index]) and prediction.confidence > 0.99

    chosen: list[int] = []
    for digit in NUMBER:
        chosen.append(next(index for index in range(len(x_test))
                           if index not in chosen and y_test[index] == int(digit) and read_alone(index)))
    number = make_number([x_test[index] for index in chosen], [int(y_test[index]) for index in chosen],
                         np.random.default_rng(0), spacings=[IMAGE_SPACING] * (len(NUMBER) - 1), vertical_jitter=0.0,
                         scale_range=(1.0, 1.0), upscale=IMAGE_UPSCALE)
    assert number.text == NUMBER
    path = tmp_path_factory.mktemp("numbers") / "number-2026.png"
    Image.fromarray(255 - number.image).save(path)
    return path


# -- the pad ----------------------------------------------------------------------------------------------------
def test_a_number_written_on_the_pad_is_read_with_a_strip_per_digit(make_app, bundled_predictor):
    app = make_app(bundled_predictor)
    write_number(app)
    wait_for_number(app, NUMBER)
    assert app.answer.state == "certain" and app.answer.digit_text == NUMBER
    assert [digit.digit for digit in app.answer.reading.digits] == [2, 0, 2, 6]
    cells = app.answer.strip.cells
    assert [cell.texts[0] for cell in cells] == list(NUMBER)
    assert all(cell.texts[1].endswith("%") for cell in cells)
    assert all(cell.view.cget("image") for cell in cells)  # each digit's model's-eye view
    assert app.answer.strip.winfo_ismapped() and not app.answer.bars.winfo_ismapped()
    assert app.answer.number_view.winfo_ismapped() and not app.answer.digit_label.winfo_ismapped()
    assert "4 digits" in app.answer.confidence_text
    drawn = app.answer.number_view.find_all()
    assert "".join(app.answer.number_view.itemcget(item, "text") for item in drawn) == NUMBER
    assert {app.answer.number_view.itemcget(item, "fill") for item in drawn} == {theme.ACCENT}


def test_two_zeros_written_in_one_stroke_are_read_as_00(make_app, bundled_predictor):
    """No pen-up between the two loops: the pad's stroke grouping sees one digit, the reader two (issue 12)."""
    app = make_app(bundled_predictor)
    app.toolbar.set_pen_width(PEN_WIDTH)
    loops = [(centre + 45 * np.cos(np.radians(90 + step * 10)), 140 - 80 * np.sin(np.radians(90 + step * 10)))
             for centre in (80, 190) for step in range(37)]
    draw_digit(app.pad, [loops])
    wait_for_number(app, "00")
    assert len(app.answer.strip.cells) == 2


def test_three_zeros_written_in_one_stroke_are_read_by_the_number_reader(make_app, bundled_predictor):
    """Cutting alone read this "90"; the number reader reads the whole stroke, with a model's-eye cell per digit."""
    app = make_app(bundled_predictor)
    app.toolbar.set_pen_width(PEN_WIDTH)
    loops = [(centre + 35 * np.cos(np.radians(90 + step * 10)), 140 - 70 * np.sin(np.radians(90 + step * 10)))
             for centre in (60, 150, 240) for step in range(37)]
    draw_digit(app.pad, [loops])
    wait_for_number(app, "000")
    cells = app.answer.strip.cells
    assert [cell.texts[0] for cell in cells] == ["0", "0", "0"]
    assert all(cell.view.cget("image") for cell in cells)


def test_undo_removes_the_last_stroke_and_the_answer_follows(make_app, bundled_predictor):
    app = make_app(bundled_predictor)
    write_number(app)
    wait_for_number(app, NUMBER)
    app.undo()  # the 6 was one stroke
    wait_for_number(app, "202")
    assert len(app.answer.strip.cells) == 3
    app.undo()
    app.undo()
    wait_for_number(app, "2")  # one digit left: the panel is the one-digit panel again
    assert app.answer.digit_label.winfo_ismapped() and app.answer.bars.winfo_ismapped()
    assert not app.answer.strip.winfo_ismapped() and app.answer.model_input is not None
    app.undo()
    wait_until(app.window, lambda: app.answer.state == "hint")
    assert EMPTY_PAD_HINT in app.answer.message_text


def test_single_digit_mode_reads_the_same_strokes_as_one_digit(make_app, bundled_predictor, settings_path):
    app = make_app(bundled_predictor)
    write_number(app)
    wait_for_number(app, NUMBER)
    app.menus["Model"].invoke(SINGLE_DIGIT_LABEL)  # the pad is read again at once, the new way
    assert app.settings.single_digit
    wait_until(app.window, lambda: len(app.answer.number_text) == 1 and not app.live.is_busy,
               timeout=ANSWER_TIMEOUT_SECONDS)
    assert app.answer.reading is not None and len(app.answer.reading.digits) == 1
    assert app.answer.bars.winfo_ismapped() and not app.answer.strip.winfo_ismapped()
    assert json.loads(settings_path.read_text())["single_digit"] is True  # saved at once
    app.menus["Model"].invoke(SINGLE_DIGIT_LABEL)
    wait_for_number(app, NUMBER)
    app.clear()
    assert EMPTY_PAD_HINT in app.answer.message_text


def test_low_confidence_digits_look_uncertain(make_app):
    app = make_app(ScriptedPredictor([2, 0, 2, 6], [0.99, 0.41, 0.98, 0.97]))
    write_number(app)
    wait_until(app.window, lambda: len(app.answer.number_text) == 4 and not app.live.is_busy)
    assert app.answer.state == "uncertain" and app.answer.digit_text == "20?26"
    assert "not sure" in app.answer.confidence_text and "Digit 2 may be a 3" in app.answer.message_text
    assert str(app.answer.confidence_label.cget("foreground")) == theme.UNCERTAIN_TEXT
    unsure = app.answer.strip.cells[1]
    assert unsure.texts == ("0?", "41.0%")
    assert unsure.digit_label.cget("foreground") == theme.UNCERTAIN
    assert unsure.frame.cget("highlightbackground") == theme.UNCERTAIN_TEXT
    sure = app.answer.strip.cells[0]
    assert sure.texts == ("2", "99.0%") and sure.frame.cget("highlightbackground") == theme.SURFACE
    colours = [app.answer.number_view.itemcget(item, "fill") for item in app.answer.number_view.find_all()]
    assert colours == [theme.ACCENT, theme.UNCERTAIN, theme.ACCENT, theme.ACCENT]


def test_numbers_fit_the_panel_without_growing_the_window(make_app):
    app = make_app(ScriptedPredictor([1], [0.99]))
    app.window.update_idletasks()
    width, height = app.answer.winfo_reqwidth(), app.answer.winfo_reqheight()
    source = Image.new("L", (400, 120), 255)
    for text in ("42", "2026", "31415926", "314159265358"):
        for picture in (None, source):
            app.answer.show_reading(_reading(text), source=picture, caption="From number.png" if picture else "")
            app.window.update_idletasks()
            # the number's font shrinks and the strip wraps, within the one-digit panel's size
            assert app.answer.winfo_reqwidth() <= width and app.answer.winfo_reqheight() <= height, text
            assert len(app.answer.strip.cells) == len(text)
    assert app.answer.number_view.font != theme.DIGIT_FONT  # twelve digits in a smaller font
    assert strip_rows(10, strip_scale(10), minimum_cell=44) == [5, 5]


def _reading(text: str):
    from digitpad.reading.number import NumberReading  # noqa: PLC0415
    from digitpad.reading.prediction import Prediction  # noqa: PLC0415

    digits = []
    for character in text:
        probabilities = np.full(10, 0.001, np.float32)
        probabilities[int(character)] = 0.991
        digits.append(Prediction(int(character), 0.991, probabilities, np.zeros((28, 28), np.float32)))
    return NumberReading(tuple(digits))


# -- files --------------------------------------------------------------------------------------------------------
def test_an_opened_image_of_a_number_shows_the_number(make_app, bundled_predictor, number_png):
    app = make_app(bundled_predictor)
    app.ask_open_filename = lambda: str(number_png)
    app.open_image()
    wait_until(app.window, lambda: app.answer.state != "hint", timeout=ANSWER_TIMEOUT_SECONDS)
    assert app.answer.number_text == NUMBER and len(app.answer.strip.cells) == 4
    assert app.answer.source_view.cget("image") and "number-2026.png" in app.answer.message_text
    assert NUMBER in app.status.message
    app.set_single_digit(True)  # the image shown is read again, as one digit
    wait_until(app.window, lambda: len(app.answer.number_text) == 1, timeout=ANSWER_TIMEOUT_SECONDS)
    assert app.answer.source_view.cget("image") and app.answer.model_input is not None


def test_a_folder_of_numbers_and_single_digit_mode(make_app, bundled_predictor, number_png, tmp_path):
    folder = tmp_path / "numbers"
    folder.mkdir()
    for copy in ("a", "b"):
        (folder / f"{copy}.png").write_bytes(number_png.read_bytes())
    app = make_app(bundled_predictor)
    app.classify_folder(folder)
    window = app.batch_window
    wait_until(app.window, lambda: window.is_complete, timeout=60)
    assert [row.digit for row in window.rows] == [NUMBER, NUMBER]
    assert [window.tree.set(item, "digit") for item in window.tree.get_children("")] == [NUMBER, NUMBER]
    assert all(len(row.digit_confidences.split()) == 4 for row in window.rows)
    target = tmp_path / "results.csv"
    app.export_results(target)
    expected = io.StringIO()
    batch.write_csv(window.rows, expected)
    exported = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [cells[:len(batch.CSV_COLUMNS)] for cells in exported] == list(csv.reader(io.StringIO(expected.getvalue())))
    assert exported[0][len(batch.CSV_COLUMNS) - 2:] == ["digit_confidences", "text", "model_digit", "reviewed"]
    window.preview_row(0)
    wait_until(window, lambda: window.preview.state != "hint" and window.preview.state != "error",
               timeout=ANSWER_TIMEOUT_SECONDS)
    assert window.preview.number_text == NUMBER and len(window.preview.strip.cells) == 4

    app.set_single_digit(True)
    app.classify_folder(folder)
    wait_until(app.window, lambda: window.is_complete, timeout=60)
    assert [len(row.digit) for row in window.rows] == [1, 1]
    assert all(len(row.digit_confidences.split()) == 1 for row in window.rows)
    window.preview_row(0)
    wait_until(window, lambda: window.preview.state not in ("hint", "error"), timeout=ANSWER_TIMEOUT_SECONDS)
    assert len(window.preview.number_text) == 1 and window.preview.model_input is not None


def test_digit_strings_sort_as_numbers(make_app, fake_predictor, tmp_path):
    from digitpad.gui.batch.window import BatchWindow  # noqa: PLC0415

    assert sorted(["10", "9", "2026", "", "007", "7", "0"], key=digits_key) == ["0", "7", "007", "9", "10",
                                                                                  "2026", ""]
    app = make_app(fake_predictor)
    window = BatchWindow(app.window, app.pump, app.predictor)
    window.folder = str(tmp_path)
    digits = ["2026", "9", "", "10", "31", "7"]
    window._job_total(len(digits))
    window._job_rows([batch.Row(str(tmp_path / f"{index}.png"), text, 0.9 if text else None,
                                "" if text else "no digit found") for index, text in enumerate(digits)], len(digits))
    window._job_finished(False, None)
    wait_until(window, lambda: window.is_complete)
    window.sort_by("digit")
    assert [row.digit for row in window.visible_rows()] == ["7", "9", "10", "31", "2026", ""]
    window.sort_by("digit")
    assert [row.digit for row in window.visible_rows()] == ["", "2026", "31", "10", "9", "7"]
    window.close()


# -- the setting --------------------------------------------------------------------------------------------------
def test_the_single_digit_setting_persists_across_app_instances(make_app, fake_predictor, settings_path):
    first = make_app(fake_predictor)
    menu = first.menus["Model"]
    assert not first.settings.single_digit and menu.entrycget(SINGLE_DIGIT_LABEL, "label") == SINGLE_DIGIT_LABEL
    menu.invoke(SINGLE_DIGIT_LABEL)
    assert first.settings.single_digit and SINGLE_DIGIT_PAD_HINT in first.answer.message_text
    first.close()
    assert json.loads(settings_path.read_text())["single_digit"] is True

    second = make_app(fake_predictor)
    assert second.settings.single_digit
    assert second.window.getvar(second.menus["Model"].entrycget(SINGLE_DIGIT_LABEL, "variable")) in (1, "1")
    assert SINGLE_DIGIT_PAD_HINT in second.answer.message_text
    second.menus["Model"].invoke(SINGLE_DIGIT_LABEL)
    assert not second.settings.single_digit
    second.close()
    assert json.loads(settings_path.read_text())["single_digit"] is False


def test_a_result_read_before_the_setting_changed_is_dropped(make_app):
    from tests.gui.gui_helpers import FakePredictor  # noqa: PLC0415

    gate = threading.Event()
    predictor = FakePredictor(predict_gate=gate)
    app = make_app(predictor)
    write_number(app, "20")
    wait_until(app.window, lambda: predictor.waiting_at_gate)
    app.set_single_digit(True)  # while the number is being read
    gate.set()
    wait_until(app.window, lambda: app.live.answers_shown == 1 and not app.live.is_busy, timeout=10)
    assert app.live.stale_results_dropped == 1
    assert len(app.answer.reading.digits) == 1
    settle(app.window, 0.1)
