"""Fixtures for the window tests: one real Tk root per module, fail on any Tk callback error, app instances."""

from __future__ import annotations

import gc
import os
import sys
import tkinter as tk

import pytest

from digitpad.gui.main.settings import SETTINGS_FILE_NAME
from tests.gui.gui_helpers import FakePredictor, wait_until

REQUIRE_GUI_ENV_VAR = "DIGITPAD_REQUIRE_GUI"


def _no_display(reason: str) -> None:
    if os.environ.get(REQUIRE_GUI_ENV_VAR) == "1":
        pytest.fail(f"GUI tests required ({REQUIRE_GUI_ENV_VAR}=1) but {reason}")
    pytest.skip(f"no display: {reason}")


@pytest.fixture(scope="package", autouse=True)
def collect_garbage_on_the_main_thread_only():
    """Tk objects must be freed on the thread that made them: freeing a Tk interpreter in a worker thread aborts
    the process. So automatic garbage collection (which runs in whichever thread allocates) is off during the
    window tests, and `main_thread_garbage_collection` collects on the main thread around every test."""
    gc.collect()
    gc.disable()
    yield
    gc.collect()
    gc.enable()


@pytest.fixture(autouse=True)
def main_thread_garbage_collection():
    gc.collect()
    yield
    gc.collect()


@pytest.fixture(scope="module")
def tk_root():
    """A withdrawn Tk root shared by one test module; windows under test are real Toplevels of it."""
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
        _no_display("$DISPLAY is not set (run under xvfb-run)")
    try:
        root = tk.Tk(className="digitpad-tests")
    except tk.TclError as error:
        _no_display(str(error))
    root.withdraw()
    yield root
    root.update_idletasks()
    root.destroy()


@pytest.fixture(autouse=True)
def tk_callback_errors(monkeypatch):
    """Fail the test if any Tk callback raised (Tk would otherwise only print the traceback)."""
    errors: list[str] = []

    def record(self, exception_type, value, traceback):
        import traceback as traceback_module  # noqa: PLC0415

        errors.append("".join(traceback_module.format_exception(exception_type, value, traceback)))

    monkeypatch.setattr(tk.Tk, "report_callback_exception", record)
    yield errors
    assert not errors, "a Tk callback raised:\n" + "\n".join(errors)


@pytest.fixture
def settings_path(isolated_user_data):
    """The window's settings file, in the test's own user data folder (never the user's)."""
    return isolated_user_data / SETTINGS_FILE_NAME


@pytest.fixture
def fake_predictor():
    return FakePredictor()


@pytest.fixture
def make_app(tk_root, settings_path):
    """Build DigitpadApp windows (Toplevels of the module root) with recording dialog hooks; closed afterwards."""
    from digitpad.gui.app import DigitpadApp  # noqa: PLC0415

    apps = []

    def make(predictor, load_model: bool = True, ready: bool = True):
        window = tk.Toplevel(tk_root)
        app = DigitpadApp(window, predictor, settings_path=settings_path)
        app.messages = []
        app.show_message = lambda kind, title, text: app.messages.append((kind, title, text))
        apps.append(app)
        window.update()
        if load_model:
            app.start_loading_model()
            if ready:
                wait_until(window, lambda: app.model_state != "loading", timeout=60)
        return app

    yield make
    for app in apps:
        app.close()
    tk_root.update()


@pytest.fixture
def app(make_app, fake_predictor):
    return make_app(fake_predictor)
