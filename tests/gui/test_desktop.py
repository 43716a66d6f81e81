"""The window on real desktops: errors a user can see, opening files from the command line, a read-only data
folder, one running copy, HiDPI screens."""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import textwrap
import threading
import types
from pathlib import Path

import numpy as np
import pytest

from digitpad.gui import dialogs, errors, theme
from digitpad.gui.main.data_folder import DATA_FOLDER_TITLE
from digitpad.gui.worker import BackgroundJob
from digitpad.storage import logfile
from tests.gui.gui_helpers import SEVEN, digit_png, draw_digit, wait_until
from tests.read_only import read_only_folder

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture
def reporter(app, tk_root):
    """An ErrorReporter on the tests' root whose dialogs do not wait; Tk's handler (the tests' check) still runs."""
    installed = errors.ErrorReporter(tk_root, open_log_folder=app.open_log_folder, modal=False).install(app.pump)
    yield installed
    installed.uninstall()
    if installed.dialog is not None and installed.dialog.winfo_exists():
        installed.dialog.destroy()


def log_text() -> str:
    path = logfile.log_path()
    return path.read_text(encoding="utf-8") if path.exists() else ""


# -- errors a user can see ------------------------------------------------------------------------------------
def test_a_callback_that_raises_is_shown_once_logged_and_the_app_keeps_working(app, reporter, tk_callback_errors):
    def broken(_app):
        raise ZeroDivisionError("boom in a callback")

    app.on_retrain = broken
    app.menus["Model"].invoke(0)  # Model > Retrain…, through Tk as a click would
    dialog = reporter.dialog
    assert dialog is not None and dialog.winfo_exists()
    assert str(dialog.message_label.cget("text")) == errors.ERROR_SENTENCE
    assert not dialog.details_shown and "ZeroDivisionError: boom in a callback" in dialog.details
    dialog.details_button.invoke()
    assert dialog.details_shown and "boom in a callback" in dialog.details_text.get("1.0", "end")
    assert log_text().count("ZeroDivisionError: boom in a callback") == 1
    assert len(tk_callback_errors) == 1 and "boom in a callback" in tk_callback_errors[0]  # Tk's handler saw it
    dialog.close_button.invoke()
    app.menus["Model"].invoke(0)  # the same error again: logged, not shown again
    assert not reporter.dialog.winfo_exists() and reporter.reported == 2
    assert log_text().count("ZeroDivisionError: boom in a callback") == 2
    tk_callback_errors.clear()
    draw_digit(app.pad, SEVEN)  # the window goes on working
    wait_until(app.window, lambda: app.answer.state == "certain")


def test_an_exception_that_ends_a_worker_thread_is_shown_and_logged(app, reporter, tk_callback_errors):
    class Broken(BackgroundJob):
        thread_name = "digitpad-broken-job"

        def _work(self):
            assert threading.current_thread().name == self.thread_name
            raise KeyError("lost in a worker")

    job = Broken()
    job._start()
    job.join(10)
    wait_until(app.window, lambda: reporter.dialog is not None)
    assert "KeyError: 'lost in a worker'" in reporter.dialog.details
    assert "digitpad-broken-job" in log_text() and "lost in a worker" in log_text()
    assert len(tk_callback_errors) == 1
    tk_callback_errors.clear()


def test_help_opens_the_log_folder(app, isolated_user_data):
    opened = []
    app.open_folder = opened.append
    labels = [app.menus["Help"].entrycget(index, "label") for index in (0, 2)]
    assert labels[1] == errors.OPEN_LOG_FOLDER_LABEL
    app.menus["Help"].invoke(2)
    assert opened == [logfile.log_dir()] and logfile.log_dir().is_dir()
    assert logfile.log_dir().is_relative_to(isolated_user_data)


