"""Train the digit model on MNIST, pen digits, styles and fonts, and write a report per source (imports TensorFlow)."""

from __future__ import annotations

import json
import shlex
import sys
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image

from digitpad.inference import runtime
from digitpad.inference.keras_model import convert
from digitpad.storage import atomic
from digitpad.storage.hashing import file_sha256
from digitpad.storage.paths import report_dir_for
from digitpad.training import charts
from digitpad.training.mnist import load_mnist
from digitpad.training.pendigits import PENDIGITS_CREDIT, find_pendigits, load_pendigits
from digitpad.training.config import TrainConfig
from digitpad.training.training_data import LabelledDigits, build_world_data

WARMUP_EPOCHS = 1
MNIST_CREDIT = "MNIST (Y. LeCun, C. Cortes, C. Burges): 60,000 training and 10,000 test digits"
FONTS_CREDIT = "printed digits in the free fonts of Debian's font packages (DejaVu, Liberation, Noto, URW and others)"


def training_precision() -> str:
    """Keras's dtype policy for training: bfloat16 arithmetic where the CPU has it (AMX or AVX-512 BF16, about
    2.4x faster here), float32 elsewhere, where bfloat16 would be emulated and slow. Weights stay float32."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "float32"
    return "mixed_bfloat16" if (" amx_bf16" in flags or " avx512_bf16" in flags) else "float32"


def to_model_input(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) -> float32 (N, 28, 28, 1) in [0, 1]."""
    images = np.asarray(images)
    scaled = images.astype(np.float32) / 255.0 if images.dtype == np.uint8 else images.astype(np.float32)
    return scaled.reshape(len(scaled), 28, 28, 1)


def class_balancing_weights(labels: np.ndarray) -> np.ndarray:
    """A weight per digit that makes every class count the same in the loss (the style variants add many 1s
    and 7s; unweighted, the network learns to prefer them, and reads MNIST's short-barred 7s as 1s)."""
    counts = np.bincount(labels, minlength=10).astype(np.float64)
    weights = len(labels) / (10.0 * np.maximum(counts, 1.0))
    return weights[labels].astype(np.float32)


def make_training_dataset(x, y, batch_size: int, seed: int, augment: bool = True):
    """A shuffled, batched, augmented tf.data pipeline of (images, labels, class-balancing weights)."""
    import tensorflow as tf

    from digitpad.training.augment import augment_batch

    weights = class_balancing_weights(np.asarray(y))
    dataset = tf.data.Dataset.from_tensor_slices((x, y, weights)).shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size, drop_remainder=True)
    if augment:
        dataset = dataset.map(lambda images, labels, weight: (augment_batch(images), labels, weight), num_parallel_calls=1)
    return dataset.prefetch(2)


class ProgressCallback:
    """Adapts Keras callbacks to a plain `report(dict)` function and a `should_stop()` check."""

    def __new__(cls, report: Callable[[dict], None] | None, should_stop: Callable[[], bool] | None, total_epochs: int):
        import keras

        class _Callback(keras.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.epoch = 0
                self.started = time.monotonic()

            def on_epoch_begin(self, epoch, logs=None):
                self.epoch = epoch

            def on_train_batch_end(self, batch, logs=None):
                if should_stop is not None and should_stop():
                    self.model.stop_training = True
                if report is not None and batch % 20 == 0:
                    steps = self.params.get("steps") or 1
                    report({
                        "kind": "batch", "epoch": self.epoch, "epochs": total_epochs, "batch": batch, "steps": steps,
                        "fraction": (self.epoch + (batch + 1) / steps) / total_epochs,
                        "elapsed": time.monotonic() - self.started,
                        **{key: float(value) for key, value in (logs or {}).items()},
                    })

            def on_epoch_end(self, epoch, logs=None):
                if report is not None:
                    report({
                        "kind": "epoch", "epoch": epoch, "epochs": total_epochs, "fraction": (epoch + 1) / total_epochs,
                        "elapsed": time.monotonic() - self.started,
                        **{key: float(value) for key, value in (logs or {}).items()},
                    })

        return _Callback()


def compile_model(model, learning_rate: float, total_steps: int, warmup_steps: int):
    """Adam with linear warm-up then cosine decay."""
    import keras

    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=learning_rate / 20,
        decay_steps=max(total_steps - warmup_steps, 1),
        alpha=0.005,
        warmup_target=learning_rate,
        warmup_steps=warmup_steps,
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=schedule),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )


