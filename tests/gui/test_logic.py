"""The window's logic without a display: strokes, answer wording, batch table model, settings, menus."""

from __future__ import annotations

import json

import numpy as np
import pytest

from digitpad import __version__
from digitpad.gui import dialogs, wording
from digitpad.gui.batch import table_data
from digitpad.gui.main import answer, menus, settings
from digitpad.gui.main.pad_content import PadContent
from digitpad.reading import strokes
from digitpad.reading.strokes import PAD_SIDE, render_strokes


class _Row:
    def __init__(self, path, digit="", confidence=None, error="", text=""):
        self.path, self.digit, self.confidence, self.error, self.top3 = path, digit, confidence, error, ""
        self.text = text


def test_stroke_model_records_strokes_with_width_and_revisions():
    model = PadContent()
    assert model.is_empty
    model.begin_stroke((10, 10), width=20)
    model.extend_stroke((10.2, 10.2))  # closer than the minimum distance: ignored
    model.extend_stroke((50, 60))
    start_revision = model.revision
    stroke = model.end_stroke()
    assert stroke.points == ((10.0, 10.0), (50.0, 60.0)) and stroke.width == 20
    assert model.revision > start_revision
    assert model.strokes == [stroke] and not model.is_drawing


def test_stroke_model_clamps_points_and_width():
    model = PadContent()
    model.begin_stroke((-5, 400), width=1000)
    model.end_stroke()
    assert model.strokes[0].points == ((0.0, PAD_SIDE),)
    assert model.strokes[0].width == strokes.MAXIMUM_PEN_WIDTH


def test_undo_and_clear():
    model = PadContent()
    for x in (10, 100):
        model.begin_stroke((x, 10), 18)
        model.extend_stroke((x, 100))
        model.end_stroke()
    first = model.strokes[0]
    assert model.undo().points[0] == (100.0, 10.0)
    assert model.strokes == [first]
    assert model.clear() and model.is_empty
    assert model.undo() is None and not model.clear()


def test_snapshot_is_immutable_and_includes_the_stroke_being_drawn():
    model = PadContent()
    model.begin_stroke((10, 10), 18)
    model.extend_stroke((20, 20))
    snapshot = model.snapshot()
    model.extend_stroke((30, 30))
    assert len(snapshot) == 1 and len(snapshot[0].points) == 2


def test_render_is_white_ink_on_black_with_round_caps_and_no_gaps():
    stroke = strokes.Stroke(((40.0, 140.0), (240.0, 140.0)), 20.0)  # one long fast segment
    image = render_strokes([stroke], 560)
    pixels = np.asarray(image)
    assert image.mode == "L" and image.size == (560, 560)
    assert pixels[0, 0] == 0
    assert (pixels[280, 80:481] == 255).all()  # continuous from end to end
    assert pixels[280, 80 - 18] == 255  # round cap beyond the first point (radius 20 px at this scale)
    assert pixels[280 - 18, 80 - 18] == 0  # ... but round, not square
    dot = np.asarray(render_strokes([strokes.Stroke(((140.0, 140.0),), 20.0)]))
    assert dot[140, 140] == 255 and dot.sum() > 0


def test_describe_certain_and_uncertain_answers():
    certain = answer.describe(7, 0.987)
    assert certain == answer.AnswerText("7", "98.7% sure", False)
    unsure = answer.describe(3, 0.41)
    assert unsure.digit_text == "3?" and unsure.is_uncertain and "not sure" in unsure.confidence_text
    assert wording.format_percent(1.0) == "100%" and wording.format_percent(0.0001) == "<0.1%"


def test_model_view_is_enlarged_with_nearest_neighbour():
    model_input = np.zeros((28, 28), np.float32)
    model_input[0, 0] = 1.0
    view = np.asarray(answer.model_view_image(model_input))
    assert view.shape == (28 * answer.MODEL_VIEW_SCALE,) * 2
    scale = answer.MODEL_VIEW_SCALE
    assert (view[:scale, :scale] == 255).all() and (view[scale:, :] == 0).all()


def test_a_small_picture_is_shown_enlarged_with_its_pixels_crisp_and_a_big_one_shrunk():
    """An 8x8 or 28x28 file's picture filled 8 or 28 px of the window's 168 px box (PIL's thumbnail never enlarges)."""
    from PIL import Image

    pixels = np.zeros((8, 8), np.uint8)
    pixels[2, 5] = 255
    shown = answer.thumbnail(Image.fromarray(pixels), 168)
    assert shown.size == (168, 168)  # 21 times
    values = np.asarray(shown)
    assert (values[2 * 21:3 * 21, 5 * 21:6 * 21] == 255).all() and values.sum() == 255 * 21 * 21
    assert answer.thumbnail(Image.new("RGB", (28, 14)), 168).size == (168, 84)  # 6 times, its aspect kept
    assert answer.thumbnail(Image.new("L", (120, 40)), 168, width=300).size == (240, 80)  # the number's box
    assert answer.thumbnail(Image.new("L", (100, 100)), 168).size == (100, 100)  # less than twice: as it is
    assert answer.thumbnail(Image.new("RGBA", (2000, 1000)), 168).size == (168, 84)


