"""The retrain window and the Model menu: progress, cancel, keep, discard, reset, fallback warning, model report."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from digitpad.gui import dialogs
from digitpad.gui.retrain.text import MNIST_MISSING_TEXT
from digitpad.storage import paths
from digitpad.storage.hashing import file_sha256
from digitpad.training import retrain
from digitpad.userdata.model_store import ModelStore
from digitpad.userdata.samples import SampleStore
from tests.gui.gui_helpers import wait_until

RETRAIN_TIMEOUT_SECONDS = 240


@pytest.fixture(scope="module")
def small_model(tmp_path_factory, mnist_path, tiny_model_path):
    """A real but small model: the tiny model trained 1 epoch on 2,000 MNIST digits (a few seconds)."""
    from digitpad.inference.keras_model import load_keras_model  # noqa: PLC0415

    with np.load(mnist_path) as data:
        x, y = data["x_train"][:2000], data["y_train"][:2000]
    model = load_keras_model(tiny_model_path)  # a copy of its own: the shared tiny model never changes
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x.reshape(-1, 28, 28, 1).astype(np.float32) / 255.0, y, epochs=1, batch_size=64, verbose=0)
    path = tmp_path_factory.mktemp("models") / "small.keras"
    model.save(path)
    return path


@pytest.fixture
def store_samples(mnist_path):
    """Put `count` MNIST test digits (as images) in the user's sample store."""
    def add(count: int) -> SampleStore:
        store = SampleStore()
        with np.load(mnist_path) as data:
            x, y = data["x_test"][-count:], data["y_test"][-count:]
        for image, label in zip(x, y):
            store.add(image, int(label), model_input=image / 255.0)
        return store
    return add


def fake_result(model_path, acceptable=True, mnist_checked=True):
    from digitpad.inference.keras_model import load_keras_model  # noqa: PLC0415

    return retrain.RetrainResult(
        model=load_keras_model(model_path), kind=retrain.FINE_TUNE, base_model_path=Path(model_path),
        mnist_before=0.90 if mnist_checked else None, mnist_after=0.905 if mnist_checked else None,
        user_before=0.5, user_after=0.75, acceptable=acceptable, mnist_checked=mnist_checked, train_count=16,
        holdout_count=4, seconds=3.0, notes=[] if acceptable else ["The new model forgot too much."],
        config={"mnist_check_count": 300})


def fake_fine_tune(result_path, hold_until_cancelled=False, **options):
    def fine_tune(base_model_path, samples, mnist_path=None, config=None, report=None, should_stop=None):
        report({"kind": "stage", "stage": "training", "fraction": 0.0, "elapsed": 0.0})
        for step in range(10_000 if hold_until_cancelled else 4):
            if should_stop():
                raise retrain.RetrainCancelled("retraining cancelled")
            report({"kind": "batch", "epoch": 0, "epochs": 2, "batch": step, "steps": 4, "fraction": (step + 1) / 8,
                    "elapsed": 0.1, "loss": 0.5, "accuracy": 0.8})
            time.sleep(0.02)
        return fake_result(result_path, **options)
    return fine_tune


def active_state(store: ModelStore):
    choice = store.active()
    return choice.path, file_sha256(choice.path), store.active_file.read_bytes() if store.active_file.exists() else None


def kept_model(small_model) -> Path:
    """The small model saved and activated as the user's retrained model."""
    from digitpad.inference.keras_model import load_keras_model  # noqa: PLC0415

    store = ModelStore()
    path = store.save_new(load_keras_model(small_model), fake_result(small_model).figures())
    store.activate(path)
    return path


def test_too_few_samples_are_explained_instead_of_starting(app, store_samples):
    store_samples(4)
    app.retrain()
    window = app.retrain_window
    assert str(window.start_button.cget("state")) == "disabled"
    assert "at least 10 samples; you have 4" in window.fine_tune_text.cget("text")
    window.start_fine_tune()
    assert window.job is None