# -- opening files from the command line ------------------------------------------------------------------------
def test_bare_paths_open_the_window_and_commands_stay_commands(tmp_path):
    from digitpad.cli.main import window_paths

    image = tmp_path / "a.png"
    assert window_paths([str(image)]) == [str(image)]
    assert window_paths(["a.png", "b"]) == [os.path.abspath("a.png"), os.path.abspath("b")]
    assert window_paths(["--", "-odd.png"]) == [os.path.abspath("-odd.png")]
    for argv in ([], ["classify", "a.png"], ["retrain"], ["train", "--output", "m"], ["--version"], ["--"]):
        assert window_paths(argv) is None, argv


def test_a_missing_path_is_a_usage_error_without_a_window(tmp_path):
    result = subprocess.run([sys.executable, "-m", "digitpad", str(tmp_path / "nothing.png")], cwd=REPOSITORY,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "no such file or folder" in result.stderr and "Traceback" not in result.stderr


def test_open_paths_reads_an_image_and_classifies_a_folder(app, tmp_path):
    image = tmp_path / "seven.png"
    digit_png(image, SEVEN)
    folder = tmp_path / "scans"
    folder.mkdir()
    digit_png(folder / "one.png", SEVEN)
    app.open_paths([str(image), str(folder)])
    wait_until(app.window, lambda: app.answer.state == "certain" and app.batch_window is not None
               and len(app.batch_window.rows) == 1)
    assert app.answer.digit_text == "7" and "From seven.png" in app.answer.message_text
    assert [Path(row.path).name for row in app.batch_window.rows] == ["one.png"]


def test_digitpad_image_opens_the_window_with_the_image_read(tmp_path):
    """`digitpad some.png` as a file manager runs it: the real command line, window and bundled model."""
    image = tmp_path / "some.png"
    digit_png(image, SEVEN)
    script = f"""
        import sys
        sys.path.insert(0, {str(REPOSITORY)!r})
        import digitpad.gui.app as gui_app
        from digitpad.cli.main import main

        original = gui_app.DigitpadApp._image_answered

        def answered(self, serial, revision, path, succeeded, value):
            original(self, serial, revision, path, succeeded, value)
            print("READ", path, self.answer.number_text, flush=True)
            self.window.after_idle(self.close)

        gui_app.DigitpadApp._image_answered = answered
        sys.exit(main([{str(image)!r}]))
    """
    environment = dict(os.environ, DIGITPAD_DATA_DIR=str(tmp_path / "user-data"))
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=tmp_path, env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"READ {image} 7" in result.stdout


# -- a read-only, full or vanished data folder --------------------------------------------------------------------
def files_under(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


def test_a_read_only_data_folder_is_said_once_and_drawing_files_and_folders_keep_working(
        app, isolated_user_data, tmp_path):
    for name in ("samples", "models"):
        (isolated_user_data / name).mkdir(parents=True, exist_ok=True)
    before = files_under(isolated_user_data)
    image = tmp_path / "seven.png"
    digit_png(image, SEVEN)
    folder = tmp_path / "scans"
    folder.mkdir()
    digit_png(folder / "a.png", SEVEN)
    app.ask_yes_no = lambda title, text: True
    with read_only_folder(isolated_user_data):
        draw_digit(app.pad, SEVEN)  # drawing and its answer
        wait_until(app.window, lambda: app.answer.state == "certain" and app.teach_row.enabled)
        strokes = app.pad.content.snapshot()
        app.teach_row.buttons[7].invoke()  # teaching: the pad is cleared for the next sample, then...
        wait_until(app.window, lambda: "not saved" in app.status.message)
        assert app.status.message == "Sample not saved: it is read-only for you."
        assert app.pad.content.snapshot() == strokes  # ...the drawing comes back: nothing is lost
        [(kind, title, text)] = app.messages
        assert kind == dialogs.WARNING and title == DATA_FOLDER_TITLE and str(isolated_user_data) in text
        assert "keep working" in text and "Traceback" not in text
        app.set_single_digit(True)  # a setting: said in the status bar, not again in a dialog
        assert app.status.message == "Settings not saved: it is read-only for you." and len(app.messages) == 1
        assert app.reset_to_bundled() is False  # no traceback: said, and the model in use stays
        assert app.model_state == "ready" and len(app.messages) == 1
        app.open_image(str(image))  # Open image
        wait_until(app.window, lambda: app.answer.state == "certain" and app.answer.message_text.startswith("From"))
        app.classify_folder(str(folder))  # Classify folder
        wait_until(app.window, lambda: len(app.batch_window.rows) == 1)
        assert files_under(isolated_user_data) == before  # nothing half-written
    assert len(app.messages) == 1


def test_a_vanished_data_folder_is_said_in_plain_words(app, isolated_user_data, monkeypatch, tmp_path):
    blocked = tmp_path / "a file"
    blocked.write_text("")
    monkeypatch.setenv("DIGITPAD_DATA_DIR", str(blocked / "userdata"))
    app.settings_path = blocked / "userdata" / "settings.json"
    app.set_single_digit(True)
    [(_, title, text)] = app.messages
    assert title == DATA_FOLDER_TITLE and "it is gone" in text


def test_samples_and_models_are_written_whole_or_not_at_all(isolated_user_data, monkeypatch):
    import errno

    from digitpad.storage import atomic
    from digitpad.userdata import model_store, samples

    store, models = samples.SampleStore(), model_store.ModelStore()
    drawing = np.zeros((64, 64), np.uint8)
    drawing[16:48, 30:34] = 255
    with read_only_folder(isolated_user_data):
        with pytest.raises(OSError):
            store.add(drawing, 1)
        with pytest.raises(model_store.ModelStoreError, match="cannot save the model"):
            models.save_new(object())
    assert files_under(isolated_user_data) == []

    class FakeModel:
        def save(self, path):
            Path(path).write_bytes(b"model")

    monkeypatch.setattr(model_store, "load_keras_model", lambda path: None)
    real_write_png, real_write_json = samples._write_png, atomic.write_json

    def full_disk(*arguments, **options):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(samples, "_write_png", lambda target, image, *source: (
        full_disk() if samples.INPUTS_DIR_NAME in target.parts else real_write_png(target, image, *source)))
    with pytest.raises(OSError):
        store.add(drawing, 1)  # the image was written, its input was not: the image is taken back
    monkeypatch.setattr(atomic, "write_json", full_disk)
    with pytest.raises(model_store.ModelStoreError, match="No space left"):
        models.save_new(FakeModel())  # the model was written, its figures were not: the model is taken back
    monkeypatch.setattr(atomic, "write_json", real_write_json)
    assert [path for path in files_under(isolated_user_data) if path.suffix in (".png", ".keras", ".json")] == []


# -- one running copy per user ----------------------------------------------------------------------------------
FIRST_COPY = """
    import sys
    sys.path.insert(0, {repository!r})
    import digitpad.gui.app as gui_app
    from digitpad.cli.main import main
    from tests.gui.gui_helpers import FakePredictor

    def load_fake_model(self, explicit=None):
        self.predictor = FakePredictor()
        self.start_loading_model()
        self.window.withdraw()  # out of sight: the hand-over must bring it back
        self.window.update()
        print("READY", self.window.state(), flush=True)  # the window is up and listening

    original_open_paths = gui_app.DigitpadApp.open_paths

    def open_paths(self, given):
        original_open_paths(self, given)
        if given:
            self.window.update()
            print("OPENED", list(given), self.window.state(), flush=True)
            self.window.after(100, self.close)

    gui_app.DigitpadApp.load_active_model = load_fake_model
    gui_app.DigitpadApp.open_paths = open_paths
    sys.exit(main([]))
"""


def line_reader(process: subprocess.Popen) -> queue.Queue:
    """The process's output lines, read in a thread, so that a test waits for a line with a timeout."""
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line.strip()) for line in process.stdout], daemon=True).start()
    return lines