def test_the_clipboard_text_names_an_image_file_as_a_path_or_a_file_uri(tmp_path):
    from digitpad.gui.main.paste import named_file

    image, notes = tmp_path / "my digits" / "seven.PNG", tmp_path / "notes.txt"
    image.parent.mkdir()
    image.write_bytes(b"not read here")
    notes.write_text("hello")
    uri = "file://" + str(image).replace(" ", "%20")
    assert named_file(str(image)) == image and named_file(f"  {image}\n") == image
    assert named_file(uri) == image and named_file(f"copy\n{uri}") == image  # (GNOME Files' copied-files text)
    assert named_file(f"# a comment\n{uri}\r\n{notes}") == image  # (text/uri-list, first file)
    assert named_file(str(notes)) is None and named_file(str(tmp_path / "gone.png")) is None
    assert named_file("7") is None and named_file("x" * 10000 + ".png") is None and named_file("a\0b.png") is None


def test_only_the_newest_pasted_pictures_are_kept(tmp_path, monkeypatch):
    from PIL import Image, ImageGrab

    from digitpad.gui.main import paste

    names = [f"pasted-20261202-1200{second:02d}-000000000.png" for second in range(paste.PASTED_KEPT + 5)]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "mine.png").write_bytes(b"")  # (not a pasted picture: never removed)
    monkeypatch.setattr(ImageGrab, "grabclipboard", lambda: Image.new("L", (9, 9)))
    newest = paste.pasted_picture(tmp_path)
    kept = sorted(path.name for path in tmp_path.glob("pasted-*.png"))
    assert kept == sorted(names[-(paste.PASTED_KEPT - 1):] + [newest.name]) and (tmp_path / "mine.png").exists()


def test_progress_tracker_rate_and_time_left():
    now = [100.0]
    tracker = table_data.ProgressTracker(1000, clock=lambda: now[0])
    assert tracker.rate is None and tracker.text() == "0 / 1,000 files"
    now[0] += 2.0
    tracker.update(250)
    assert tracker.rate == pytest.approx(125.0)
    assert tracker.seconds_left == pytest.approx(6.0)
    assert tracker.text() == "250 / 1,000 files  |  125 files/s  |  6 s left"
    assert wording.format_duration(125) == "2 min 05 s"
    assert wording.format_duration(3725) == "1 h 02 min"


def test_table_view_sorts_and_filters():
    rows = [_Row("/d/img10.png", "3", 0.99), _Row("/d/img2.png", "", None, "not an image"),
            _Row("/d/img1.png", "8", 0.42)]
    view = table_data.TableView()
    assert view.order(rows) == [0, 1, 2]
    view.toggle_sort("file")
    assert view.order(rows) == [2, 1, 0]  # natural order: img1, img2, img10
    view.toggle_sort("file")
    assert view.order(rows) == [0, 1, 2]
    view.toggle_sort("confidence")
    assert view.order(rows) == [1, 2, 0]
    view.filter_name = table_data.SHOW_ERRORS
    assert view.order(rows) == [1]
    view.filter_name = table_data.SHOW_LOW_CONFIDENCE
    assert view.order(rows) == [2]
    view.filter_name = table_data.SHOW_PROBLEMS
    assert view.order(rows) == [1, 2]
    assert table_data.display_values(rows[2], "/d") == ("img1.png", "8", "42.0%", "", "")
    from digitpad.folders.results import ReviewedRow  # noqa: PLC0415

    corrected = ReviewedRow(rows[2], "3", "corrected")
    assert table_data.display_values(rows[2], "/d", corrected) == ("img1.png", "3", "42.0%", "corrected (read 8)", "")
    assert table_data.display_values(rows[2], "/d", ReviewedRow(rows[2], "8", "accepted"))[1:4] == (
        "8", "42.0%", "accepted")
    amount = _Row("/d/amount.png", "1250", 0.97, text="12,50")
    assert table_data.display_values(amount, "/d")[1] == "12,50"  # the number as written
    assert table_data.display_values(amount, "/d", ReviewedRow(amount, "1251", "corrected"))[1] == "1251"


def test_settings_round_trip_and_damaged_file(tmp_path):
    path = tmp_path / "config" / "gui-settings.json"
    assert settings.load_settings(path) == settings.Settings()
    stored = settings.Settings(last_folder=str(tmp_path), pen_width=25.0)
    assert settings.save_settings(stored, path) is None
    assert json.loads(path.read_text()) == {"last_folder": str(tmp_path), "pen_width": 25.0, "single_digit": False,
                                            "clear_after_teaching": True}
    assert settings.load_settings(path) == stored
    assert settings.load_settings(path).initial_folder() == str(tmp_path)
    assert not list(path.parent.glob(".*tmp"))  # atomic write leaves no temporary file
    path.write_text("{not json")
    assert settings.load_settings(path) == settings.Settings()
    path.write_text(json.dumps({"last_folder": 5, "pen_width": "thick", "single_digit": "yes"}))
    assert settings.load_settings(path) == settings.Settings()