def test_full_retrain_is_disabled_and_explained_without_mnist(app, monkeypatch, tmp_path):
    monkeypatch.setenv("DIGITPAD_MNIST", str(tmp_path / "missing.npz"))
    app.retrain()
    window = app.retrain_window
    assert str(window.full_button.cget("state")) == "disabled"
    assert "DIGITPAD_MNIST" in window.full_text.cget("text")


def test_real_fine_tune_with_progress_then_keep_activates_and_reloads(app, small_model, store_samples):
    store_samples(24)
    app.model_path = small_model  # start from the small model: a quick but real fine-tune
    app.retrain_config = retrain.RetrainConfig(epochs=1, mnist_check_count=200)
    app.retrain()
    window = app.retrain_window
    seen = []
    original = window._progress
    window._progress = lambda update: (seen.append(update), original(update))
    window.start_button.invoke()
    assert window.is_running
    wait_until(app.window, lambda: window.outcome is not None, timeout=RETRAIN_TIMEOUT_SECONDS)
    assert window.outcome == "done", window.setup_message.cget("text")
    kinds = {update["kind"] for update in seen}
    assert {"samples", "stage", "batch", "epoch"} <= kinds
    assert "Epoch 1 of 1" in window.figures_label.cget("text") and "Elapsed" in window.time_label.cget("text")
    assert "MNIST held-out digits (200)" in window.figures_table.winfo_children()[4].cget("text")
    assert window.result.mnist_checked and window.result.holdout_count > 0
    assert ModelStore().active().source == "bundled"  # nothing is written before Keep
    window.keep_button.invoke()
    wait_until(app.window, lambda: window.closed, timeout=60)
    active = ModelStore().active()
    assert active.source == "user" and active.path == window.kept_path
    wait_until(app.window, lambda: app.model_state == "ready" and app.model_path == active.path, timeout=120)
    assert app.predictor.model_path == active.path
    assert app.status.model_state.startswith("Your retrained model ready (version 1")


def test_cancel_leaves_the_active_model_untouched(app, small_model, store_samples, monkeypatch):
    kept_model(small_model)
    store = ModelStore()
    before = active_state(store)
    store_samples(12)
    monkeypatch.setattr(retrain, "fine_tune", fake_fine_tune(small_model, hold_until_cancelled=True))
    app.retrain()
    window = app.retrain_window
    window.start_fine_tune()
    wait_until(app.window, lambda: window.progress.fraction and window.progress.fraction > 0)
    assert str(window.progress_bar.cget("mode")) == "determinate" and "loss 0.500" in window.figures_label.cget("text")
    window.cancel_button.invoke()
    wait_until(app.window, lambda: window.outcome is not None)
    assert window.outcome == "cancelled" and window.result is None
    assert "unchanged" in window.setup_message.cget("text") and "unchanged" in app.status.message
    assert active_state(store) == before and len(store.history()) == 1


def test_discard_leaves_the_active_model_untouched(app, small_model, store_samples, monkeypatch):
    store = ModelStore()
    before = active_state(store)
    store_samples(12)
    monkeypatch.setattr(retrain, "fine_tune", fake_fine_tune(small_model, acceptable=False, mnist_checked=False))
    app.retrain()
    window = app.retrain_window
    window.start_fine_tune()
    wait_until(app.window, lambda: window.outcome is not None, timeout=60)
    assert window.outcome == "done"
    texts = [child.cget("text") for child in window.figures_table.winfo_children()]
    assert MNIST_MISSING_TEXT in texts and "75.0%" in texts
    assert window.verdict_label.cget("text").startswith("Not recommended")
    assert window.keep_button.cget("text") == "Keep anyway"
    window.discard_button.invoke()
    assert window.closed and "Discarded" in app.status.message
    assert active_state(store) == before and store.history() == []


