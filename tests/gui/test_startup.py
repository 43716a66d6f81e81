"""Starting the window: no TensorFlow in the GUI's imports, the window shows before the model is loaded."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
WINDOW_TIMEOUT_SECONDS = 30


def run_python(code: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=REPOSITORY, capture_output=True,
                          text=True, timeout=120, **options)


def test_importing_the_gui_loads_no_tensorflow():
    result = run_python("""
        import importlib, pkgutil, sys
        import digitpad.gui
        from digitpad.gui.app import run_app, DigitpadApp
        for module in pkgutil.walk_packages(digitpad.gui.__path__, "digitpad.gui."):
            importlib.import_module(module.name)
        heavy = sorted(name for name in sys.modules if name.split(".")[0] in ("tensorflow", "keras"))
        print("HEAVY:", heavy)
    """)
    assert result.returncode == 0, result.stderr
    assert "HEAVY: []" in result.stdout


def test_the_command_line_parser_loads_no_engine():
    """`digitpad` with no arguments builds every subcommand's parser before it opens the window: that must not
    import NumPy, the training data code (SciPy, fonts) or TensorFlow, which would delay the window."""
    result = run_python("""
        import sys
        from digitpad.cli.main import build_parser
        build_parser()
        heavy = sorted(name for name in sys.modules if name.split(".")[0] in ("numpy", "scipy", "tensorflow", "keras"))
        print("HEAVY:", heavy)
    """)
    assert result.returncode == 0, result.stderr
    assert "HEAVY: []" in result.stdout


def test_run_app_without_a_display_says_so():
    environment = dict(os.environ, DISPLAY=":987654")
    environment.pop("WAYLAND_DISPLAY", None)
    result = run_python("""
        import sys
        from digitpad.gui.app import run_app
        sys.exit(run_app())
    """, env=environment)
    assert result.returncode == 1
    assert "cannot open a window" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")
def test_the_window_is_visible_while_the_model_is_still_loading(tk_root, tmp_path):
    marker = tmp_path / "load-started"
    script = f"""
        import sys, threading, pathlib
        sys.path.insert(0, {str(REPOSITORY)!r})
        from tests.gui.gui_helpers import FakePredictor
        from digitpad.gui.app import run_app

        class NeverReady(FakePredictor):
            def load(self):
                pathlib.Path({str(marker)!r}).write_text(str("tensorflow" in sys.modules))
                threading.Event().wait()

        sys.exit(run_app(NeverReady()))
    """
    environment = dict(os.environ, DIGITPAD_DATA_DIR=str(tmp_path / "user-data"))
    process = subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)], cwd=REPOSITORY, env=environment,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        search = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name", "^digitpad$"],
                                capture_output=True, text=True, timeout=WINDOW_TIMEOUT_SECONDS)
        assert search.returncode == 0 and search.stdout.split(), search.stderr
        assert process.poll() is None  # still running, model never loaded
        # The load starts in the background once the window is up (a busy machine may take a moment).
        deadline = time.monotonic() + WINDOW_TIMEOUT_SECONDS
        while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert marker.read_text() == "False"  # load started in the background, no TensorFlow involved
    finally:
        process.terminate()
        process.wait(10)


def test_quitting_while_the_model_loads_exits_cleanly(tk_root, tmp_path):
    """The loading thread outlives the window and collects garbage: it must never free a Tk object."""
    script = f"""
        import gc, sys, threading
        sys.path.insert(0, {str(REPOSITORY)!r})
        from tests.gui.gui_helpers import FakePredictor
        import digitpad.gui.app as gui_app

        window_closed, loader_done = threading.Event(), threading.Event()

        class LoadsPastTheWindow(FakePredictor):
            def load(self):
                if not window_closed.wait(60):
                    return
                for _ in range(20):  # allocate and collect in this thread after the window is gone
                    [[] for _ in range(20000)]
                    gc.collect()
                loader_done.set()

        original_start, original_close = gui_app.DigitpadApp.start_loading_model, gui_app.DigitpadApp.close

        def start_and_quit(self, make_predictor=None):
            original_start(self, make_predictor)
            self.window.after_idle(self.close)  # quit while the model loads

        def close_and_tell(self):
            original_close(self)
            window_closed.set()

        gui_app.DigitpadApp.start_loading_model = start_and_quit
        gui_app.DigitpadApp.close = close_and_tell
        code = gui_app.run_app(LoadsPastTheWindow())
        print("LOADER DONE", loader_done.wait(60))  # while the interpreter is still up
        print("EXIT", code)
        sys.exit(code)
    """
    environment = dict(os.environ, DIGITPAD_DATA_DIR=str(tmp_path / "user-data"))
    result = run_python(script, env=environment)
    assert result.returncode == 0, result.stderr
    assert "LOADER DONE True" in result.stdout and "EXIT 0" in result.stdout and "Fatal" not in result.stderr