def test_remember_folder_keeps_the_folder_of_a_file(tmp_path):
    remembered = settings.Settings()
    image = tmp_path / "seven.png"
    image.write_bytes(b"")
    remembered.remember_folder(image)
    assert remembered.last_folder == str(tmp_path)
    remembered.remember_folder(tmp_path)
    assert remembered.last_folder == str(tmp_path)


def test_about_text_has_version_and_accuracy(tmp_path):
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"test_accuracy": 0.9934}))
    accuracy = dialogs.model_test_accuracy(report)
    assert accuracy == pytest.approx(0.9934)
    text = dialogs.about_text(accuracy=accuracy)
    assert __version__ in text and "99.34%" in text
    assert dialogs.model_test_accuracy(tmp_path / "missing.json") is None
    assert "not measured" in dialogs.about_text(accuracy=None)
    # With second opinions the app answers with them: that is the accuracy a user gets.
    report.write_text(json.dumps({"test_accuracy": 0.9934, "second_opinions": {"test": {"accuracy": 0.9951}}}))
    assert dialogs.model_test_accuracy(report) == pytest.approx(0.9951)


def test_menu_accelerators_and_event_sequences(monkeypatch):
    monkeypatch.setattr(menus.theme, "shortcut_modifier", lambda: ("Control", "Ctrl"))
    assert menus.accelerator_text(menus.Action("Open", print, "o")) == "Ctrl+O"
    assert menus.accelerator_text(menus.Action("Folder", print, "O")) == "Ctrl+Shift+O"
    assert menus.accelerator_text(menus.Action("Clear", print, "Escape", uses_modifier=False)) == "Esc"
    assert menus.event_sequences(menus.Action("Open", print, "o")) == ["<Control-o>"]
    assert menus.event_sequences(menus.Action("Folder", print, "O")) == ["<Control-Shift-O>"]


def test_the_pads_strokes_get_the_same_input_as_an_image_of_them():
    """The live answer reads the pad's own rendering without the photo clean-up, to nearly the same model input as
    an image of it (which is cleaned at half size, ink.DRAFT_SIZE: a pixel's rim differs, not the digit)."""
    from digitpad.gui.main.live import read_pad_strokes  # noqa: PLC0415
    from digitpad.imaging.ink import NoDigitError  # noqa: PLC0415
    from digitpad.imaging.preprocess import mnist_input  # noqa: PLC0415
    from tests.gui.gui_helpers import SEVEN, FakePredictor  # noqa: PLC0415

    seven = strokes.Stroke(tuple(SEVEN[0]), 18.0)
    reading = read_pad_strokes(FakePredictor(), [seven], 18.0, single_digit=True)
    assert reading.text == "7"
    assert np.abs(reading.digits[0].model_input - mnist_input(render_strokes([seven]))).mean() < 0.04
    with pytest.raises(NoDigitError):
        read_pad_strokes(FakePredictor(), [], 18.0, single_digit=True)



def test_held_out_set_names_read_as_phrases():
    from digitpad.gui.report.model_info import ModelReport, source_title

    assert source_title("style: crossed seven (mnist)") == "Crossed seven, added to MNIST test digits"
    assert source_title("style: open four (templates)") == "Open four, from held-out template seeds"
    assert source_title("pen writers") == "Pen digits by held-out writers"
    assert source_title("something new") == "something new"
    report = ModelReport(None, "m", "", {"sources": {"test": {"fonts": {"accuracy": 0.995, "count": 990},
                                                             "broken": "x"}}, "credits": ["MNIST"]})
    assert report.source_rows() == [("Printed digits in held-out fonts", "99.50%", "", "990")]
    assert report.credits == ["MNIST"] and report.test_accuracy_with_second_opinions is None
    report.readers = [{"validation": {"whole_numbers": 0.95, "count": 3000}},
                      {"validation": {"whole_numbers": 0.945, "count": 3000}},
                      {"validation": {"whole_numbers": 0.94, "count": 3000}},
                      {"validation": {"whole_numbers": 0.935, "count": 3000}}]
    assert report.source_rows()[-4:] == [
        ("Whole numbers (1-8 digits), reader 1", "95.00%", "", "3,000"),
        ("Whole numbers (1-8 digits), reader 2", "94.50%", "", "3,000"),
        ("Whole numbers (1-8 digits), reader 3", "94.00%", "", "3,000"),
        ("Whole numbers (1-8 digits), reader 4", "93.50%", "", "3,000")]
    report.report["second_opinions"] = {"test": {"accuracy": 0.9971},
                                        "sources": {"test": {"fonts": {"accuracy": 1.0, "count": 990}}}}
    assert report.source_rows()[0] == ("Printed digits in held-out fonts", "99.50%", "100.00%", "990")
    assert report.test_accuracy_with_second_opinions == pytest.approx(0.9971)
