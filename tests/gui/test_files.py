"""Opening an image, classifying a folder in the background, the results table and CSV export."""

from __future__ import annotations

import csv
import time
import io
import os
import shutil
import subprocess
import threading

import pytest

from digitpad.folders import batch
from digitpad.folders.results import REVIEWED_CSV_COLUMNS
from digitpad.gui import dialogs, theme
from digitpad.gui.batch.table_data import SHOW_ERRORS, SHOW_LOW_CONFIDENCE
from tests.gui.gui_helpers import SEVEN, FakePredictor, digit_png, draw_digit, wait_until


@pytest.fixture
def seven_png(tmp_path):
    path = tmp_path / "images" / "seven.png"
    path.parent.mkdir()
    digit_png(path, SEVEN)
    return path


@pytest.fixture
def digit_folder(tmp_path):
    """Twelve real PNG digits, one file that is not an image and one blank page."""
    folder = tmp_path / "digits"
    (folder / "more").mkdir(parents=True)
    digit_png(folder / "d00.png", SEVEN)
    for index in range(1, 12):
        shutil.copy(folder / "d00.png", folder / ("more" if index % 2 else ".") / f"d{index:02d}.png")
    (folder / "broken.png").write_bytes(b"this is not a png")
    digit_png(folder / "blank.png", [])
    return folder


def test_ctrl_o_opens_an_image_and_shows_its_answer(app, seven_png, settings_path):
    app.ask_open_filename = lambda: str(seven_png)
    app.window.focus_force()
    app.window.update()
    app.window.event_generate("<Control-o>")
    wait_until(app.window, lambda: app.answer.state == "certain")
    assert app.answer.digit_text == "7" and "seven.png" in app.answer.message_text
    assert app.answer.source_view.cget("image")  # the thumbnail is shown
    assert app.answer.model_input is not None and app.answer.model_input.max() > 0.5
    assert app.settings.last_folder == str(seven_png.parent)
    assert str(seven_png.parent) in settings_path.read_text()


def _shown_size(app) -> tuple[int, int]:
    """The width and height of the picture shown beside the answer."""
    photo = app.answer.source_view.cget("image")
    return int(app.window.tk.call("image", "width", photo)), int(app.window.tk.call("image", "height", photo))


def _dark_pixels(app) -> int:
    """How many pixels of the picture shown beside the answer are dark (the writing's)."""
    photo = app.answer.source_view.cget("image")
    width, height = _shown_size(app)
    return sum(max(int(value) for value in app.window.tk.splitlist(app.window.tk.call(photo, "get", x, y))) < 160
               for x in range(width) for y in range(height))