def test_a_second_launch_hands_its_image_to_the_running_window_and_exits(tmp_path):
    image = tmp_path / "seven.png"
    digit_png(image, SEVEN)
    environment = dict(os.environ, DIGITPAD_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(REPOSITORY))
    first = subprocess.Popen([sys.executable, "-c", textwrap.dedent(FIRST_COPY.format(repository=str(REPOSITORY)))],
                             cwd=REPOSITORY, env=environment, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             text=True)
    lines = line_reader(first)
    try:
        assert lines.get(timeout=60) == "READY withdrawn"
        second = subprocess.run([sys.executable, "-m", "digitpad", str(image)], cwd=tmp_path, env=environment,
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 0 and second.stderr == "", second.stderr
        assert lines.get(timeout=30) == f"OPENED {[str(image)]} normal"  # shown again, in front
        assert first.wait(30) == 0
    finally:
        if first.poll() is None:
            first.kill()
    assert not (tmp_path / "data" / "instance.sock").exists()  # closed: the next launch is the window at once


# -- HiDPI screens ------------------------------------------------------------------------------------------------
SCREENS = [(1366, 768, 96), (1920, 1080, 144), (3840, 2160, 192)]
DECORATIONS = 100
"""96-dpi pixels of height the desktop takes around the window's content (menu bar, title bar, taskbar)."""
MEASURE_WINDOW = """
    import json, sys, tkinter as tk
    from tkinter import ttk
    sys.path.insert(0, {repository!r})
    from digitpad.gui.app import DigitpadApp
    from digitpad.gui import theme
    from tests.gui.gui_helpers import SEVEN, FakePredictor, draw_digit, wait_until

    root = tk.Tk(className="digitpad")
    app = DigitpadApp(root, FakePredictor(), settings_path={settings!r})
    app.start_loading_model()
    wait_until(root, lambda: app.model_state == "ready")
    root.geometry("%dx%d" % root.minsize())  # the smallest the window gets
    draw_digit(app.pad, SEVEN)
    wait_until(root, lambda: app.answer.state == "certain", timeout=30)
    wait_until(root, lambda: (root.winfo_width(), root.winfo_height()) == root.minsize())

    def widgets(widget):
        for child in widget.winfo_children():
            yield child
            yield from widgets(child)

    clipped = []
    for widget in widgets(root):
        if not widget.winfo_ismapped() or widget.winfo_class() == "Menu":
            continue
        x, y = widget.winfo_rootx() - root.winfo_rootx(), widget.winfo_rooty() - root.winfo_rooty()
        outside = x + widget.winfo_width() > root.winfo_width() or y + widget.winfo_height() > root.winfo_height()
        squeezed = isinstance(widget, (tk.Label, ttk.Label, ttk.Button)) and (
            widget.winfo_width() < widget.winfo_reqwidth() or widget.winfo_height() < widget.winfo_reqheight())
        if outside or squeezed:
            clipped.append(str(widget))
    print(json.dumps({{"screen": [root.winfo_screenwidth(), root.winfo_screenheight()], "minimum": root.minsize(),
                      "factor": theme.scale_factor(root), "model_view": app.answer.model_view.winfo_width(),
                      "clipped": clipped}}))
    app.close()
"""


@pytest.mark.parametrize("width, height, dpi", SCREENS)
def test_the_window_fits_the_screen_at_every_scale(tmp_path, width, height, dpi):
    """1366x768 at 100%, 1920x1080 at 150%, 3840x2160 at 200%: each on its own virtual screen."""
    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run is not installed")
    script = textwrap.dedent(MEASURE_WINDOW.format(repository=str(REPOSITORY), settings=str(tmp_path / "s.json")))
    environment = dict(os.environ, DIGITPAD_DATA_DIR=str(tmp_path / "data"))
    environment.pop("DIGITPAD_SCALE", None)
    result = subprocess.run(["xvfb-run", "-a", "-s", f"-screen 0 {width}x{height}x24 -dpi {dpi}", sys.executable,
                             "-c", script], cwd=REPOSITORY, env=environment, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    factor = measured["factor"]
    assert measured["screen"] == [width, height] and abs(factor - dpi / 96) < 0.02
    minimum_width, minimum_height = measured["minimum"]
    assert minimum_width <= width and minimum_height + DECORATIONS * factor <= height, measured
    assert measured["clipped"] == []
    assert measured["model_view"] == 28 * round(4 * factor)  # 112 px at 96 dpi, as large in inches at any


def test_windows_is_asked_for_per_monitor_dpi_awareness(monkeypatch):
    import ctypes

    calls = []

    class Library:
        def __init__(self, name, fails=False):
            self.name, self.fails = name, fails

        def __getattr__(self, function):
            def call(*arguments):
                calls.append((self.name, function, arguments))
                if self.fails:
                    raise OSError("not on this Windows")
                return 0 if function == "SetProcessDpiAwareness" else 1
            return call

    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(ctypes, "windll", types.SimpleNamespace(shcore=Library("shcore"), user32=Library("user32")),
                        raising=False)
    assert theme.enable_windows_dpi_awareness()
    assert calls == [("shcore", "SetProcessDpiAwareness", (2,))]
    calls.clear()
    monkeypatch.setattr(ctypes, "windll", types.SimpleNamespace(shcore=Library("shcore", fails=True),
                                                                user32=Library("user32")))
    assert theme.enable_windows_dpi_awareness()  # before Windows 8.1: system DPI aware
    assert [call[1] for call in calls] == ["SetProcessDpiAwareness", "SetProcessDPIAware"]


def test_the_scale_can_be_set_by_hand_and_back(app, monkeypatch):
    screens_own = theme.scale_factor(app.window)
    monkeypatch.setenv(theme.SCALE_ENV_VAR, "2")
    try:
        assert theme.apply_hidpi_scaling(app.window) == 2.0
        assert theme.scaled(app.window, 12) == 24 and theme.scale_factor(app.window) == pytest.approx(2.0, abs=0.01)
    finally:
        monkeypatch.delenv(theme.SCALE_ENV_VAR)
        theme.apply_hidpi_scaling(app.window)
    assert theme.scale_factor(app.window) == pytest.approx(screens_own, abs=0.01)  # the screen's own again


def test_a_retrained_model_kept_into_a_read_only_folder_is_not_saved_and_can_be_kept_later(
        app, isolated_user_data, tiny_model_path):
    from digitpad.gui.retrain.job import DONE
    from digitpad.userdata.model_store import ModelStore
    from tests.gui.test_retrain_gui import fake_result

    models = isolated_user_data / "models"
    models.mkdir(parents=True)
    app.open_retrain()
    window = app.retrain_window
    window._finished(DONE, fake_result(tiny_model_path))  # as a finished retrain hands it over
    with read_only_folder(isolated_user_data):
        window.keep_button.invoke()
        wait_until(app.window, lambda: "Could not save" in str(window.result_message.cget("text")), timeout=60)
        assert "cannot save the model" in str(window.result_message.cget("text"))
        assert str(window.keep_button.cget("state")) == "normal" and files_under(models) == []
    window.keep_button.invoke()  # writable again: the same new model is kept now
    wait_until(app.window, lambda: window.closed, timeout=60)
    assert ModelStore().active().path == window.kept_path and window.kept_path.is_file()
    # the window loads it in a worker: wait, so that no thread is left inside the engine when the tests end
    wait_until(app.window, lambda: app.model_state == "ready" and app.model_path == window.kept_path, timeout=120)


def test_samples_in_a_read_only_folder_stay_and_deleting_them_says_why(app, isolated_user_data):
    from digitpad.userdata.samples import SampleStore

    store = SampleStore()
    drawing = np.zeros((64, 64), np.uint8)
    drawing[16:48, 30:34] = 255
    kept = store.add(drawing, 1)
    app.open_samples()
    window = app.samples_window
    window.digit_list.selection_set("1")
    wait_until(app.window, lambda: window.digit == 1 and window.thumbnails_loaded)
    window.selected = {kept.sample_id}
    with read_only_folder(isolated_user_data):
        assert window.delete_selected() == 0
    assert app.status.message == "Could not delete 1 sample: it is read-only for you."
    assert store.find(kept.sample_id) is not None and window.counts[1] == 1
    window.close()
