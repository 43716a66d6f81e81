"""The main window driven as a user would, with a fake predictor: live answers, shortcuts, model loading, menus."""

from __future__ import annotations

import json
import threading

from digitpad import __version__
from digitpad.gui import dialogs, theme
from digitpad.gui.main.answer import EMPTY_PAD_HINT, LOADING_HINT
from digitpad.gui.main.live import DEBOUNCE_MS
from digitpad.inference.keras_model import ModelLoadError
from digitpad.reading.strokes import PAD_SIDE
from tests.gui.gui_helpers import ONE, SEVEN, FakePredictor, draw_digit, draw_stroke, settle, wait_until


def press_keys(app, sequence):
    app.window.focus_force()
    app.window.update()
    app.window.event_generate(sequence)
    app.window.update()


def test_answer_appears_shortly_after_a_stroke(app, fake_predictor):
    assert app.answer.state == "hint" and app.answer.digit_text == ""
    draw_digit(app.pad, SEVEN)
    assert app.answer.state == "hint"  # debounced: nothing yet
    wait_until(app.window, lambda: app.answer.state == "certain")
    assert app.answer.digit_text == "7" and app.answer.confidence_text == "90.0% sure"
    assert app.answer.bars.values is not None and float(app.answer.bars.values[7]) > 0.89
    assert app.answer.model_input is not None and app.answer.model_input.shape == (28, 28)
    assert app.answer.model_input.max() > 0.5
    assert "MainThread" not in fake_predictor.threads  # prediction ran in a worker thread


def test_empty_pad_shows_a_hint_and_clear_returns_to_it(app):
    assert EMPTY_PAD_HINT in app.answer.message_text
    draw_digit(app.pad, ONE)
    wait_until(app.window, lambda: app.answer.state == "certain")
    press_keys(app, "<Escape>")
    assert app.pad.content.is_empty and app.answer.state == "hint" and app.answer.digit_text == ""
    draw_digit(app.pad, ONE)
    press_keys(app, "<Delete>")
    assert app.pad.content.is_empty


def test_low_confidence_looks_uncertain(make_app):
    app = make_app(FakePredictor(digit=3, confidence=0.45))
    draw_digit(app.pad, SEVEN)
    wait_until(app.window, lambda: app.answer.state != "hint")
    assert app.answer.state == "uncertain"
    assert app.answer.digit_text == "3?" and "not sure" in app.answer.confidence_text
    assert app.answer.digit_label.cget("foreground") == theme.UNCERTAIN


def test_control_z_undoes_the_last_stroke(app):
    draw_stroke(app.pad, [(60, 60), (200, 60)])
    draw_stroke(app.pad, [(130, 60), (130, 220)])
    press_keys(app, "<Control-z>")
    assert len(app.pad.content.strokes) == 1 and abs(app.pad.content.strokes[0].points[0][1] - 60) < 2
    press_keys(app, "<Control-z>")
    assert app.pad.content.is_empty
    wait_until(app.window, lambda: app.answer.state == "hint")


def test_strokes_in_quick_succession_give_one_prediction(app, fake_predictor):
    draw_stroke(app.pad, SEVEN[0])
    draw_stroke(app.pad, [(110, 145), (180, 145)])  # the crossbar, well within the debounce
    wait_until(app.window, lambda: app.answer.state == "certain")
    settle(app.window, DEBOUNCE_MS * 2 / 1000)
    assert fake_predictor.calls == 1


def test_drawing_never_waits_for_a_prediction_and_stale_results_are_dropped(make_app):
    gate = threading.Event()
    predictor = FakePredictor(predict_gate=gate)
    app = make_app(predictor)
    draw_stroke(app.pad, ONE[0])
    wait_until(app.window, lambda: predictor.waiting_at_gate)  # the first answer is held mid-computation
    draw_stroke(app.pad, [(100, 200), (200, 200)])  # the pad changes meanwhile
    assert len(app.pad.content.strokes) == 2 and predictor.waiting_at_gate  # drawn while it was still held
    gate.set()
    wait_until(app.window, lambda: app.live.answers_shown == 1, timeout=10)
    assert app.live.stale_results_dropped == 1
    assert predictor.calls == 2


def test_window_appears_and_drawing_works_while_the_model_loads(make_app):
    gate = threading.Event()
    predictor = FakePredictor(load_gate=gate)
    app = make_app(predictor, ready=False)
    try:
        wait_until(app.window, lambda: app.window.winfo_viewable())
        assert app.model_state == "loading" and "Loading model" in app.status.model_state
        assert LOADING_HINT in app.answer.message_text
        draw_digit(app.pad, SEVEN)
        settle(app.window, DEBOUNCE_MS * 2 / 1000)
        assert len(app.pad.content.strokes) == 1 and app.answer.state == "hint" and predictor.calls == 0
    finally:
        gate.set()
    wait_until(app.window, lambda: app.answer.state == "certain")  # answered as soon as the model is ready
    assert app.model_state == "ready" and app.status.model_state.startswith("Model ready")