def test_full_retrain_runs_with_the_chosen_epochs(app, small_model, store_samples, monkeypatch, mnist_path):
    store_samples(12)
    calls = []

    def full_retrain(mnist, epochs, report, should_stop, samples=None, base_model_path=None, train_config=None,
                     config=None):
        calls.append((Path(mnist), epochs, len(samples)))
        report({"kind": "epoch", "epoch": 0, "epochs": epochs, "fraction": 1 / epochs, "elapsed": 1.0, "loss": 0.3,
                "accuracy": 0.9, "val_accuracy": 0.95})
        return fake_result(small_model)

    monkeypatch.setattr(retrain, "full_retrain", full_retrain)
    app.retrain()
    window = app.retrain_window
    window.epochs_box.set("3")
    window.full_button.invoke()
    wait_until(app.window, lambda: window.outcome is not None, timeout=60)
    assert calls == [(Path(mnist_path), 3, 12)] and window.outcome == "done"


def test_reset_goes_back_to_the_bundled_model(app, small_model):
    kept_model(small_model)
    asked = []
    app.ask_yes_no = lambda title, text: asked.append(title) or False
    assert not app.reset_to_bundled() and ModelStore().active().source == "user"
    app.ask_yes_no = lambda title, text: True
    app.menus["Model"].invoke("Reset to bundled model…")
    assert asked and ModelStore().active().source == "bundled"
    wait_until(app.window, lambda: app.model_state == "ready" and app.model_path is not None, timeout=60)
    assert app.model_path == paths.bundled_model_path()
    assert app.status.model_state.startswith("Model ready")


def test_a_damaged_user_model_falls_back_with_a_visible_warning(app, small_model):
    path = kept_model(small_model)
    path.write_bytes(path.read_bytes()[:200])  # a truncated file
    app.load_active_model()
    wait_until(app.window, lambda: app.model_state == "ready" and app.model_path is not None, timeout=60)
    assert app.model_path == paths.bundled_model_path()
    assert app.status.model_label.cget("style") == "StatusWarning.TLabel"
    assert "could not be used" in app.status.message
    [(kind, title, text)] = app.messages
    assert kind == dialogs.WARNING and "bundled model" in text
    app.load_active_model()  # the message is shown once; the status bar keeps saying it
    wait_until(app.window, lambda: app.model_state == "ready", timeout=60)
    assert len(app.messages) == 1 and app.status.model_label.cget("style") == "StatusWarning.TLabel"


def test_the_model_report_shows_the_active_models_accuracy(app, small_model):
    app.model_path = None  # the fake predictor has no file: the report describes the store's choice
    app.menus["Model"].invoke("Model report…")
    window = app.report_window
    assert window.report.name == "the bundled model" and "describes the bundled model" in window.report.describes
    accuracy = dialogs.model_test_accuracy()
    assert f"{accuracy:.2%}" in window.accuracy_label.cget("text")
    assert len(window.table.get_children()) == 10 and "Confusion matrix" in window.chart_titles
    assert "Accuracy by source" in window.chart_titles
    sources = [window.sources.item(row, "values")[0] for row in window.sources.get_children()]
    assert {"MNIST test digits", "Pen digits by held-out writers", "Printed digits in held-out fonts"} <= set(sources)
    assert "Crossed seven, added to held-out writers' digits" in sources
    assert sources[-4:] == [f"Whole numbers (1-8 digits), reader {number}" for number in (1, 2, 3, 4)]  # the
    # bundled readers' own figures
    assert "together" in window.sources.cget("columns") and "with its second opinion" in window.accuracy_label.cget("text")
    assert "Alpaydin" in window.credits_label.cget("text") and "MNIST" in window.credits_label.cget("text")
    kept_model(small_model)
    app.open_model_report()
    window = app.report_window
    assert window.report.name == "your retrained model (version 1)"
    assert "no training report of its own" in window.report.describes
    assert "75.0% after" in window.retrain_label.cget("text")
