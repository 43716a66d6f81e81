"""Turn images into digit predictions: a model-agnostic base and the Keras-backed predictor (lazy TensorFlow)."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitpad import paths
from digitpad.preprocess import mnist_input

INFERENCE_BATCH_SIZE = 256


@dataclass(frozen=True)
class Prediction:
    """One digit's answer: the digit, its probability, all ten probabilities, and the 28x28 model input."""

    digit: int
    confidence: float
    probabilities: np.ndarray
    model_input: np.ndarray

    def top(self, count: int = 3) -> list[tuple[int, float]]:
        """The `count` most likely digits with their probabilities."""
        order = np.argsort(self.probabilities)[::-1][:count]
        return [(int(digit), float(self.probabilities[digit])) for digit in order]


class ModelLoadError(RuntimeError):
    """The model file is missing, damaged or not a digit model."""


class BasePredictor:
    """Everything but the network: subclasses (or test fakes) implement `predict_inputs`."""

    def load(self) -> None:
        """Make predictions ready (may be slow); calling it again does nothing."""

    def predict_inputs(self, inputs: np.ndarray) -> np.ndarray:
        """(N, 28, 28) float32 model inputs in [0, 1] -> (N, 10) probabilities."""
        raise NotImplementedError

    def predict_input(self, model_input: np.ndarray) -> Prediction:
        """Predict one already-preprocessed 28x28 input."""
        probabilities = self.predict_inputs(model_input[np.newaxis].astype(np.float32))[0]
        digit = int(np.argmax(probabilities))
        return Prediction(digit, float(probabilities[digit]), probabilities, model_input)

    def predict_image(self, image) -> Prediction:
        """Any image (array or PIL) -> Prediction. Raises preprocess.NoDigitError when there is no ink."""
        return self.predict_input(mnist_input(image))


class KerasPredictor(BasePredictor):
    """Loads a .keras model in safe mode; single digits go through a traced function, not `model.predict`."""

    def __init__(self, model_path: str | os.PathLike | None = None):
        self.model_path = Path(model_path or os.environ.get(paths.MODEL_ENV_VAR) or paths.bundled_model_path())
        self._lock = threading.Lock()
        self._function = None
        self.model = None

    @property
    def is_loaded(self) -> bool:
        return self._function is not None

    def load(self) -> None:
        with self._lock:
            if self._function is not None:
                return
            self.model = load_keras_model(self.model_path)
            self._function = _inference_function(self.model)
            self._function(np.zeros((1, 28, 28, 1), np.float32))  # trace and warm up

    def predict_inputs(self, inputs: np.ndarray) -> np.ndarray:
        self.load()
        inputs = np.asarray(inputs, dtype=np.float32).reshape(-1, 28, 28, 1)
        if len(inputs) <= INFERENCE_BATCH_SIZE:
            return self._function(inputs).numpy()
        return np.concatenate([
            self._function(inputs[start:start + INFERENCE_BATCH_SIZE]).numpy()
            for start in range(0, len(inputs), INFERENCE_BATCH_SIZE)
        ])


def load_keras_model(model_path: str | os.PathLike):
    """Load a .keras model with safe_mode on and check it maps 28x28x1 to 10 classes."""
    model_path = Path(model_path)
    if not model_path.is_file():
        raise ModelLoadError(f"model file not found: {model_path}")
    import keras  # noqa: PLC0415 - TensorFlow loads lazily, after the window is up

    try:
        model = keras.models.load_model(model_path, compile=False, safe_mode=True)
    except Exception as error:  # Keras raises many types for damaged files
        raise ModelLoadError(f"cannot load model {model_path}: {error}") from error
    if tuple(model.input_shape[1:]) != (28, 28, 1) or model.output_shape[-1] != 10:
        raise ModelLoadError(
            f"{model_path} is not a digit model (input {model.input_shape}, output {model.output_shape})"
        )
    return model


def _inference_function(model):
    import tensorflow as tf  # noqa: PLC0415

    @tf.function(input_signature=[tf.TensorSpec([None, 28, 28, 1], tf.float32)], reduce_retracing=True)
    def infer(batch):
        return model(batch, training=False)

    return infer