def test_a_failed_model_load_is_shown_in_the_window(make_app):
    app = make_app(FakePredictor(load_error=ModelLoadError("model file not found: /nowhere/model.keras")))
    assert app.model_state == "failed"
    assert app.answer.state == "error" and "model file not found" in app.answer.message_text
    assert "Traceback" not in app.answer.message_text
    assert "failed" in app.status.model_state and "model file not found" in app.status.message
    draw_digit(app.pad, SEVEN)  # the pad still works
    settle(app.window, DEBOUNCE_MS * 2 / 1000)
    assert len(app.pad.content.strokes) == 1 and app.answer.state == "error"


def test_menus_show_shortcuts(app):
    file_menu = app.menus["File"]
    accelerators = {file_menu.entrycget(index, "label"): file_menu.entrycget(index, "accelerator")
                    for index in range(file_menu.index("end") + 1) if file_menu.type(index) == "command"}
    modifier = theme.shortcut_modifier()[1]
    assert accelerators == {"Open image…": f"{modifier}+O", "Classify folder…": f"{modifier}+Shift+O",
                            "Open results CSV…": f"{modifier}+Shift+R", "Export results…": f"{modifier}+E",
                            "Quit": f"{modifier}+Q"}
    assert app.menus["Edit"].entrycget(0, "accelerator") == f"{modifier}+Z"
    assert app.menus["Edit"].entrycget(1, "accelerator") == "Esc"
    assert app.menus["Edit"].entrycget("Paste image", "accelerator") == f"{modifier}+V"
    assert file_menu.entrycget("Export results…", "state") == "disabled"  # nothing to export yet


def test_about_shows_version_and_model_accuracy(app, monkeypatch):
    monkeypatch.setattr(dialogs, "model_test_accuracy", lambda: 0.9921)
    app.menus["Help"].invoke(0)
    kind, title, text = app.messages[-1]
    assert kind == dialogs.INFO and "About" in title and __version__ in text and "99.21%" in text


def test_retrain_opens_the_retrain_window_unless_a_hook_is_set(app):
    app.menus["Model"].invoke(0)
    assert app.retrain_window is not None and app.retrain_window.winfo_exists() and not app.messages
    app.retrain_window.close()
    called = []
    app.on_retrain = called.append
    app.toolbar.retrain_button.invoke()
    assert called == [app]


def test_pen_width_control_and_settings_are_remembered(app, settings_path):
    app.toolbar.set_pen_width(30)
    draw_stroke(app.pad, [(60, 60), (200, 200)])
    assert app.pad.content.strokes[-1].width == 30
    app.close()
    assert json.loads(settings_path.read_text())["pen_width"] == 30


def test_window_basics_minimum_size_icon_and_title(app):
    assert app.window.title() == "digitpad"
    assert [photo.width() for photo in app._icons] == [256, 64]
    app.window.geometry("200x200")  # smaller than the window's content: it stops at its minimum size
    wait_until(app.window, lambda: (app.window.winfo_width(), app.window.winfo_height()) == app.window.minsize())
    assert min(app.window.minsize()) > 200


def test_the_pad_grows_with_the_window_and_stays_square(app):
    side = app.pad.pixel_side
    app.window.geometry(f"{app.window.winfo_width() + 200}x{app.window.winfo_height() + 200}")
    wait_until(app.window, lambda: app.pad.pixel_side > side)
    canvas = app.pad.canvas
    assert int(canvas.cget("width")) == int(canvas.cget("height")) == app.pad.pixel_side
    start, end = app.pad.to_canvas(0, 0), app.pad.to_canvas(PAD_SIDE, PAD_SIDE)
    assert end[0] - start[0] == end[1] - start[1] == app.pad.pixel_side  # the whole pad, at its new size


def test_close_cancels_timers_and_stops_the_pump(app):
    draw_stroke(app.pad, ONE[0])  # a debounce timer is pending
    pending = [app.pump._after_id, app.live._after_id]
    assert all(pending)
    app.close()
    scheduled = app.window.tk.splitlist(app.window.tk.call("after", "info"))
    assert not set(pending) & set(scheduled)
    assert app.pump.is_closed


def test_an_image_opened_while_the_model_loads_is_read_once_it_is_ready(make_app, tmp_path):
    from tests.gui.gui_helpers import digit_png  # noqa: PLC0415

    gate = threading.Event()
    path = tmp_path / "seven.png"
    digit_png(path, SEVEN)
    app = make_app(None, load_model=False)
    app.start_loading_model(lambda: FakePredictor(load_gate=gate))  # built in the worker, like run_app does
    app.open_image(path)
    assert app.predictor is None and "once the model is loaded" in app.status.message
    gate.set()
    wait_until(app.window, lambda: app.answer.state == "certain")
    assert isinstance(app.predictor, FakePredictor) and "seven.png" in app.answer.message_text


def test_ctrl_q_quits(app):
    press_keys_without_update = app.window.event_generate
    app.window.focus_force()
    app.window.update()
    press_keys_without_update("<Control-q>")
    assert app.closed and not app.window.winfo_exists()
