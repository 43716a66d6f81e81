"""Finding MNIST (path, environment, offline download) and a real, small training run with its report."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from digitpad.training import mnist
from digitpad.training.mnist import MnistUnavailableError, load_mnist
from tests.conftest import REPO_ROOT


def test_loads_from_path_and_environment(mnist_path, monkeypatch):
    (x_train, y_train), (x_test, y_test) = load_mnist(mnist_path)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == np.uint8 and set(np.unique(y_test)) == set(range(10))
    monkeypatch.setenv("DIGITPAD_MNIST", str(mnist_path))
    assert load_mnist()[1][1].shape == (10000,)


def test_missing_and_wrong_files(tmp_path):
    with pytest.raises(MnistUnavailableError, match="not found"):
        load_mnist(tmp_path / "nope.npz")
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, images=np.zeros(3))
    with pytest.raises(MnistUnavailableError, match="missing x_train"):
        load_mnist(wrong)


def test_offline_download_failure_says_what_to_do(monkeypatch):
    monkeypatch.delenv("DIGITPAD_MNIST", raising=False)
    from keras.datasets import mnist as keras_mnist

    def offline():
        raise OSError("Temporary failure in name resolution")

    monkeypatch.setattr(keras_mnist, "load_data", offline)
    with pytest.raises(MnistUnavailableError) as raised:
        mnist.load_mnist()
    message = str(raised.value)
    assert "--mnist" in message and "DIGITPAD_MNIST" in message and "name resolution" in message


def test_train_command_writes_model_and_report(tmp_path, mnist_path):
    output = tmp_path / "models" / "small.keras"
    environment = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "digitpad", "train", "--mnist", str(mnist_path), "--output", str(output),
         "--epochs", "2", "--limit", "3000"],
        cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "test accuracy" in result.stdout
    report_dir = output.with_name("small_report")
    report = json.loads((report_dir / "report.json").read_text())
    assert 0.0 <= report["test_accuracy"] <= 1.0
    assert sum(sum(row) for row in report["test"]["confusion_matrix"]) == 10000
    assert report["command"].startswith("digitpad train")
    tested = report["sources"]["test"]
    assert tested["mnist"]["count"] == 10000 and tested["fonts"]["count"] > 0
    assert "style: crossed seven (templates)" in tested and "pen writers" not in tested  # no --pendigits given
    assert any("no pen digits" in note for note in report["notes"])
    assert any(credit.startswith("MNIST") for credit in report["credits"])
    assert "held out: fonts" in result.stdout
    history = json.loads((report_dir / "history.json").read_text())
    # 46 steps are too few for batch-norm statistics to settle, so judge learning on the training batches.
    assert len(history["val_accuracy"]) == 2
    assert history["loss"][1] < history["loss"][0]
    assert history["accuracy"][1] > 0.6
    for picture in ("learning_curves.png", "confusion_matrix.png", "training_samples.png"):
        assert (report_dir / picture).stat().st_size > 1000
    leftovers = [path.name for path in output.parent.iterdir() if path.name.startswith(".")]
    assert leftovers == [], "temporary files must not be left behind"

    from digitpad.inference.predictor import KerasPredictor

    predictor = KerasPredictor(output)
    predictor.load()
    assert predictor.predict_inputs(np.zeros((2, 28, 28), np.float32)).shape == (2, 10)


def test_a_tiny_training_run_is_reproducible(mnist_path):
    """The same seed gives the same weights: the data (MNIST, pen writers, styles, fonts) and the training."""
    from digitpad.training.config import DataConfig, TrainConfig
    from digitpad.training.train import fit_from_scratch
    from tests.data_paths import PENDIGITS

    small = DataConfig(pen_renders=1, style_from_mnist=20, style_from_pen=10, style_from_templates=10, font_renders=1,
                       evaluation_renders=1, evaluation_style_count=10)
    config = TrainConfig(epochs=1, limit=300, batch_size=64, data=small)
    runs = [fit_from_scratch(mnist_path, config, verbose=0, pendigits_path=PENDIGITS) for _ in range(2)]
    assert runs[0].summary["trained_on"]["by_source"]["pen"] > 0
    for first, second in zip(runs[0].model.get_weights(), runs[1].model.get_weights()):
        assert np.array_equal(first, second)
    other = fit_from_scratch(mnist_path, TrainConfig(epochs=1, limit=300, batch_size=64, data=small, seed=99),
                             verbose=0, pendigits_path=PENDIGITS)
    assert not np.array_equal(other.model.get_weights()[0], runs[0].model.get_weights()[0])
    member = fit_from_scratch(mnist_path, TrainConfig(epochs=1, limit=300, batch_size=64, data=small, member=1),
                              verbose=0, pendigits_path=PENDIGITS)
    assert not np.array_equal(member.model.get_weights()[0], runs[0].model.get_weights()[0])
    assert member.summary["sources"]["validation"].keys() == runs[0].summary["sources"]["validation"].keys()


def test_training_can_start_from_a_models_weights(mnist_path, tiny_model_path):
    """Fine-tuning (`digitpad train --from MODEL`): a run that barely moves the weights still reads like the model it
    started from (a random start reads MNIST near chance after one tiny epoch); another design is a clear error."""
    from digitpad.storage.paths import bundled_model_path
    from digitpad.training.config import DataConfig, TrainConfig
    from digitpad.training.train import StartModelError, fit_from_scratch

    small = DataConfig(pen_renders=1, style_from_mnist=20, style_from_pen=10, style_from_templates=10, font_renders=1,
                       evaluation_renders=1, evaluation_style_count=10)
    config = TrainConfig(epochs=1, limit=300, batch_size=64, data=small, learning_rate=1e-7,
                         start_from=str(bundled_model_path()))
    tuned = fit_from_scratch(mnist_path, config, verbose=0)
    assert tuned.summary["sources"]["test"]["mnist"]["accuracy"] > 0.98
    with pytest.raises(StartModelError, match="not a digit network of this design"):
        fit_from_scratch(mnist_path, TrainConfig(epochs=1, limit=300, batch_size=64, data=small,
                                                 start_from=str(tiny_model_path)), verbose=0)


def test_train_from_a_missing_model_is_a_clear_error(tmp_path, mnist_path):
    environment = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "digitpad", "train", "--mnist", str(mnist_path), "--from", str(tmp_path / "none.keras"),
         "--output", str(tmp_path / "m.keras")],
        cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 1
    assert "no model at" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "m.keras").exists()


def test_train_without_mnist_is_a_clear_error(tmp_path):
    environment = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "digitpad", "train", "--mnist", str(tmp_path / "none.npz"),
         "--output", str(tmp_path / "m.keras")],
        cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 1
    assert "MNIST file not found" in result.stderr and "Traceback" not in result.stderr


def test_train_with_a_missing_pen_digits_file_is_a_clear_error(tmp_path, mnist_path):
    environment = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "digitpad", "train", "--mnist", str(mnist_path), "--pendigits",
         str(tmp_path / "none.npz"), "--output", str(tmp_path / "m.keras")],
        cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 1
    assert "pen digits file not found" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "m.keras").exists()


def test_second_opinions_are_recorded_measured_and_added_to_the_report(tmp_path, mnist_path, tiny_model):
    from digitpad.inference import ensemble
    from digitpad.training.config import DataConfig, TrainConfig
    from digitpad.training.model import build_model
    from digitpad.training.second_opinions import add_second_opinions

    first, second = tmp_path / "first.keras", tmp_path / "second.keras"
    tiny_model.save(first)
    build_model(base_filters=4).save(second)
    (tmp_path / "first_report").mkdir()
    (tmp_path / "first_report" / "report.json").write_text(json.dumps({"test_accuracy": 0.5}))
    small = DataConfig(style_from_mnist=10, style_from_pen=0, style_from_templates=10, font_renders=1,
                       evaluation_renders=1, evaluation_style_count=10)
    figures = add_second_opinions(first, [second], mnist_path, config=TrainConfig(limit=200, data=small))
    assert ensemble.read_second_opinions(first).models == (second,)
    report = json.loads((tmp_path / "first_report" / "report.json").read_text())
    assert report["test_accuracy"] == 0.5  # the network's own figures are kept
    assert report["second_opinions"]["test"]["count"] == 10000 == figures["test"]["count"]
    assert report["second_opinions"]["models"] == ["second.keras"]
    assert {"mnist", "mnist as read", "fonts"} <= set(report["second_opinions"]["sources"]["test"])
    assert report["second_opinions"]["unsure_share"]["test"] == 1.0  # untrained networks are never sure

    # A missing opinion is a clear error, and the record and report stay as they were.
    environment = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "digitpad", "second-opinions", str(first), str(tmp_path / "gone.keras"),
         "--mnist", str(mnist_path)], cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "model file not found" in result.stderr and "gone.keras" in result.stderr
    assert "Traceback" not in result.stderr
    assert ensemble.read_second_opinions(first).models == (second,)
    assert json.loads((tmp_path / "first_report" / "report.json").read_text()) == report
