"""Turn images into predictions: a model-agnostic base, the Keras-backed predictor (lazy TensorFlow) and its reader."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from digitpad.imaging.ink import ink_map
from digitpad.inference import ensemble, runtime
from digitpad.inference.darker_look import with_darker_look
from digitpad.inference.keras_model import ModelLoadError, convert, inference_function, load_keras_model
from digitpad.inference.number_reader import NumberReader
from digitpad.reading.number import prepare_number
from digitpad.reading.prediction import Prediction
from digitpad.storage import paths
from digitpad.storage.hashing import file_sha256

INFERENCE_BATCH_SIZE = 256


class BasePredictor:
    """Everything but the network: subclasses (or test fakes) implement `predict_inputs`."""

    def load(self) -> None:
        """Make predictions ready (may be slow); calling it again does nothing."""

    def predict_inputs(self, inputs: np.ndarray) -> np.ndarray:
        """(N, 28, 28) float32 model inputs in [0, 1] -> (N, 10) probabilities."""
        raise NotImplementedError

    def read_lines(self, lines: np.ndarray) -> np.ndarray | None:
        """(N, LINE_HEIGHT, LINE_WIDTH) line inputs -> the number reader's frame probabilities, or None without one
        (numbers are then cut into digits by segmentation alone)."""
        return None

    def predict_picture_inputs(self, inputs: np.ndarray) -> np.ndarray:
        """predict_inputs for digits from pictures (files, pasted images, folders), whose strokes are as thin and
        faint as the pen and the scan made them: KerasPredictor looks again at unsure ones darker. The pad's own
        strokes, drawn as dark as MNIST's, are read by predict_inputs."""
        return self.predict_inputs(inputs)

    def predict_input(self, model_input: np.ndarray) -> Prediction:
        """Predict one already-preprocessed 28x28 input."""
        probabilities = self.predict_inputs(model_input[np.newaxis].astype(np.float32))[0]
        return Prediction.from_probabilities(probabilities, model_input)

    def predict_image(self, image) -> Prediction:
        """Any image of one digit (array or PIL) -> Prediction, read as a folder's `--single-digit` reads it (a
        printed box around it erased first). Raises ink.NoDigitError when there is no ink."""
        model_input = prepare_number(ink_map(image), single_digit=True).whole_input
        return Prediction.from_probabilities(self.predict_picture_inputs(model_input[np.newaxis])[0], model_input)


class KerasPredictor(BasePredictor):
    """A .keras model (loaded in safe mode) run through LiteRT; TensorFlow is imported only when needed.

    The first load of a model converts it (TensorFlow) and caches the LiteRT copy by content hash;
    later loads, and the bundled model with its shipped copy, never import TensorFlow.
    Networks recorded beside the model as its second opinions (`ensemble.py`; the bundled model has one) are
    asked about the digits it is unsure of, and their answers averaged with its own.
    """

    def __init__(self, model_path: str | os.PathLike | None = None, reader: NumberReader | None = None,
                 with_second_opinions: bool = True):
        self.model_path = Path(model_path or os.environ.get(paths.MODEL_ENV_VAR) or paths.bundled_model_path())
        self.reader = reader or NumberReader()
        self.with_second_opinions = with_second_opinions  # False: the model alone, its record ignored
        self._lock = threading.Lock()
        self._single = None
        self._batch = None
        self._model = None
        self._second_opinions: list[KerasPredictor] = []
        self._unsure_below = ensemble.DEFAULT_UNSURE_BELOW
        self.backend = ""

    def load(self) -> None:
        with self._lock:
            if self._single is None:
                if not self.model_path.is_file():
                    raise ModelLoadError(f"model file not found: {self.model_path}")
                self._load_second_opinions()
                self._load()

    def _load_second_opinions(self) -> None:
        if not self.with_second_opinions:
            return
        try:
            recorded = ensemble.read_second_opinions(self.model_path)
        except ensemble.EnsembleError as error:
            raise ModelLoadError(str(error)) from error
        opinions = [KerasPredictor(path, reader=self.reader, with_second_opinions=False) for path in recorded.models]
        for opinion in opinions:
            opinion.load()
        self._second_opinions, self._unsure_below = opinions, recorded.unsure_below

    def _load(self) -> None:
        source_sha256 = file_sha256(self.model_path)
        flatbuffer = runtime.find_cached(self.model_path, source_sha256)
        if flatbuffer is not None and self._use_lite(flatbuffer):
            return
        self._model = load_keras_model(self.model_path)
        try:
            flatbuffer = convert(self._model)
            if self._use_lite(flatbuffer):
                runtime.remember(flatbuffer, source_sha256)
                return
        except Exception:  # no converter on this platform: TensorFlow itself still works
            pass
        function = inference_function(self._model)
        self._single = self._batch = lambda batch: function(batch).numpy()
        self._single(np.zeros((1, 28, 28, 1), np.float32))
        self.backend = "tensorflow"

    def _use_lite(self, flatbuffer: bytes) -> bool:
        try:
            self._batch = runtime.LiteModel(flatbuffer).run
            self._single = runtime.LiteModel(flatbuffer, threads=1).run
        except Exception:  # a damaged cached copy is simply made again
            self._batch = self._single = None
            return False
        self.backend = "litert"
        return True

    def read_lines(self, lines: np.ndarray) -> np.ndarray | None:
        return self.reader.read_lines(lines)

    def keras_model(self):
        """The Keras model itself (imports TensorFlow), e.g. for fine-tuning or comparison."""
        with self._lock:
            if self._model is None:
                self._model = load_keras_model(self.model_path)
            return self._model

    @property
    def second_opinions(self) -> tuple[Path, ...]:
        """The .keras files asked about unsure digits (empty for a model answering alone)."""
        return tuple(opinion.model_path for opinion in self._second_opinions)

    def predict_inputs(self, inputs: np.ndarray) -> np.ndarray:
        self.load()
        inputs = np.asarray(inputs, dtype=np.float32).reshape(-1, 28, 28, 1)
        return ensemble.combine(self._predict_alone(inputs), inputs,
                                [opinion.predict_inputs for opinion in self._second_opinions], self._unsure_below)

    def predict_picture_inputs(self, inputs: np.ndarray) -> np.ndarray:
        inputs = np.asarray(inputs, dtype=np.float32).reshape(-1, 28, 28, 1)
        return with_darker_look(self.predict_inputs(inputs), inputs, self.predict_inputs)

    def _predict_alone(self, inputs: np.ndarray) -> np.ndarray:
        if len(inputs) == 1:
            return self._single(inputs)
        if len(inputs) <= INFERENCE_BATCH_SIZE:
            return self._batch(inputs)
        return np.concatenate([
            self._batch(inputs[start:start + INFERENCE_BATCH_SIZE])
            for start in range(0, len(inputs), INFERENCE_BATCH_SIZE)
        ])
