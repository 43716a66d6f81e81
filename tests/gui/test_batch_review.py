"""Reviewing a folder's results: the review's logic, then real reviews by keyboard alone, CSVs in and out, samples.

The window tests classify real PNG files with the bundled model and drive the review with key events only.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digitpad.cli.classify import run_classify
from digitpad.folders.batch import CSV_COLUMNS, Row
from digitpad.folders.results import ACCEPTED, CORRECTED, REVIEWED_CSV_COLUMNS, ReviewedRow
from digitpad.gui import dialogs
from digitpad.gui.batch import review as review_logic
from digitpad.gui.batch.review import Change, Review, parse_threshold, review_order, teaching_labels
from digitpad.gui.batch.table import CORRECTED_TAG
from digitpad.userdata.samples import SampleStore
from tests.gui.gui_helpers import digit_png, wait_until
from tests.synthetic_numbers import make_number

NUMBER = "2026"
SINGLE_DIGITS = {"three.png": 3, "five.png": 5, "eight.png": 8}
TIMEOUT_SECONDS = 60


# -- the review's logic, no window --------------------------------------------------------------------------------
def rows_for_logic() -> list[Row]:
    return [Row("/d/a.png", "7", 0.95), Row("/d/b.png", "", None, "no digit found"), Row("/d/c.png", "1", 0.41),
            Row("/d/d.png", "2026", 0.72), Row("/d/e.png", "4", 0.999)]


def test_the_review_order_is_errors_then_least_confident_first_under_the_threshold():
    rows = rows_for_logic()
    assert review_order(rows, 0.90) == [1, 2, 3]
    assert review_order(rows, 0.96) == [1, 2, 3, 0]
    assert review_order(rows, 1.0) == [1, 2, 3, 0, 4]  # "under 100%" is everything
    assert review_order(rows, 0.90, skip=frozenset({1})) == [2, 3]
    assert parse_threshold("90") == 0.9 and parse_threshold(" 87.5 % ") == 0.875
    assert parse_threshold("0") is None and parse_threshold("150") is None and parse_threshold("many") is None


def test_keys_accept_correct_go_back_erase_and_leave():
    rows = rows_for_logic()
    review = Review(rows, 0.90)
    assert review.current == 1 and review.counter_text() == "0 of 3 reviewed, 0 corrected"
    assert review.press("Return")[0] == review_logic.COMMITTED  # the error: nothing read, accepted
    assert review.state(1) == ACCEPTED and review.current == 2
    assert review.press("5") == (review_logic.TYPED, None) and review.typed == "5"
    assert review.press("BackSpace") == (review_logic.ERASED, None) and review.typed == ""
    review.press("KP_7")
    what, change = review.press("space")
    assert what == review_logic.COMMITTED and change == Change(2, None, ReviewedRow(rows[2], "7", CORRECTED))
    for key in "2027":
        review.press(key)
    assert review.press("Escape") == (review_logic.CLEARED, None) and review.typed == ""
    assert review.press("BackSpace") == (review_logic.WENT_BACK, None) and review.current == 2
    assert review.answer(2) == "7"
    _, change = review.press("Return")  # the answer shown (the correction) is kept
    assert change.before == change.after and review.current == 3
    for key in ("2", "0", "2", "7", "Return"):
        review.press(key)
    assert review.finished and review.counter_text() == "3 of 3 reviewed, 2 corrected"
    assert review.press("Return") == (review_logic.NOTHING, None) and review.press("4") == (review_logic.NOTHING, None)
    assert review.unexported
    assert review.press("Escape") == (review_logic.LEAVE, None)
    assert [(row.digit, row.reviewed) for row in review_logic.reviewed_rows(rows, review.verdicts)] == [
        ("7", "no"), ("", ACCEPTED), ("7", CORRECTED), ("2027", CORRECTED), ("4", "no")]


def test_moving_the_threshold_keeps_the_verdicts_and_goes_on_at_the_first_row_not_reviewed():
    rows = rows_for_logic()
    review = Review(rows, 0.50)
    assert review.queue == [1, 2]
    review.press("Return")
    review.press("Return")
    assert review.finished
    review.set_threshold(1.0)
    assert review.queue == [1, 2, 3, 0, 4] and review.current == 3 and review.counter_text().startswith("2 of 5")
    review.set_threshold(0.95)
    assert review.current == 3


def test_single_digit_mode_takes_one_key_per_correction():
    rows = rows_for_logic()
    review = Review(rows, 0.90, single_digit=True)
    review.press("Return")
    what, change = review.press("3")
    assert what == review_logic.COMMITTED and change.after == ReviewedRow(rows[2], "3", CORRECTED)
    assert review.press("2")[0] == review_logic.TYPED  # a row the CSV says is a number takes Enter


def test_what_a_correction_teaches():
    class Reading:
        def __init__(self, count):
            self.digits = [object()] * count

    assert teaching_labels(Reading(1), "3") == [3]
    assert teaching_labels(Reading(4), "2027") == [2, 0, 2, 7]
    assert teaching_labels(Reading(3), "2027") == []  # cut into three pieces: nothing to pair with the digits
    assert teaching_labels(None, "5") == []
    low = Change(0, None, ReviewedRow(Row("a.png", "4", 0.3), "4", ACCEPTED))
    assert not review_logic.should_teach(low, keep_accepted=False) and review_logic.should_teach(low, True)
    sure = Change(0, None, ReviewedRow(Row("a.png", "4", 0.95), "4", ACCEPTED))
    assert not review_logic.should_teach(sure, keep_accepted=True)


# -- real reviews in the window -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def review_folder(tmp_path_factory, mnist_test, bundled_predictor) -> Path:
    """Real PNG files: three single MNIST digits the model reads right, the number 2026, and a blank page."""
    x_test, y_test = mnist_test

    def reads_alone(index: int) -> bool:
        prediction = bundled_predictor.predict_image(x_test[index])
        return prediction.digit == int(y_test[index]) and prediction.confidence > 0.99

    def pick(digit: int, taken: list[int]) -> int:
        index = next(index for index in range(len(x_test))
                     if index not in taken and y_test[index] == digit and reads_alone(index))
        taken.append(index)
        return index

    folder = tmp_path_factory.mktemp("review") / "digits"
    folder.mkdir()
    taken: list[int] = []
    for name, digit in SINGLE_DIGITS.items():
        image = x_test[pick(digit, taken)]
        Image.fromarray(255 - np.kron(image, np.ones((3, 3), np.uint8))).save(folder / name)
    chosen = [pick(int(digit), taken) for digit in NUMBER]
    number = make_number([x_test[index] for index in chosen], [int(y_test[index]) for index in chosen],
                         np.random.default_rng(0), spacings=[0.35] * (len(NUMBER) - 1), vertical_jitter=0.0,
                         scale_range=(1.0, 1.0), upscale=3)
    Image.fromarray(255 - number.image).save(folder / "number.png")
    digit_png(folder / "blank.png", [])
    return folder


def classified(app, folder):
    app.classify_folder(folder)
    window = app.batch_window
    wait_until(app.window, lambda: window.is_complete, timeout=TIMEOUT_SECONDS)
    return window


def press(widget, *keys: str) -> None:
    """Key presses as the keyboard makes them, into the focused review."""
    for key in keys:
        widget.event_generate("<KeyPress>", keysym=key)
        widget.update()


def wait_for_image(panel) -> None:
    wait_until(panel, lambda: panel.shown_index == panel.review.current, timeout=TIMEOUT_SECONDS)


def start_review_everything(window):
    """Ctrl+R, then type 100 in the threshold box and Enter: every row is reviewed."""
    window.focus_force()
    window.update()
    window.event_generate("<Control-r>")
    window.update()
    panel = window.review_panel
    assert panel.winfo_ismapped() and not window.panes.winfo_ismapped()
    box = panel.threshold_box
    box.focus_force()
    box.icursor("end")
    box.update()
    press(box, "BackSpace", "BackSpace", "BackSpace", "1", "0", "0", "Return")
    assert panel.review.threshold == 1.0 and panel.focus_get() is panel
    return panel


def name_of(panel) -> str:
    return Path(panel.review.rows[panel.review.current].path).name


def read_csv(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(Path(path).read_text(encoding="utf-8"))))


def test_a_folder_reviewed_by_keyboard_alone_then_exported_cell_by_cell(make_app, bundled_predictor, review_folder,
                                                                        tmp_path):
    app = make_app(bundled_predictor)
    window = classified(app, review_folder)
    by_name = {Path(row.path).name: row for row in window.rows}
    assert by_name["number.png"].digit == NUMBER and by_name["blank.png"].error == "no digit found"
    assert all(by_name[name].digit == str(digit) for name, digit in SINGLE_DIGITS.items())
    panel = start_review_everything(window)
    review = panel.review
    assert len(review.queue) == 5 and name_of(panel) == "blank.png"  # errors first
    confidences = [review.rows[index].confidence for index in review.queue[1:]]
    assert confidences == sorted(confidences)  # then the least confident first
    assert panel.counter_label.cget("text") == "0 of 5 reviewed, 0 corrected"

    went_back = False
    while review.current is not None:
        wait_for_image(panel)
        name = name_of(panel)
        if name == "blank.png":
            assert panel.answer_panel.state == "error" and "no digit found" in panel.answer_panel.message_text
            press(panel, "Return")
        elif name == "five.png" and not went_back:
            assert panel.answer_panel.digit_text == "5" and panel.answer_panel.model_input is not None
            assert panel.image_label.cget("image")  # the image, large, beside what the model sees
            press(panel, "6")
            assert panel.typed_label.cget("text").startswith("6")
            press(panel, "Return", "BackSpace")  # corrected, then back to it
            went_back = True
            wait_for_image(panel)
            assert name_of(panel) == "five.png" and panel.typed_label.cget("text") == "6"
            assert "Corrected" in panel.state_label.cget("text")
            press(panel, "space")  # the correction shown is kept
        elif name == "number.png":
            assert panel.answer_panel.number_text == NUMBER and len(panel.answer_panel.strip.cells) == 4
            press(panel, "2", "0", "2", "8", "BackSpace", "7", "KP_Enter")
        else:
            press(panel, "space")
    assert went_back and panel.done_page.winfo_ismapped()
    assert panel.counter_label.cget("text") == "5 of 5 reviewed, 2 corrected"
    wait_until(window, lambda: window.saver.pending == 0, timeout=TIMEOUT_SECONDS)
    assert panel.retrain_button.cget("text") == "Retrain with 2 corrections"

    # The samples: the corrected digit, and each digit of the corrected number (its four pieces), with their source.
    store = SampleStore()
    samples = store.list()
    assert sorted(sample.label for sample in samples) == [0, 2, 2, 6, 7]
    assert {store.source_of(sample) for sample in samples} == {str(review_folder / "five.png"),
                                                              str(review_folder / "number.png")}

    press(panel, "Escape")  # back to the table: corrected rows are marked
    window.update()
    assert not panel.winfo_ismapped() and window.panes.winfo_ismapped()
    five = str(window.rows.index(by_name["five.png"]))
    assert window.tree.set(five, "digit") == "6" and window.tree.set(five, "review") == "corrected (read 5)"
    assert CORRECTED_TAG in window.tree.item(five, "tags")

    target = tmp_path / "reviewed.csv"
    app.ask_save_filename = lambda: str(target)
    window.export_button.invoke()
    table = read_csv(target)
    assert tuple(table[0]) == REVIEWED_CSV_COLUMNS
    expected = {"five.png": ("6", CORRECTED), "number.png": ("2027", CORRECTED)}
    for cells, row in zip(table[1:], window.rows, strict=True):
        name = Path(row.path).name
        digit, reviewed = expected.get(name, (row.digit, ACCEPTED))
        assert cells == [row.path, digit, f"{row.confidence:.4f}" if row.confidence is not None else "", row.error,
                         row.top3, row.digit_confidences, row.text, row.digit, reviewed], name
    assert not window.has_unexported_corrections

    window.retrain_button.invoke()  # the offer opens the retrain flow, with the samples just saved
    assert app.retrain_window is not None and app.retrain_window.sample_count == 5


def test_single_digit_mode_corrects_with_one_key_and_closing_asks_before_discarding(make_app, bundled_predictor,
                                                                                   review_folder, tmp_path):
    folder = tmp_path / "singles"
    folder.mkdir()
    for name in SINGLE_DIGITS:
        (folder / name).write_bytes((review_folder / name).read_bytes())
    app = make_app(bundled_predictor)
    app.set_single_digit(True)
    questions = []
    answers = [False, False, True]
    app.ask_yes_no = lambda title, text: questions.append((title, text)) or answers.pop(0)
    window = classified(app, folder)
    panel = start_review_everything(window)
    wait_for_image(panel)
    corrected_name = name_of(panel)
    wrong = str((SINGLE_DIGITS[corrected_name] + 1) % 10)
    press(panel, wrong)  # one key: corrected, and on to the next
    assert panel.review.state(window.rows.index(next(row for row in window.rows
                                                     if row.path.endswith(corrected_name)))) == CORRECTED
    wait_for_image(panel)
    press(panel, "Return")
    wait_until(window, lambda: window.saver.pending == 0, timeout=TIMEOUT_SECONDS)
    assert window.retrain_button.winfo_ismapped() and window.retrain_button.cget("text") == "Retrain with 1 correction"
    [sample] = SampleStore().list()
    assert sample.label == int(wrong)

    assert window.close() is False and window.winfo_exists()  # mid-review, nothing exported: the user says No
    assert questions[-1][0] == "Discard corrections?" and "1 correction made" in questions[-1][1]
    app.quit()  # File > Quit asks too, and stays
    assert len(questions) == 2 and not app.closed and window.winfo_exists()
    app.classify_folder(folder)  # a new folder would discard them too: asked again, and the user agrees
    assert len(questions) == 3 and window.review is None
    assert window.review_panel.review is None  # (an image read still out for it must not show an old row)
    wait_until(app.window, lambda: window.is_complete, timeout=TIMEOUT_SECONDS)
    panel = start_review_everything(window)  # a new review of the new rows: nothing of the last one is shown
    wait_for_image(panel)
    assert panel.counter_label.cget("text") == "0 of 3 reviewed, 0 corrected"
    assert window.close() is True and len(questions) == 3  # nothing to lose any more: no question


def test_a_csv_made_by_the_command_line_with_an_image_missing_is_opened_and_reviewed(
        make_app, bundled_predictor, review_folder, tmp_path, monkeypatch):
    work = tmp_path / "work"
    shutil.copytree(review_folder, work / "digits")
    monkeypatch.chdir(work)
    files = sorted(f"digits/{name}" for name in os.listdir(work / "digits"))
    assert run_classify(files, "results.csv", None) == 1  # the blank page is an error row
    cli_table = read_csv(work / "results.csv")
    assert tuple(cli_table[0]) == CSV_COLUMNS and len(cli_table) == 6
    (work / "digits" / "eight.png").unlink()
    monkeypatch.chdir(tmp_path)  # opened from elsewhere: paths are found next to the CSV

    app = make_app(bundled_predictor)
    app.ask_open_results = lambda: str(work / "results.csv")
    app.window.focus_force()
    app.window.update()
    app.window.event_generate("<Control-Shift-R>")  # File > Open results CSV...
    wait_until(app.window, lambda: app.messages, timeout=TIMEOUT_SECONDS)
    kind, title, text = app.messages[-1]
    assert kind == dialogs.WARNING and title == "Missing images" and "digits/eight.png" in text
    window = app.batch_window
    wait_until(app.window, lambda: window.is_complete, timeout=TIMEOUT_SECONDS)
    assert [row.path for row in window.rows] == [cells[0] for cells in cli_table[1:]]
    assert "1 image missing" in window.progress_label.cget("text")
    assert window.tree.set("0", "file") == cli_table[1][0]  # shown as the CSV has it

    panel = start_review_everything(window)
    assert len(panel.review.queue) == 4
    assert "eight.png" not in {Path(panel.review.rows[index].path).name for index in panel.review.queue}
    while panel.review.current is not None:
        wait_for_image(panel)
        if name_of(panel) == "three.png":
            press(panel, "1")
        press(panel, "Return")
    target = tmp_path / "reviewed.csv"
    app.export_results(target)
    table = read_csv(target)
    for cli_cells, cells in zip(cli_table[1:], table[1:], strict=True):
        name = Path(cli_cells[0]).name
        if name == "three.png":
            assert cells == [cli_cells[0], "1"] + cli_cells[2:] + [cli_cells[1], CORRECTED]
        else:
            assert cells == cli_cells + [cli_cells[1], "no" if name == "eight.png" else ACCEPTED]

    app.open_results(target)  # the review's own export reads back with its verdicts
    wait_until(app.window, lambda: window.is_complete and window.results_file.path == target, timeout=TIMEOUT_SECONDS)
    three = next(index for index, row in enumerate(window.rows) if row.path.endswith("three.png"))
    assert window.verdicts[three].digit == "1" and window.tree.set(str(three), "digit") == "1"


def test_a_file_that_is_not_a_results_csv_is_refused_with_its_reason(app, tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("name,value\nx,1\n", encoding="utf-8")
    app.open_results(path)
    wait_until(app.window, lambda: app.messages, timeout=TIMEOUT_SECONDS)
    kind, title, text = app.messages[-1]
    assert kind == dialogs.ERROR and title == "Cannot open results" and "no path or digit column" in text
    assert app.batch_window is None
