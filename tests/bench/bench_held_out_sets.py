"""The network alone on `digitpad train`'s own held-out sets, for several models side by side: the validation
sets a model is chosen on, then the test sets (only reported), each rebuilt with today's constructions.

Run: .venv/bin/python tests/bench/bench_held_out_sets.py --model OLD.keras --model assets/model.keras
(a model with a second opinion recorded beside it, as the bundled one, is read with it; copy it alone into an empty
folder with its .tflite and .tflite.json to read it alone)
     .venv/bin/python tests/bench/bench_held_out_sets.py --model assets/model.keras --float32
     .venv/bin/python tests/bench/bench_held_out_sets.py --broken --model ... (with the broken 4, 5, 7 sets)
(--float32: each model also as a float32 LiteRT copy, beside the app's copy with 8-bit weights, with the time per
digit of each in batches of 256 on one thread)
"""

from __future__ import annotations

import argparse
import dataclasses
import contextlib
import io
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from tests.data_paths import MNIST, PENDIGITS  # noqa: E402

BROKEN_TRIED = 2000  # (only its held-out sets are read; the training digits it also makes are not)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", type=Path,
                        help="a .keras model (repeat to compare; default: the bundled one)")
    parser.add_argument("--float32", action="store_true", help="also run each model as a float32 LiteRT copy")
    parser.add_argument("--broken", action="store_true",
                        help="also the held-out writers' 4s, 5s and 7s in strokes pulled apart (`digitpad train "
                             "--broken-digits`'s sets)")
    arguments = parser.parse_args()
    from digitpad.inference.predictor import KerasPredictor
    from digitpad.storage import paths
    from digitpad.training.config import TrainConfig
    from digitpad.training.mnist import load_mnist
    from digitpad.training.pendigits import load_pendigits
    from digitpad.training.train import evaluate_sets
    from digitpad.training.training_data import build_world_data

    models = arguments.model or [paths.bundled_model_path()]
    config = TrainConfig()
    data = dataclasses.replace(config.data, broken_from_pen=BROKEN_TRIED) if arguments.broken else config.data
    world = build_world_data(load_mnist(MNIST), load_pendigits(PENDIGITS), data, config.seed, config.validation_size)
    predictors, names = [], []
    for model in models:
        predictor = KerasPredictor(model)
        predictor.load()
        predictors.append(predictor)
        names.append(str(model))
        if arguments.float32:
            predictors.append(Float32Copy(model))
            names.append(f"{model} (float32)")
    if arguments.float32:
        batch = np.random.default_rng(0).random((256, 28, 28, 1), dtype=np.float32)
        for name, predictor in zip(names, predictors):
            print(f"{name}: {predictor_ms_per_digit(predictor, batch):.3f} ms per digit (batches of 256, one thread)")
    for split in ("validation", "test"):
        sets = getattr(world, split)
        results = [evaluate_sets(predictor.predict_inputs, sets) for predictor in predictors]
        print(f"== {split} (errors)")
        print(f"{'':44}" + "".join(f"{name[-25:]:>26}" for name in names))
        for name in sets:
            print(f"{name:44}" + "".join(f"{result[name]['accuracy']:>17.2%} ({result[name]['errors']:4d})"
                                         for result in results if name in result))
        totals = [all_sets(predictor, sets) for predictor in predictors]
        print(f"{'all sets: errors (mean log-loss)':44}" + "".join(f"{errors:>13d} ({log_loss:.5f})"
                                                                    for errors, log_loss in totals))


def all_sets(predictor, sets) -> tuple[int, float]:
    """Errors over every held-out set together, and the mean log-loss of the true digit (a finer measure when
    two models make about as many errors)."""
    errors, losses = 0, []
    for digits in sets.values():
        probabilities = predictor.predict_inputs(digits.x)
        errors += int((probabilities.argmax(axis=1) != digits.y).sum())
        losses.append(-np.log(np.clip(probabilities[np.arange(len(digits.y)), digits.y], 1e-7, 1.0)))
    return errors, float(np.concatenate(losses).mean())


class Float32Copy:
    """A model's float32 LiteRT copy, converted here without the app's 8-bit weights (imports TensorFlow)."""

    def __init__(self, model_path: Path):
        import tensorflow as tf

        from digitpad.inference.keras_model import load_keras_model
        from digitpad.inference.runtime import LiteModel

        with contextlib.redirect_stdout(io.StringIO()):
            self.flatbuffer = tf.lite.TFLiteConverter.from_keras_model(load_keras_model(model_path)).convert()
        self._model = LiteModel(self.flatbuffer)

    def predict_inputs(self, inputs: np.ndarray) -> np.ndarray:
        inputs = np.asarray(inputs, np.float32).reshape(-1, 28, 28, 1)
        return np.concatenate([self._model.run(inputs[start:start + 256]) for start in range(0, len(inputs), 256)])


def predictor_ms_per_digit(predictor, batch: np.ndarray, runs: int = 20) -> float:
    """Median time per digit of one-thread inference of `batch`, through the predictor's own LiteRT copy."""
    from digitpad.inference import runtime
    from digitpad.storage.hashing import file_sha256

    if isinstance(predictor, Float32Copy):
        flatbuffer = predictor.flatbuffer
    else:
        flatbuffer = runtime.find_cached(predictor.model_path, file_sha256(predictor.model_path))
    model = runtime.LiteModel(flatbuffer, threads=1)
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        model.run(batch)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds) / len(batch) * 1000


if __name__ == "__main__":
    main()
