"""The bundled model through the same preprocessing the app uses, and the predictor's contract."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from digitpad.imaging.ink import NoDigitError
from digitpad.imaging.preprocess import mnist_input
from digitpad.inference.keras_model import ModelLoadError
from digitpad.inference.predictor import KerasPredictor
from digitpad.storage import paths

CHECK_COUNT = 1000


def test_bundled_model_reads_mnist_through_preprocessing(mnist_test, bundled_predictor):
    x_test, y_test = mnist_test
    indices = np.random.default_rng(2024).choice(len(x_test), CHECK_COUNT, replace=False)
    inputs = np.stack([mnist_input(x_test[index]) for index in indices])
    predicted = bundled_predictor.predict_inputs(inputs).argmax(axis=1)
    assert (predicted == y_test[indices]).mean() >= 0.99


def test_prediction_fields(mnist_test, bundled_predictor):
    x_test, y_test = mnist_test
    prediction = bundled_predictor.predict_image(x_test[0])
    assert prediction.digit == int(y_test[0])
    assert prediction.probabilities.shape == (10,)
    assert abs(float(prediction.probabilities.sum()) - 1.0) < 1e-4
    assert prediction.confidence == pytest.approx(float(prediction.probabilities.max()))
    assert prediction.model_input.shape == (28, 28)
    assert prediction.top(3)[0] == (prediction.digit, pytest.approx(prediction.confidence))


def test_single_and_batched_predictions_agree(mnist_test, bundled_predictor):
    x_test, _ = mnist_test
    inputs = np.stack([mnist_input(digit) for digit in x_test[:300]])
    batched = bundled_predictor.predict_inputs(inputs)
    singles = np.stack([bundled_predictor.predict_input(model_input).probabilities for model_input in inputs[:20]])
    np.testing.assert_allclose(singles, batched[:20], atol=1e-5)


def test_blank_image_is_no_digit_not_a_guess(bundled_predictor):
    with pytest.raises(NoDigitError):
        bundled_predictor.predict_image(np.full((100, 100), 255, np.uint8))


def test_missing_and_damaged_models(tmp_path):
    with pytest.raises(ModelLoadError, match="not found"):
        KerasPredictor(tmp_path / "missing.keras").load()
    damaged = tmp_path / "damaged.keras"
    damaged.write_bytes(b"garbage")
    with pytest.raises(ModelLoadError, match="cannot load model"):
        KerasPredictor(damaged).load()


def test_training_report_is_shipped_beside_the_model():
    report_dir = paths.bundled_model_path().with_name("model_report")
    report = json.loads((report_dir / "report.json").read_text())
    assert report["test_accuracy"] >= 0.995  # raw MNIST test; the model is chosen on validation (README)
    assert {"mnist", "mnist as read", "pen writers", "fonts"} <= set(report["sources"]["test"])
    assert set(report["test"]["per_class_accuracy"]) == {str(digit) for digit in range(10)}
    for picture in ("learning_curves.png", "confusion_matrix.png"):
        assert (report_dir / picture).stat().st_size > 1000


def test_importing_the_engine_does_not_import_tensorflow():
    code = ("import sys, digitpad.inference.predictor, digitpad.folders.batch, digitpad.imaging.preprocess, "
            "digitpad.cli.main; print('tensorflow' in sys.modules or 'keras' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