def evaluate(predict_probabilities: Callable[[np.ndarray], np.ndarray], x, y) -> dict:
    """Accuracy, per-class accuracy and confusion matrix of a probability function on (x, y)."""
    probabilities = predict_probabilities(x)
    predicted = probabilities.argmax(axis=1)
    y = np.asarray(y).astype(np.int64)
    confusion = np.zeros((10, 10), dtype=np.int64)
    np.add.at(confusion, (y, predicted), 1)
    per_class = {str(digit): float(confusion[digit, digit] / max(confusion[digit].sum(), 1)) for digit in range(10)}
    return {
        "accuracy": float((predicted == y).mean()),
        "errors": int((predicted != y).sum()),
        "count": int(len(y)),
        "per_class_accuracy": per_class,
        "confusion_matrix": confusion.tolist(),
    }


def save_training_samples(x, path: Path, seed: int, count: int = 100) -> None:
    """A 10x10 grid of augmented training digits, as the model saw them."""
    from digitpad.training.augment import augment_batch

    rng = np.random.default_rng(seed)
    chosen = x[rng.choice(len(x), count, replace=False)]
    augmented = np.asarray(augment_batch(chosen))[..., 0]
    tiles = (augmented * 255).astype(np.uint8).reshape(10, 10, 28, 28).transpose(0, 2, 1, 3).reshape(280, 280)
    Image.fromarray(tiles).resize((560, 560), Image.NEAREST).save(path)


def write_report(model_path: Path, report: dict, history: dict, x_train=None, seed: int = 0) -> Path:
    """Write report.json, history.json, learning_curves.png, confusion_matrix.png (and samples) beside the model."""
    directory = report_dir_for(model_path)
    directory.mkdir(parents=True, exist_ok=True)
    atomic.write_json(directory / "report.json", report)
    atomic.write_json(directory / "history.json", history)
    atomic.write_with(directory / "learning_curves.png", lambda path: charts.save_learning_curves(history, path), ".png")
    confusion = np.asarray(report["test"]["confusion_matrix"])
    atomic.write_with(directory / "confusion_matrix.png", lambda path: charts.save_confusion_matrix(confusion, path), ".png")
    if x_train is not None:
        atomic.write_with(directory / "training_samples.png", lambda path: save_training_samples(x_train, path, seed), ".png")
    return directory


@dataclass
class TrainedModel:
    """What fit_from_scratch produces: the unsaved model, its summary and history, and the digits it was fitted on."""

    model: object
    summary: dict
    history: dict
    x_fit: np.ndarray


def pen_digits_or_none(pendigits_path, notes: list[str]):
    """The pen digits to train on, or None (with a note and a warning) when none were given or found."""
    if find_pendigits(pendigits_path) is None:
        message = "no pen digits given (--pendigits or $DIGITPAD_PENDIGITS): trained without real pen trajectories"
        warnings.warn(message, stacklevel=3)
        notes.append(message)
        return None
    return load_pendigits(pendigits_path)  # a path that was given but is broken is an error


def evaluate_sets(predict_probabilities: Callable[[np.ndarray], np.ndarray], sets: dict[str, LabelledDigits]) -> dict:
    """{name: {accuracy, errors, count}} for each held-out set."""
    results = {}
    for name, digits in sets.items():
        if len(digits):
            result = evaluate(predict_probabilities, digits.x, digits.y)
            results[name] = {key: result[key] for key in ("accuracy", "errors", "count")}
    return results


def float32_copy(model, build=None):
    """The same network and weights under float32 arithmetic: what is saved and converted for LiteRT. `build` makes
    the empty network (default: the digit model's factory)."""
    import keras

    from digitpad.training.model import build_model

    previous = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy("float32")
    try:
        copy = (build or build_model)()
    finally:
        keras.mixed_precision.set_global_policy(previous)
    copy.set_weights(model.get_weights())
    return copy


class StartModelError(ValueError):
    """The model given to start training from (`--from`) is not a digit network of this design."""


def weights_to_start_from(path: str | Path) -> list:
    """The weights of the .keras model at `path`, checked against the digit network's design (StartModelError)."""
    import keras

    from digitpad.training.model import build_model

    weights = keras.models.load_model(path, compile=False).get_weights()
    if [w.shape for w in weights] != [w.shape for w in build_model().get_weights()]:
        raise StartModelError(f"{path}: not a digit network of this design, cannot start from it")
    return weights


