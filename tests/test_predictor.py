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


def test_unsure_digits_are_averaged_with_the_second_opinions_and_sure_ones_left_alone():
    from digitpad.inference.ensemble import combine

    probabilities = np.full((3, 10), 0.001, np.float32)
    probabilities[0, 3] = 0.991  # sure: left alone
    probabilities[1, 3], probabilities[1, 5] = 0.6, 0.391  # unsure
    probabilities[2, 7] = 0.991
    inputs = np.arange(3, dtype=np.float32).reshape(3, 1, 1, 1) * np.ones((3, 28, 28, 1), np.float32)
    asked = []

    def opinion(batch):
        asked.append(batch[:, 0, 0, 0].tolist())
        answer = np.zeros((len(batch), 10), np.float32)
        answer[:, 5] = 1.0
        return answer

    combined = combine(probabilities, inputs, [opinion, opinion], unsure_below=0.99)
    assert asked == [[1.0], [1.0]]  # only the unsure digit, once per opinion
    np.testing.assert_array_equal(combined[[0, 2]], probabilities[[0, 2]])
    assert combined[1].argmax() == 5 and combined[1, 5] == pytest.approx((0.391 + 2) / 3)
    assert combine(probabilities, inputs, [], 0.99) is probabilities


def test_unsure_digits_are_read_again_darker_and_the_surer_reading_kept():
    from digitpad.inference.darker_look import DARKER_LOOK_BELOW, DARKER_LOOK_FACTOR, with_darker_look

    probabilities = np.full((3, 10), 0.01, np.float32)
    probabilities[0, 1] = DARKER_LOOK_BELOW + 0.01  # sure enough: never looked at again
    probabilities[1, 1] = probabilities[2, 1] = DARKER_LOOK_BELOW - 0.01
    inputs = np.full((3, 28, 28, 1), 0.3, np.float32)
    inputs[:, 0, 0, 0] = [0.1, 0.2, 0.9]  # (which input is which; 0.9 darkened is clipped to 1)
    seen = []

    def predict(batch):
        seen.append(batch[:, 0, 0, 0].tolist())
        answer = np.full((len(batch), 10), 0.01, np.float32)
        answer[0, 0] = 0.95  # the first unsure digit reads surer darkened, as a 0
        answer[1, 0] = 0.5  # the second less sure: its first reading stands
        return answer

    looked = with_darker_look(probabilities, inputs, predict)
    assert seen == [[pytest.approx(0.2 * DARKER_LOOK_FACTOR), 1.0]]
    np.testing.assert_array_equal(looked[[0, 2]], probabilities[[0, 2]])
    assert looked[1].argmax() == 0 and looked[1, 0] == pytest.approx(0.95)
    sure = np.eye(10, dtype=np.float32)[[3, 4]]
    assert with_darker_look(sure, inputs[:2], predict) is sure and len(seen) == 1  # nothing unsure: nothing asked


def test_pictures_are_looked_at_again_darker_and_the_pads_strokes_are_not(bundled_predictor, monkeypatch):
    from digitpad.inference import predictor
    from digitpad.reading.number import read_number, read_strokes

    looked_at = []

    def spy(probabilities, inputs, predict):
        looked_at.append(len(inputs))
        return probabilities

    monkeypatch.setattr(predictor, "with_darker_look", spy)
    seven = [[(60, 60), (200, 60), (110, 240)]]  # (pad units, y down)
    read_strokes(seven, 16.0, bundled_predictor)
    read_strokes(seven, 16.0, bundled_predictor, single_digit=True)
    assert looked_at == []
    picture = np.zeros((80, 80), np.uint8)
    picture[20:60, 38:42] = 255
    read_number(picture, bundled_predictor)
    bundled_predictor.predict_image(picture)
    assert len(looked_at) >= 2


def _two_tiny_models(folder, tiny_model):
    from digitpad.training.model import build_model

    first, second = folder / "first.keras", folder / "second.keras"
    tiny_model.save(first)
    other = build_model(base_filters=4)
    other.set_weights([np.random.default_rng(index).normal(0, 0.3, weight.shape).astype(np.float32)
                       for index, weight in enumerate(other.get_weights())])
    other.save(second)
    return first, second


def test_a_model_with_a_second_opinion_averages_where_it_is_unsure(tmp_path, tiny_model, mnist_test):
    from digitpad.inference import ensemble

    first, second = _two_tiny_models(tmp_path, tiny_model)
    inputs = mnist_test[0][:64].astype(np.float32) / 255
    alone = KerasPredictor(first).predict_inputs(inputs)
    other = KerasPredictor(second).predict_inputs(inputs)
    assert alone.max() < 0.99  # an untrained model is unsure of everything
    ensemble.write_second_opinions(first, [second])
    together = KerasPredictor(first)
    np.testing.assert_allclose(together.predict_inputs(inputs), (alone + other) / 2, atol=1e-5)
    assert together.second_opinions == (second,)
    np.testing.assert_allclose(KerasPredictor(first, with_second_opinions=False).predict_inputs(inputs), alone)
    ensemble.write_second_opinions(first, [second], unsure_below=0.01)  # sure of everything: never asks
    np.testing.assert_allclose(KerasPredictor(first).predict_inputs(inputs), alone)


def test_a_damaged_record_or_a_missing_second_opinion_is_a_clear_load_error(tmp_path, tiny_model):
    from digitpad.inference import ensemble

    first, second = _two_tiny_models(tmp_path, tiny_model)
    ensemble.record_path(first).write_text("{not json")
    with pytest.raises(ModelLoadError, match="first.ensemble.json is damaged"):
        KerasPredictor(first).load()
    ensemble.write_second_opinions(first, [second])
    second.unlink()
    with pytest.raises(ModelLoadError, match="not found: .*second.keras"):
        KerasPredictor(first).load()
    with pytest.raises(ensemble.EnsembleError, match="own folder"):
        ensemble.write_second_opinions(first, [tmp_path / "elsewhere" / "other.keras"])


def test_the_bundled_model_asks_its_second_opinion_and_reads_mnist_better_with_it(mnist_test, bundled_predictor):
    from digitpad.inference import ensemble

    x_test, y_test = mnist_test
    assert bundled_predictor.second_opinions and all(path.is_file() for path in bundled_predictor.second_opinions)
    inputs = x_test.astype(np.float32) / 255
    together = bundled_predictor.predict_inputs(inputs)
    alone = KerasPredictor(with_second_opinions=False).predict_inputs(inputs)
    unsure = alone.max(axis=1) < ensemble.read_second_opinions(paths.bundled_model_path()).unsure_below
    assert 0 < unsure.mean() < 0.05  # asked about a few digits only
    np.testing.assert_array_equal(together[~unsure], alone[~unsure])
    assert (together.argmax(axis=1) != y_test).sum() < (alone.argmax(axis=1) != y_test).sum()
