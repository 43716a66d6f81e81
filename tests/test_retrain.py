"""Retraining: a synthetic, strongly slanting user is learned without forgetting MNIST; progress, cancel, fallbacks, CLI."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from digitpad.cli.main import main
from digitpad.imaging.preprocess import mnist_input
from digitpad.storage import paths
from digitpad.storage.hashing import file_sha256
from digitpad.training import retrain
from digitpad.training.retrain import RetrainCancelled, RetrainConfig, RetrainError, fine_tune, split_holdout
from digitpad.userdata.model_store import ModelStore
from digitpad.userdata.samples import LoadedSamples, SampleStore
from tests.synthetic_user import user_digit_indices, user_drawings

# The synthetic user: this many stored samples, and fresh drawings of theirs the retrain never sees.
USER_SAMPLE_COUNT = 300
FRESH_DRAWING_COUNT = 500
USER_SEED = 11
# Effect sizes the real model must show (measured: see tests/bench/bench_retrain.py).
MAX_BASE_USER_ACCURACY = 0.90
MIN_HELD_OUT_GAIN = 0.10
MIN_FRESH_GAIN = 0.15
MIN_FRESH_ACCURACY_AFTER = 0.90
QUICK = RetrainConfig(epochs=1, mnist_check_count=300)

real_model_only = pytest.mark.skipif(not paths.bundled_model_path().is_file(),
                                     reason="the bundled model assets/model.keras has not been trained yet")


@pytest.fixture(scope="module")
def mnist_samples(mnist_test):
    """60 MNIST test digits as already-preprocessed samples (no drawing needed for the mechanics)."""
    x_test, y_test = mnist_test
    indices = user_digit_indices(len(x_test), 60, seed=3)
    return LoadedSamples(x_test[indices].astype(np.float32) / 255.0, y_test[indices].astype(np.int64),
                         [str(index) for index in indices])


# -- pieces -------------------------------------------------------------------------------------------------

def test_split_holdout_is_stratified_fixed_and_keeps_a_training_sample_per_digit():
    labels = np.array([0] * 10 + [1] * 5 + [2] * 1 + [3] * 2)
    train, holdout = split_holdout(labels, 0.2, seed=5)
    assert sorted(np.concatenate([train, holdout]).tolist()) == list(range(len(labels)))
    assert [int((labels[holdout] == digit).sum()) for digit in range(4)] == [2, 1, 0, 0]
    assert set(labels[train]) == {0, 1, 2, 3}
    again_train, again_holdout = split_holdout(labels, 0.2, seed=5)
    assert again_holdout.tolist() == holdout.tolist() and again_train.tolist() == train.tolist()


def test_mnist_check_digits_are_fixed():
    first = retrain.mnist_check_indices(10000)
    assert len(set(first.tolist())) == retrain.MNIST_CHECK_COUNT
    assert first.tolist() == retrain.mnist_check_indices(10000).tolist()


# -- mechanics on a tiny model ---------------------------------------------------------------------------------

def test_fine_tune_reports_progress_and_writes_nothing(tiny_model_path, mnist_samples, mnist_path, isolated_user_data):
    before = file_sha256(tiny_model_path)
    updates = []
    result = fine_tune(tiny_model_path, mnist_samples, mnist_path, QUICK, report=updates.append)
    assert file_sha256(tiny_model_path) == before
    assert not isolated_user_data.exists()
    assert result.mnist_checked and result.kind == retrain.FINE_TUNE
    assert 0 <= result.mnist_before <= 1 and 0 <= result.mnist_after <= 1
    assert result.holdout_count == 12 and result.train_count == 48
    assert result.acceptable == (result.mnist_after >= result.mnist_before - retrain.MAX_MNIST_DROP - 1e-9
                                 and result.user_after >= result.user_before)
    training = [update for update in updates if update["kind"] in ("batch", "epoch")]
    assert training and training[-1]["kind"] == "epoch" and training[-1]["fraction"] == pytest.approx(1.0)
    assert {"epoch", "epochs", "fraction", "elapsed", "loss", "accuracy"} <= set(training[0])
    fractions = [update["fraction"] for update in updates]
    assert fractions == sorted(fractions)
    assert [update["stage"] for update in updates if update["kind"] == "stage"] == [
        "loading", "measuring the current model", "training", "measuring the new model"]
    figures = result.figures()
    assert "model" not in figures and figures["user_after"] == result.user_after
    assert any("MNIST check" in line for line in result.describe())


def test_cancel_raises_and_leaves_the_active_model_untouched(tiny_model, tiny_model_path, mnist_samples, mnist_path,
                                                             isolated_user_data):
    store = ModelStore()
    kept = store.save_new(tiny_model)
    store.activate(kept)
    files_before = sorted(path.name for path in store.root.iterdir())
    updates = []
    with pytest.raises(RetrainCancelled):
        fine_tune(tiny_model_path, mnist_samples, mnist_path, RetrainConfig(epochs=3), report=updates.append,
                  should_stop=lambda: any(update["kind"] == "batch" for update in updates))
    assert store.active().path == kept
    assert sorted(path.name for path in store.root.iterdir()) == files_before


def test_cancel_from_another_thread_stops_a_worker_quickly(tiny_model_path, mnist_samples, mnist_path):
    cancel = threading.Event()
    outcome = {}

    def report(update):
        if update["kind"] == "batch":
            cancel.set()

    def work():
        try:
            outcome["result"] = fine_tune(tiny_model_path, mnist_samples, mnist_path, RetrainConfig(epochs=20),
                                          report=report, should_stop=cancel.is_set)
        except RetrainCancelled as error:
            outcome["cancelled"] = error

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive() and "cancelled" in outcome


def test_without_mnist_it_still_fine_tunes_and_says_the_check_was_not_made(tiny_model_path, mnist_samples, tmp_path):
    result = fine_tune(tiny_model_path, mnist_samples, tmp_path / "no_mnist.npz", QUICK)
    assert not result.mnist_checked and result.mnist_before is None and result.mnist_after is None
    assert result.user_before is not None and result.user_after is not None
    assert any("MNIST is not available" in note for note in result.notes)
    assert any("not made" in line for line in result.describe())


def test_too_few_samples_and_a_damaged_base_model_are_clear_errors(tiny_model_path, mnist_samples, mnist_path,
                                                                   tmp_path):
    with pytest.raises(RetrainError, match="at least"):
        fine_tune(tiny_model_path, mnist_samples.subset(range(5)), mnist_path, QUICK)
    damaged = tmp_path / "damaged.keras"
    damaged.write_bytes(b"garbage")
    with pytest.raises(RetrainError, match="cannot load model"):
        fine_tune(damaged, mnist_samples, mnist_path, QUICK)


def test_keep_saves_and_activates_through_the_model_store(tiny_model_path, mnist_samples, mnist_path,
                                                          isolated_user_data):
    result = fine_tune(tiny_model_path, mnist_samples, mnist_path, QUICK)
    path = result.keep()
    store = ModelStore()
    assert store.active().path == path and store.history()[0].details["user_after"] == result.user_after


def test_full_retrain_trains_from_scratch_with_the_samples(tiny_model_path, mnist_samples, mnist_path):
    from digitpad.training.config import TrainConfig

    updates = []
    quick = TrainConfig(limit=1024, validation_size=500)
    result = retrain.full_retrain(mnist_path, epochs=1, report=updates.append, samples=mnist_samples,
                                  base_model_path=tiny_model_path, train_config=quick)
    assert result.kind == retrain.FULL_RETRAIN and result.train_count == 48
    assert result.config["train"]["epochs"] == 1 and result.mnist_after is not None
    assert any(update["kind"] == "epoch" for update in updates)
    cancel = threading.Event()

    def cancel_on_first_batch(update):
        if update["kind"] == "batch":
            cancel.set()

    with pytest.raises(RetrainCancelled):
        retrain.full_retrain(mnist_path, epochs=1, report=cancel_on_first_batch, should_stop=cancel.is_set,
                             train_config=quick)


# -- the command line --------------------------------------------------------------------------------------------

def test_cli_usage_errors(isolated_user_data, tmp_path, capsys):
    assert main(["retrain"]) == 2
    assert "no samples" in capsys.readouterr().err
    assert main(["retrain", "--samples", str(tmp_path / "missing")]) == 2
    assert "no such folder" in capsys.readouterr().err
    (tmp_path / "flat").mkdir()
    assert main(["retrain", "--samples", str(tmp_path / "flat")]) == 2
    assert main(["retrain", "--model-out", str(tmp_path / "new.h5")]) == 2
    assert main(["retrain", "--epochs", "0"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_cli_full_retrain_without_mnist_fails_clearly(tiny_model_path, isolated_user_data, tmp_path, capsys):
    status = main(["retrain", "--full", "--model", str(tiny_model_path), "--mnist", str(tmp_path / "missing.npz")])
    captured = capsys.readouterr()
    assert status == 1 and "needs MNIST" in captured.err and "Traceback" not in captured.err


def test_cli_model_out_writes_a_model_and_leaves_the_active_one(tiny_model_path, mnist_test, mnist_path, tmp_path,
                                                                 isolated_user_data, capsys):
    x_test, y_test = mnist_test
    store = SampleStore()
    for index in user_digit_indices(len(x_test), 20, seed=4):
        store.add(255 - x_test[index], int(y_test[index]))
    output = tmp_path / "out" / "mine.keras"
    status = main(["retrain", "--model", str(tiny_model_path), "--model-out", str(output), "--epochs", "1",
                   "--mnist", str(mnist_path)])
    captured = capsys.readouterr()
    assert status in (0, 1) and output.is_file(), captured.err
    assert "MNIST check" in captured.out and "your held-out samples" in captured.out
    assert "Traceback" not in captured.err
    assert not (isolated_user_data / "models").exists()
    from digitpad.inference.keras_model import load_keras_model

    assert load_keras_model(output).output_shape == (None, 10)


def test_cli_without_model_out_saves_and_activates_only_if_acceptable(tiny_model_path, mnist_test, mnist_path,
                                                                      tmp_path, isolated_user_data, capsys):
    x_test, y_test = mnist_test
    folder = tmp_path / "samples"
    export_store = SampleStore(folder)
    for index in user_digit_indices(len(x_test), 20, seed=5):
        export_store.add(255 - x_test[index], int(y_test[index]))
    status = main(["retrain", "--samples", str(folder), "--model", str(tiny_model_path), "--epochs", "1",
                   "--mnist", str(mnist_path)])
    captured = capsys.readouterr()
    store = ModelStore()
    assert len(store.history()) == 1
    if status == 0:
        assert store.active().path == store.history()[0].path and "made it the active model" in captured.out
    else:
        assert status == 1 and store.active().source == "bundled" and "did NOT activate" in captured.out


# -- the real effect ---------------------------------------------------------------------------------------------

@real_model_only
def test_retraining_learns_a_slanting_user_without_forgetting_mnist(mnist_test, mnist_path, isolated_user_data):
    x_test, y_test = mnist_test
    stored = user_digit_indices(len(x_test), USER_SAMPLE_COUNT, seed=USER_SEED)
    store = SampleStore()
    drawings, labels = user_drawings(x_test, y_test, stored)
    for drawing, label in zip(drawings, labels):
        store.add(drawing, int(label))
    samples = store.load_dataset()
    assert len(samples) == USER_SAMPLE_COUNT and not samples.damaged

    result = fine_tune(paths.bundled_model_path(), samples, mnist_path)

    fresh = user_digit_indices(len(x_test), FRESH_DRAWING_COUNT, seed=USER_SEED + 1, exclude=stored)
    fresh_drawings, fresh_labels = user_drawings(x_test, y_test, fresh)
    fresh_inputs = np.stack([mnist_input(drawing) for drawing in fresh_drawings])
    from digitpad.inference.keras_model import load_keras_model

    fresh_before = retrain._accuracy(load_keras_model(paths.bundled_model_path()), fresh_inputs, fresh_labels)
    fresh_after = retrain._accuracy(result.model, fresh_inputs, fresh_labels)
    figures = [*result.describe(), f"fresh drawings: {fresh_before:.2%} before, {fresh_after:.2%} after"]
    print("\n".join(figures))
    assert result.user_before < MAX_BASE_USER_ACCURACY, "the synthetic user is too easy to show an effect"
    assert result.user_after >= result.user_before + MIN_HELD_OUT_GAIN, figures
    assert fresh_after >= max(fresh_before + MIN_FRESH_GAIN, MIN_FRESH_ACCURACY_AFTER), figures
    assert result.mnist_after >= result.mnist_before - retrain.MAX_MNIST_DROP, figures
    assert result.acceptable, figures


# -- a retrain killed at any moment ----------------------------------------------------------------------------

KILL_FRACTIONS = (0.35, 0.7, 0.9, 0.97)


def test_retrain_command_killed_at_random_moments_leaves_a_loadable_model(tiny_model_path, mnist_test, mnist_path,
                                                                        tmp_path, isolated_user_data):
    """`digitpad retrain` (which saves and activates at its end) killed with SIGKILL at moments spread over a
    whole run, save and activation included: the active model always loads, with no warning."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from digitpad.inference.keras_model import load_keras_model
    from tests.conftest import REPO_ROOT

    x_test, y_test = mnist_test
    folder = tmp_path / "samples"
    folder_store = SampleStore(folder)
    for index in user_digit_indices(len(x_test), 20, seed=6):
        folder_store.add(255 - x_test[index], int(y_test[index]))
    command = [sys.executable, "-m", "digitpad", "retrain", "--samples", str(folder), "--model", str(tiny_model_path),
               "--epochs", "1", "--mnist", str(mnist_path)]
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}

    def check_store() -> None:
        store = ModelStore()
        active = store.active()
        assert active.warning is None, active.warning
        assert load_keras_model(active.path).output_shape == (None, 10)
        for saved in store.history():
            load_keras_model(saved.path)

    started = time.monotonic()
    complete = subprocess.run(command, cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=600)
    full_run_seconds = time.monotonic() - started
    assert complete.returncode in (0, 1) and "Traceback" not in complete.stderr, complete.stderr[-2000:]
    check_store()
    for fraction in KILL_FRACTIONS:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=environment,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            process.wait(timeout=fraction * full_run_seconds)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=60)
        check_store()