def fit_from_scratch(
    mnist_path: str | Path | None = None,
    config: TrainConfig = TrainConfig(),
    report: Callable[[dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    verbose: int = 2,
    extra_training: tuple[np.ndarray, np.ndarray] | None = None,
    pendigits_path: str | Path | None = None,
) -> TrainedModel:
    """Train a new model on MNIST, pen digits (when given), style variants and printed digits (plus
    `extra_training` (x, y) digits, if given) without saving it; from a random start, or from the weights of
    `config.start_from` (fine-tuning).

    Raises InterruptedError when `should_stop()` turned true.
    """
    import keras

    from digitpad.training.model import build_model

    started = time.monotonic()
    start_weights = weights_to_start_from(config.start_from) if config.start_from else None  # (before the data)
    notes: list[str] = []
    pen = pen_digits_or_none(pendigits_path, notes)
    world = build_world_data(load_mnist(mnist_path), pen, config.data, config.seed, config.validation_size,
                             config.limit, training_seed=config.training_seed)
    notes.extend(world.notes)
    training_sets = dict(world.train)
    if extra_training is not None and len(extra_training[0]):
        training_sets["extra"] = LabelledDigits(to_model_input(extra_training[0])[..., 0],
                                                np.asarray(extra_training[1]).astype(np.int64))
    fit = LabelledDigits.join(list(training_sets.values()))
    validation = LabelledDigits.join(list(world.validation.values()))
    x_fit, y_fit = to_model_input(fit.x), fit.y
    data_seconds = time.monotonic() - started

    keras.utils.set_random_seed(config.training_seed)
    precision = training_precision()
    keras.mixed_precision.set_global_policy(precision)
    try:
        dataset = make_training_dataset(x_fit, y_fit, config.batch_size, config.training_seed)
        steps_per_epoch = len(x_fit) // config.batch_size
        model = build_model()
        if start_weights is not None:
            model.set_weights(start_weights)
        compile_model(model, config.learning_rate, steps_per_epoch * config.epochs, steps_per_epoch * WARMUP_EPOCHS)
        callbacks = [ProgressCallback(report, should_stop, config.epochs)]
        history = model.fit(
            dataset,
            epochs=config.epochs,
            validation_data=(to_model_input(validation.x), validation.y),
            callbacks=callbacks,
            verbose=verbose if sys.stdout is not None else 0,
        )
    finally:
        keras.mixed_precision.set_global_policy("float32")
    if should_stop is not None and should_stop():
        raise InterruptedError("training cancelled")
    model = float32_copy(model)
    predict = lambda images: model.predict(to_model_input(images), batch_size=512, verbose=0)  # noqa: E731
    mnist_test = world.test["mnist"]
    test = evaluate(predict, mnist_test.x, mnist_test.y)
    summary = {
        "command": " ".join(["digitpad", *(shlex.quote(part) for part in sys.argv[1:])]),
        "config": asdict(config),
        "test": test,
        "test_accuracy": test["accuracy"],
        "validation_accuracy": float(history.history["val_accuracy"][-1]),
        "sources": {"validation": evaluate_sets(predict, world.validation), "test": evaluate_sets(predict, world.test)},
        "training_seconds": round(time.monotonic() - started, 1),
        "data_seconds": round(data_seconds, 1),
        "precision": precision,
        "parameters": int(model.count_params()),
        "trained_on": {"train": int(len(x_fit)), "validation": int(len(validation)),
                       "by_source": {name: int(len(digits)) for name, digits in training_sets.items()},
                       "extra": int(len(training_sets["extra"])) if "extra" in training_sets else 0,
                       "class_counts": {str(d): int((y_fit == d).sum()) for d in range(10)}},
        "credits": [MNIST_CREDIT, *([PENDIGITS_CREDIT] if pen is not None else []), FONTS_CREDIT],
        "notes": notes,
    }
    history_lists = {key: [float(value) for value in values] for key, values in history.history.items()}
    return TrainedModel(model, summary, history_lists, x_fit)


def ship_lite_copy(model_path: Path, model) -> None:
    """Write the LiteRT copy beside a freshly saved model, so loading it never needs TensorFlow."""
    runtime.write_sidecar(model_path, convert(model), file_sha256(model_path))


def train(
    output: str | Path,
    mnist_path: str | Path | None = None,
    config: TrainConfig = TrainConfig(),
    report: Callable[[dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    verbose: int = 2,
    pendigits_path: str | Path | None = None,
) -> dict:
    """Train from scratch, save atomically to `output`, write the report; return the summary."""
    trained = fit_from_scratch(mnist_path, config, report, should_stop, verbose, pendigits_path=pendigits_path)
    output = Path(output)
    atomic.write_with(output, lambda path: trained.model.save(path), suffix=".keras")
    ship_lite_copy(output, trained.model)
    write_report(output, trained.summary, trained.history, x_train=trained.x_fit, seed=config.seed)
    return trained.summary


if __name__ == "__main__":  # pragma: no cover - use `digitpad train`
    print(json.dumps(train(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None), indent=2))