def test_a_digit_drawn_small_on_a_big_canvas_is_shown_framed(app, tmp_path):
    """A 7 drawn 80 px tall with a 3 px pen on a phone's 1080x1920 canvas: the picture beside the answer is the crop
    around it, where its strokes show (before, the whole canvas shrunk to a thumbnail: empty paper, 0 dark pixels)."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (1080, 1920), 255)
    ImageDraw.Draw(image).line([(500, 900), (546, 900), (514, 980)], fill=0, width=3)
    image.save(tmp_path / "canvas.png")
    app.open_image(tmp_path / "canvas.png")
    wait_until(app.window, lambda: app.answer.state == "certain")
    assert _dark_pixels(app) >= 20
    image = Image.new("L", (280, 280), 255)  # a drawing filling its picture is shown whole
    ImageDraw.Draw(image).line([(60, 40), (220, 40), (110, 250)], fill=0, width=20)
    image.save(tmp_path / "big.png")
    app.open_image(tmp_path / "big.png")
    wait_until(app.window, lambda: app.answer.message_text.startswith("From big.png"))
    width, height = _shown_size(app)
    assert width == height


@pytest.fixture
def picture_on_clipboard(seven_png):
    """The seven's PNG held on the X clipboard as a picture (image/png), as a screenshot tool leaves it, by xclip."""
    if shutil.which("xclip") is None:
        if os.environ.get("DIGITPAD_REQUIRE_GUI") == "1":
            pytest.fail("DIGITPAD_REQUIRE_GUI=1 but xclip is not installed (.ci/install installs it)")
        pytest.skip("xclip is not installed")
    owner = subprocess.Popen(["xclip", "-quiet", "-selection", "clipboard", "-t", "image/png", "-i", str(seven_png)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while subprocess.run(["xclip", "-selection", "clipboard", "-t", "TARGETS", "-o"],
                             capture_output=True).stdout.find(b"image/png") < 0:  # (xclip serves it once it owns it)
            assert time.monotonic() < deadline and owner.poll() is None, "xclip did not take the clipboard"
        yield seven_png
    finally:
        owner.terminate()
        owner.wait(timeout=10)


def test_ctrl_v_reads_a_picture_on_the_clipboard(app, picture_on_clipboard, isolated_user_data):
    app.window.focus_force()
    app.window.update()
    app.window.event_generate("<Control-v>")
    wait_until(app.window, lambda: app.answer.state == "certain")
    pasted = list((isolated_user_data / "pasted").glob("pasted-*.png"))
    assert app.answer.digit_text == "7" and len(pasted) == 1 and pasted[0].name in app.answer.message_text
    from PIL import Image

    with Image.open(pasted[0]) as copy, Image.open(picture_on_clipboard) as original:  # the picture, whole
        assert copy.format == "PNG" and copy.size == original.size
    assert not list((isolated_user_data / "pasted").glob("*.tmp*"))


def test_pasting_a_copied_image_file_reads_that_file(app, seven_png):
    """A file manager's Copy leaves the file's URI as text: the file itself is read (no picture, no xclip needed)."""
    app.window.clipboard_clear()
    app.window.clipboard_append(f"copy\nfile://{str(seven_png).replace(' ', '%20')}\n")
    app.paste_image()
    wait_until(app.window, lambda: app.answer.state == "certain")
    assert app.answer.digit_text == "7" and "seven.png" in app.answer.message_text


@pytest.mark.parametrize(("clipboard", "said"), [(None, "holds no picture"), (NotImplementedError, "sudo apt install xclip")])
def test_pasting_nothing_says_why(app, monkeypatch, clipboard, said):
    """Text that names no image file, and no picture (or no tool to get one): a message, and the answer unchanged."""
    from PIL import ImageGrab

    def grab():
        if clipboard is NotImplementedError:
            raise NotImplementedError("wl-paste or xclip is required")
        return clipboard

    monkeypatch.setattr(ImageGrab, "grabclipboard", grab)
    app.window.clipboard_clear()
    app.window.clipboard_append("hello")
    state = app.answer.state
    app.paste_image()
    wait_until(app.window, lambda: app.messages)
    kind, title, text = app.messages[-1]
    assert kind == dialogs.ERROR and said in text and app.answer.state == state


def test_a_file_that_is_not_an_image_gives_the_engines_message(app, tmp_path):
    bad = tmp_path / "notes.png"
    bad.write_text("hello")
    app.open_image(bad)
    wait_until(app.window, lambda: app.messages)
    kind, title, text = app.messages[-1]
    assert kind == dialogs.ERROR and "not an image" in text and "notes.png" in text
    assert app.answer.state == "error" and "not an image" in app.answer.message_text


def test_an_image_without_ink_says_no_digit_found(app, tmp_path):
    """A blank picture was read: the answer and the status bar say no digit was found, with no dialog to dismiss
    (before, a "Cannot read image" error box covered the answer saying the same)."""
    blank = tmp_path / "blank.png"
    digit_png(blank, [])
    app.open_image(blank)
    wait_until(app.window, lambda: app.answer.state == "error")
    assert "no digit found" in app.answer.message_text and "no digit found" in app.status.message
    assert not app.messages
    assert app.answer.source_view.cget("image")  # the image itself is still shown


def test_drawing_after_opening_an_image_answers_for_the_pad(app, seven_png):
    app.open_image(seven_png)
    draw_digit(app.pad, SEVEN)  # before the file's answer came back: that answer is stale
    wait_until(app.window, lambda: app.answer.state == "certain")
    assert not app.answer.source_view.cget("image")


class PadHeldPredictor(FakePredictor):
    """Holds the pad's live readings at a gate; everything else (an opened image) is answered at once."""

    def __init__(self):
        super().__init__()
        self.pad_gate = threading.Event()
        self.pad_waiting = False

    def predict_inputs(self, inputs):
        if threading.current_thread().name == "digitpad-live-answer":
            self.pad_waiting = True
            assert self.pad_gate.wait(10)
        return super().predict_inputs(inputs)


def test_an_image_opened_while_the_pad_is_read_keeps_its_answer(make_app, seven_png):
    """The pad's reading, started before the image was opened but back after it, never replaces its answer."""
    predictor = PadHeldPredictor()
    app = make_app(predictor)
    draw_digit(app.pad, SEVEN)
    wait_until(app.window, lambda: predictor.pad_waiting)
    app.open_image(seven_png)
    wait_until(app.window, lambda: app.answer.message_text.startswith("From seven.png"))
    predictor.pad_gate.set()
    wait_until(app.window, lambda: not app.live.is_busy)
    assert app.live.stale_results_dropped == 1 and app.live.answers_shown == 0
    assert app.answer.message_text.startswith("From seven.png") and app.answer.source_view.cget("image")


def test_classify_folder_fills_the_table(app, digit_folder):
    app.ask_directory = lambda: str(digit_folder)
    app.window.focus_force()
    app.window.update()
    app.window.event_generate("<Control-Shift-O>")
    window = app.batch_window
    wait_until(app.window, lambda: window.is_complete, timeout=20)
    assert window.error is None and not window.cancelled
    assert len(window.rows) == 14 and len(window.tree.get_children("")) == 14
    errors = {row.path.rsplit("/", 1)[-1]: row.error for row in window.rows if row.error}
    assert errors == {"broken.png": "not an image", "blank.png": "no digit found"}
    assert window.tracker.done == window.tracker.total == 14
    assert "14 files" in window.summary_label.cget("text") and "2 errors" in window.summary_label.cget("text")
    assert str(window.export_button.cget("state")) == "normal"
    assert app.menus["File"].entrycget("Export results…", "state") == "normal"
    assert app.settings.last_folder == str(digit_folder)


def test_a_folder_without_images_says_why_its_table_is_empty(app, tmp_path):
    (tmp_path / "notes.txt").write_text("no pictures here")
    app.classify_folder(tmp_path)
    window = app.batch_window
    wait_until(app.window, lambda: window.is_complete, timeout=20)
    assert window.rows == [] and window.error is None
    assert window.progress_label.cget("text").startswith("No image files in this folder")


@pytest.mark.parametrize("width", [900, 1280, 1700])
def test_every_column_of_the_table_fits_the_window(app, digit_folder, width):
    """The Error column is shown whole beside the preview at usual widths, and can be scrolled to in a narrow
    window."""
    from digitpad.gui.batch.table import MINIMUM_STRETCHING_WIDTH  # noqa: PLC0415
    from digitpad.gui.batch.table_data import COLUMNS  # noqa: PLC0415

    app.classify_folder(digit_folder)
    window = app.batch_window
    wait_until(app.window, lambda: window.is_complete, timeout=20)
    window.geometry(f"{width}x700")
    wait_until(app.window, lambda: abs(window.winfo_width() - width) <= 2)
    window.update()
    tree = window.tree
    widths = {column: int(tree.column(column, "width")) for column in COLUMNS}
    assert widths["error"] >= theme.scaled(window, MINIMUM_STRETCHING_WIDTH)
    if width >= 1280:
        assert sum(widths.values()) <= tree.winfo_width(), (widths, tree.winfo_width())
        assert tree.xview() == (0.0, 1.0) and not window.table.sideways.winfo_ismapped()
    else:
        assert window.table.sideways.winfo_ismapped()
        tree.xview_moveto(1.0)
        window.update()
        assert tree.xview()[0] > 0.0 and tree.xview()[1] == 1.0


def test_table_sorts_by_heading_and_filters(make_app, digit_folder):
    app = make_app(FakePredictor(digit=4, confidence=0.5))
    app.classify_folder(digit_folder)
    window = app.batch_window
    wait_until(app.window, lambda: window.is_complete, timeout=20)
    window.sort_by("file")
    names = [window.tree.set(item, "file") for item in window.tree.get_children("")]
    assert names == sorted(names, key=lambda name: name.replace("more/", "zz"))  # natural path order
    assert "\u25b2" in window.tree.heading("file", "text")
    window.sort_by("file")
    assert [window.tree.set(item, "file") for item in window.tree.get_children("")] == names[::-1]
    window.sort_by("error")
    window.sort_by("error")
    assert window.tree.set(window.tree.get_children("")[0], "error") == "not an image"
    window.set_filter(SHOW_ERRORS)
    assert {row.error for row in window.visible_rows()} == {"not an image", "no digit found"}
    window.set_filter(SHOW_LOW_CONFIDENCE)
    assert len(window.visible_rows()) == 12 and all(row.confidence == 0.5 for row in window.visible_rows())


def double_click_row(tree, item):
    tree.see(item)
    tree.update()
    x, y, width, height = tree.bbox(item)
    for _ in range(2):  # a double click, as the pointer makes it
        tree.event_generate("<ButtonPress-1>", x=x + 5, y=y + height // 2)
        tree.event_generate("<ButtonRelease-1>", x=x + 5, y=y + height // 2)


def test_double_click_shows_the_image_and_model_view(app, digit_folder):
    app.classify_folder(digit_folder)
    window = app.batch_window
    wait_until(app.window, lambda: window.is_complete, timeout=20)
    window.update()
    items = window.tree.get_children("")
    good = next(item for item in items if window.tree.set(item, "digit") == "7")
    double_click_row(window.tree, good)
    wait_until(window, lambda: window.preview.state == "certain")
    assert window.preview.digit_text == "7" and window.preview.model_input is not None
    assert window.preview.source_view.cget("image")
    broken = next(item for item in items if window.tree.set(item, "error") == "not an image")
    double_click_row(window.tree, broken)
    wait_until(window, lambda: window.preview.state == "error")
    assert "broken.png: not an image" in window.preview.message_text


def test_cancel_stops_the_batch(make_app, tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    digit_png(folder / "d0000.png", SEVEN)
    for index in range(1, 700):
        shutil.copy(folder / "d0000.png", folder / f"d{index:04d}.png")
    gate = threading.Event()
    predictor = FakePredictor(predict_gate=gate, hold_from_call=2)  # the first batch is read, the second held
    app = make_app(predictor)
    app.classify_folder(folder)
    window = app.batch_window
    wait_until(app.window, lambda: window.tracker.done > 0 and predictor.waiting_at_gate, timeout=20)
    window.cancel_button.invoke()
    gate.set()
    wait_until(app.window, lambda: window.finished, timeout=20)
    assert window.cancelled and window.tracker.done < 700
    assert "Cancelled" in window.progress_label.cget("text")
    assert str(window.cancel_button.cget("state")) == "disabled"
    window.job.join(5)
    assert not window.job.is_running


def test_export_writes_the_command_line_csv(app, digit_folder, tmp_path):
    app.export_results()
    assert app.messages[-1][0] == dialogs.INFO  # nothing to export yet
    app.classify_folder(digit_folder)
    window = app.batch_window
    wait_until(app.window, lambda: window.is_complete, timeout=20)
    target = tmp_path / "out" / "results.csv"
    target.parent.mkdir()
    app.ask_save_filename = lambda: str(target)
    app.menus["File"].invoke("Export results…")
    expected = io.StringIO()
    batch.write_csv(window.rows, expected)
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    cli_rows = list(csv.reader(io.StringIO(expected.getvalue())))
    # The command line's columns, cell for cell, then the model's answer and the review state (none yet).
    assert tuple(rows[0]) == REVIEWED_CSV_COLUMNS and len(rows) == 15
    assert [cells[:len(batch.CSV_COLUMNS)] for cells in rows] == cli_rows
    assert all(cells[len(batch.CSV_COLUMNS):] == [cells[1], "no"] for cells in rows[1:])
    assert "Exported 14 rows" in app.status.message


def test_an_export_that_cannot_be_written_shows_an_error(app, digit_folder, tmp_path):
    app.classify_folder(digit_folder)
    window = app.batch_window
    wait_until(app.window, lambda: window.is_complete, timeout=20)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    app.export_results(blocker / "results.csv")  # a folder that is a file
    assert app.messages[-1][0] == dialogs.ERROR and "Export failed" in app.messages[-1][1]


def test_ten_thousand_rows_never_stall_the_window(app, tmp_path):
    """The worker's chunks arrive as fast as they can; the table takes them a bounded number per poll."""
    from digitpad.gui.batch.window import BatchWindow  # noqa: PLC0415

    window = BatchWindow(app.window, app.pump, app.predictor)
    window.folder = str(tmp_path)
    window._job_total(10_000)
    rows = [batch.Row(str(tmp_path / f"{index:05d}.png"), str(index % 10), (index % 100) / 100, "", "")
            for index in range(10_000)]
    for start in range(0, len(rows), 256):
        window._job_rows(rows[start:start + 256], start + len(rows[start:start + 256]))
    window._job_finished(False, None)
    window.update()  # map the window first
    longest = 0.0
    while not window.is_complete:
        started = time.thread_time()  # CPU time of the Tk thread: what a loaded test machine cannot inflate
        window.update()
        longest = max(longest, time.thread_time() - started)
        time.sleep(0.001)
    assert len(window.tree.get_children("")) == 10_000
    assert longest < 0.1, f"the window was busy for {longest:.3f} s in one go"
    started = time.thread_time()
    window.sort_by("confidence")
    assert time.thread_time() - started < 1.0
    window.close()


def test_a_folder_of_digits_with_a_few_numbers_suggests_single_digits(make_app, bundled_predictor, tmp_path):
    """Twenty files read as one digit and two as numbers: the batch window's last line suggests reading each file as
    one digit; with Read single digits only on, it does not."""
    from PIL import Image  # noqa: PLC0415

    folder = tmp_path / "digits"
    folder.mkdir()
    digit_png(folder / "d00.png", SEVEN)
    for index in range(1, 20):
        shutil.copy(folder / "d00.png", folder / f"d{index:02d}.png")
    seven = Image.open(folder / "d00.png").convert("L")
    for index in range(2):  # "77": two sevens side by side
        pair = Image.new("L", (seven.width * 2, seven.height), 255)
        pair.paste(seven, (0, 0))
        pair.paste(seven, (seven.width, 0))
        pair.save(folder / f"number{index}.png")
    app = make_app(bundled_predictor)
    app.classify_folder(folder)
    window = app.batch_window
    wait_until(app.window, lambda: window.is_complete, timeout=60)
    assert sorted(row.digit for row in window.rows).count("77") == 2
    assert "2 of 22 were read as numbers" in window.progress_label.cget("text")
    assert "Read single digits only" in window.progress_label.cget("text")
    window.start(folder, single_digit=True)
    wait_until(app.window, lambda: window.is_complete, timeout=60)
    assert "Read single digits only" not in window.progress_label.cget("text")
