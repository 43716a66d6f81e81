"""Teach the model a user's handwriting: fine-tune a copy on their samples with MNIST replay, and check what it forgot."""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Callable

import numpy as np

from digitpad.inference.keras_model import ModelLoadError, load_keras_model
from digitpad.training import train
from digitpad.training.config import TrainConfig
from digitpad.training.mnist import MnistUnavailableError, load_mnist
from digitpad.userdata.model_store import ModelStore
from digitpad.userdata.samples import LoadedSamples

# A retrain needs at least this many usable samples.
MIN_SAMPLES = 10
# Share of each digit's samples held out to measure the user's accuracy before and after.
HOLDOUT_FRACTION = 0.2
# Fixed MNIST test digits that measure forgetting; the new model may lose at most MAX_MNIST_DROP on them.
MNIST_CHECK_COUNT = 2000
MNIST_CHECK_SEED = 20240
MAX_MNIST_DROP = 0.002
# Each training batch: this many of the user's samples (oversampled) and this many random MNIST training digits.
USER_BATCH_SIZE = 16
REPLAY_BATCH_SIZE = 32
# One epoch shows every user training sample this many times (each time augmented differently).
USER_PASSES_PER_EPOCH = 2
# Few samples still get enough steps to learn; many samples are sub-sampled per epoch to keep a retrain short.
MIN_STEPS_PER_EPOCH = 10
MAX_STEPS_PER_EPOCH = 30
DEFAULT_EPOCHS = 6
DEFAULT_LEARNING_RATE = 1e-3
WARMUP_FRACTION = 0.1
FINAL_LEARNING_RATE_FRACTION = 0.1
# Weights pulled back toward the original ones (L2-SP), by this strength: none while MNIST is replayed (the
# replay alone keeps what the model knew), and this much when MNIST is not available to replay.
ANCHOR_STRENGTH = 0.0
FALLBACK_ANCHOR_STRENGTH = 0.3
# The user's samples are rotated, sheared and stretched this fraction as much as training distorts MNIST: their
# style is the point (measured on the synthetic user: +0.5 to +1 point on fresh drawings, MNIST unchanged).
USER_AUGMENT_SCALE = 0.5
DEFAULT_SEED = 1234
REPORT_EVERY_STEPS = 5
ACCURACY_BATCH_SIZE = 500
# A full retrain shows the user's training samples this many times per epoch among the MNIST digits.
FULL_RETRAIN_SAMPLE_REPEATS = 10
FINE_TUNE = "fine-tune"
FULL_RETRAIN = "full retrain"


class RetrainCancelled(Exception):
    """should_stop() turned true; nothing was written."""


class RetrainError(RuntimeError):
    """A retrain could not run (too few samples, a model that does not load, no MNIST for a full retrain)."""


@dataclass(frozen=True)
class RetrainConfig:
    """Everything that decides what a fine-tune produces."""

    epochs: int = DEFAULT_EPOCHS
    learning_rate: float = DEFAULT_LEARNING_RATE
    user_batch_size: int = USER_BATCH_SIZE
    replay_batch_size: int = REPLAY_BATCH_SIZE
    user_passes_per_epoch: int = USER_PASSES_PER_EPOCH
    holdout_fraction: float = HOLDOUT_FRACTION
    mnist_check_count: int = MNIST_CHECK_COUNT
    max_mnist_drop: float = MAX_MNIST_DROP
    anchor_strength: float = ANCHOR_STRENGTH
    fallback_anchor_strength: float = FALLBACK_ANCHOR_STRENGTH
    freeze_batch_norm: bool = True
    user_augment_scale: float = USER_AUGMENT_SCALE
    seed: int = DEFAULT_SEED


@dataclass
class RetrainResult:
    """A new, unsaved model with its before/after figures; `keep()` saves (and activates) it, dropping it discards it.

    Accuracies are fractions in [0, 1]; None where that check could not be made.
    """

    model: object
    kind: str
    base_model_path: Path | None
    mnist_before: float | None
    mnist_after: float | None
    user_before: float | None
    user_after: float | None
    acceptable: bool
    mnist_checked: bool
    train_count: int
    holdout_count: int
    seconds: float
    notes: list[str] = field(default_factory=list)
    config: dict = field(default_factory=dict)

    def figures(self) -> dict:
        """The JSON-able facts (no model), as stored beside a saved model."""
        facts = {item.name: getattr(self, item.name) for item in fields(self) if item.name != "model"}
        facts["base_model_path"] = str(self.base_model_path) if self.base_model_path else None
        facts["notes"], facts["config"] = list(self.notes), dict(self.config)
        return facts

    def describe(self) -> list[str]:
        """Lines a user reads: the before/after figures and whether the new model is acceptable."""
        lines = []
        if self.mnist_checked:
            lines.append(f"MNIST check ({self.config.get('mnist_check_count', MNIST_CHECK_COUNT)} digits): "
                         f"{_percent(self.mnist_before)} before, {_percent(self.mnist_after)} after")
        else:
            lines.append("MNIST check: not made (MNIST is not available), so forgetting could not be measured")
        if self.user_before is not None:
            lines.append(f"your held-out samples ({self.holdout_count}): "
                         f"{_percent(self.user_before)} before, {_percent(self.user_after)} after")
        else:
            lines.append("your held-out samples: none (add a few more samples of each digit to measure this)")
        lines.extend(self.notes)
        lines.append("acceptable: yes" if self.acceptable else "acceptable: no")
        return lines

    def keep(self, store: ModelStore | None = None, activate: bool = True) -> Path:
        """Save the new model in the model store with its figures and, unless `activate` is False, make it the
        active one; return its path. The one way a retrained model is kept, from the window or the terminal."""
        store = store or ModelStore()
        path = store.save_new(self.model, self.figures())
        if activate:
            store.activate(path)
        return path


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2%}"


# -- data ---------------------------------------------------------------------------------------------------

def split_holdout(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified split: about `fraction` of each digit's samples held out (each digit keeps one for training)."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    kept, holdout = [], []
    for digit in np.unique(labels):
        indices = rng.permutation(np.flatnonzero(labels == digit))
        count = min(int(math.floor(len(indices) * fraction + 0.5)), len(indices) - 1)
        holdout.extend(indices[:count])
        kept.extend(indices[count:])
    return np.sort(np.asarray(kept, np.int64)), np.sort(np.asarray(holdout, np.int64))


def mnist_check_indices(test_count: int, count: int = MNIST_CHECK_COUNT, seed: int = MNIST_CHECK_SEED) -> np.ndarray:
    """The fixed MNIST test digits that measure forgetting."""
    return np.sort(np.random.default_rng(seed).permutation(test_count)[:count])


@dataclass
class _Mnist:
    replay_x: np.ndarray  # uint8 training digits
    replay_y: np.ndarray
    check_x: np.ndarray  # float32 (N, 28, 28, 1) test digits
    check_y: np.ndarray


def _load_mnist_or_none(mnist_path, check_count: int, notes: list[str]) -> _Mnist | None:
    try:
        (x_train, y_train), (x_test, y_test) = load_mnist(mnist_path)
    except MnistUnavailableError as error:
        notes.append(f"MNIST is not available ({error}); the new model was kept close to the old one instead "
                     "and the check against forgetting could not be made.")
        return None
    chosen = mnist_check_indices(len(x_test), min(check_count, len(x_test)))
    return _Mnist(x_train, y_train.astype(np.int64), train.to_model_input(x_test[chosen]),
                  y_test[chosen].astype(np.int64))


def _user_batches(train_count: int, steps: int, batch_size: int, rng) -> np.ndarray:
    """(steps, batch_size) indices into the user's training samples: shuffled passes, each sample equally often."""
    passes = math.ceil(steps * batch_size / max(train_count, 1))
    order = np.concatenate([rng.permutation(train_count) for _ in range(passes)])
    return order[:steps * batch_size].reshape(steps, batch_size)


# -- model --------------------------------------------------------------------------------------------------

def _load_base(base_model_path):
    try:
        return load_keras_model(base_model_path)
    except ModelLoadError as error:
        raise RetrainError(str(error)) from error


def _accuracies(model, mnist: _Mnist | None, holdout: LoadedSamples) -> tuple[float | None, float | None]:
    """The model's accuracy on the MNIST check digits (None without MNIST) and on the user's held-out samples."""
    return (_accuracy(model, mnist.check_x, mnist.check_y) if mnist else None), _accuracy(model, holdout.x, holdout.y)


def _accuracy(model, x: np.ndarray, y: np.ndarray) -> float | None:
    if len(y) == 0:
        return None
    x = np.asarray(x, np.float32).reshape(-1, 28, 28, 1)
    probabilities = np.concatenate([
        np.asarray(model(x[start:start + ACCURACY_BATCH_SIZE], training=False))
        for start in range(0, len(x), ACCURACY_BATCH_SIZE)
    ])
    return float((probabilities.argmax(axis=1) == np.asarray(y)).mean())


def _freeze_batch_norm(model) -> None:
    """Batch-norm layers keep their statistics and scales (with trainable False they also run in inference mode)."""
    import keras  # noqa: PLC0415

    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False


def _user_augment_config(scale: float):
    """The training augmentation with its rotation, shear and aspect ranges scaled by `scale`."""
    from digitpad.training.augment import AugmentConfig  # noqa: PLC0415 - imports TensorFlow

    default = AugmentConfig()
    return AugmentConfig(
        max_rotation_degrees=default.max_rotation_degrees * scale,
        max_aspect_change=default.max_aspect_change * scale,
        max_shear=default.max_shear * scale,
    )


def _make_train_step(model, optimizer, anchor_strength: float, user_count: int, user_augment_scale: float):
    """A traced step: augment (the first `user_count` images, the user's, more gently than the replayed rest),
    forward, cross-entropy (+ L2 pull toward the starting weights), update."""
    import keras  # noqa: PLC0415
    import tensorflow as tf  # noqa: PLC0415

    from digitpad.training.augment import augment_batch  # noqa: PLC0415

    user_augment = _user_augment_config(user_augment_scale)
    loss_function = keras.losses.SparseCategoricalCrossentropy()
    weights = model.trainable_weights
    anchors = [tf.constant(np.asarray(weight)) for weight in weights] if anchor_strength > 0 else []

    @tf.function(reduce_retracing=True)
    def train_step(images, labels):
        augmented = augment_batch(images[:user_count], user_augment)
        if images.shape[0] > user_count:
            augmented = tf.concat([augmented, augment_batch(images[user_count:])], axis=0)
        with tf.GradientTape() as tape:
            probabilities = model(augmented, training=True)
            loss = loss_function(labels, probabilities)
            if anchors:
                loss += anchor_strength * tf.add_n([
                    tf.reduce_sum(tf.square(weight - anchor)) for weight, anchor in zip(weights, anchors)
                ])
        gradients = tape.gradient(loss, weights)
        optimizer.apply_gradients(zip(gradients, weights))
        correct = tf.cast(tf.equal(tf.argmax(probabilities, axis=1), tf.cast(labels, tf.int64)), tf.float32)
        return loss, tf.reduce_mean(correct)

    return train_step


def _optimizer(learning_rate: float, total_steps: int):
    import keras  # noqa: PLC0415

    warmup_steps = max(1, int(total_steps * WARMUP_FRACTION))
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=learning_rate * FINAL_LEARNING_RATE_FRACTION,
        decay_steps=max(total_steps - warmup_steps, 1),
        alpha=FINAL_LEARNING_RATE_FRACTION,
        warmup_target=learning_rate,
        warmup_steps=warmup_steps,
    )
    return keras.optimizers.Adam(learning_rate=schedule)


# -- fine-tuning ----------------------------------------------------------------------------------------------

class _Progress:
    """Sends report dicts shaped like train.ProgressCallback's and raises RetrainCancelled when asked to stop."""

    def __init__(self, report, should_stop):
        self.report, self.should_stop = report, should_stop
        self.started = time.monotonic()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def check(self) -> None:
        if self.should_stop is not None and self.should_stop():
            raise RetrainCancelled("retraining cancelled")

    def stage(self, stage: str, fraction: float) -> None:
        self.check()
        if self.report is not None:
            self.report({"kind": "stage", "stage": stage, "fraction": fraction, "elapsed": self.elapsed})

    def step(self, kind: str, epoch: int, epochs: int, batch: int, steps: int, loss: float, accuracy: float) -> None:
        if self.report is not None:
            self.report({
                "kind": kind, "epoch": epoch, "epochs": epochs, "batch": batch, "steps": steps,
                "fraction": (epoch + (batch + 1) / steps) / epochs, "elapsed": self.elapsed,
                "loss": loss, "accuracy": accuracy,
            })


def _check_samples(samples: LoadedSamples) -> None:
    if len(samples) < MIN_SAMPLES:
        raise RetrainError(f"retraining needs at least {MIN_SAMPLES} samples; there are {len(samples)}")


def _verdict(mnist_before, mnist_after, user_before, user_after, max_drop: float, notes: list[str]) -> bool:
    """Acceptable: MNIST within `max_drop` of before (when checked) and the user's held-out accuracy not lower."""
    acceptable = True
    if mnist_before is not None and mnist_after < mnist_before - max_drop - 1e-9:
        notes.append(f"The new model forgot too much: MNIST accuracy fell by {(mnist_before - mnist_after):.2%} "
                     f"(at most {max_drop:.2%} is allowed).")
        acceptable = False
    if user_before is not None and user_after < user_before:
        notes.append("The new model reads your held-out samples worse than the current one.")
        acceptable = False
    if mnist_before is None and user_before is None:
        notes.append("Nothing could be checked (no MNIST and no held-out samples), so the new model is not trusted.")
        acceptable = False
    return acceptable


def _judged(model, kind: str, base_model_path, before: tuple[float | None, float | None], mnist: _Mnist | None,
            holdout: LoadedSamples, train_count: int, config: RetrainConfig, config_record: dict, notes: list[str],
            progress: _Progress) -> RetrainResult:
    """The new model measured as the current one was (`before`), judged by _verdict, with all its figures."""
    progress.stage("measuring the new model", 1.0)
    mnist_after, user_after = _accuracies(model, mnist, holdout)
    progress.check()
    mnist_before, user_before = before
    acceptable = _verdict(mnist_before, mnist_after, user_before, user_after, config.max_mnist_drop, notes)
    return RetrainResult(
        model=model, kind=kind, base_model_path=Path(base_model_path) if base_model_path else None,
        mnist_before=mnist_before, mnist_after=mnist_after, user_before=user_before, user_after=user_after,
        acceptable=acceptable, mnist_checked=mnist is not None, train_count=int(train_count),
        holdout_count=int(len(holdout)), seconds=round(progress.elapsed, 1), notes=notes, config=config_record,
    )


def _train_on_samples(model, user_x, user_y, mnist: _Mnist | None, config: RetrainConfig, progress: _Progress,
                      rng) -> None:
    """The fine-tuning loop: batches of the user's samples (oversampled) plus MNIST replay, or anchored without it."""
    wanted_steps = math.ceil(len(user_y) * config.user_passes_per_epoch / config.user_batch_size)
    steps = min(max(wanted_steps, MIN_STEPS_PER_EPOCH), MAX_STEPS_PER_EPOCH)
    total_steps = steps * config.epochs
    trainable_flags = [layer.trainable for layer in model.layers]
    if config.freeze_batch_norm:
        _freeze_batch_norm(model)
    train_step = _make_train_step(model, _optimizer(config.learning_rate, total_steps),
                                  config.anchor_strength if mnist else config.fallback_anchor_strength,
                                  config.user_batch_size, config.user_augment_scale)
    user_batches = _user_batches(len(user_y), total_steps, config.user_batch_size, rng)
    progress.stage("training", 0.0)
    for epoch in range(config.epochs):
        losses, accuracies = [], []
        for batch in range(steps):
            progress.check()
            chosen = user_batches[epoch * steps + batch]
            images, labels = user_x[chosen], user_y[chosen]
            if mnist:
                replayed = rng.integers(0, len(mnist.replay_y), config.replay_batch_size)
                images = np.concatenate([images, (mnist.replay_x[replayed] / np.float32(255.0))[..., np.newaxis]])
                labels = np.concatenate([labels, mnist.replay_y[replayed]])
            loss, accuracy = train_step(images.astype(np.float32), labels)
            losses.append(float(loss))
            accuracies.append(float(accuracy))
            if batch % REPORT_EVERY_STEPS == 0:
                progress.step("batch", epoch, config.epochs, batch, steps, losses[-1], accuracies[-1])
        progress.step("epoch", epoch, config.epochs, steps - 1, steps, float(np.mean(losses)), float(np.mean(accuracies)))
    for layer, trainable in zip(model.layers, trainable_flags):
        layer.trainable = trainable  # a saved model should not carry the fine-tuning freeze


def fine_tune(
    base_model_path: str | Path,
    samples: LoadedSamples,
    mnist_path: str | Path | None = None,
    config: RetrainConfig = RetrainConfig(),
    report: Callable[[dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> RetrainResult:
    """Fine-tune a copy of the model at `base_model_path` on the user's samples, mixed with MNIST replay.

    Holds out `config.holdout_fraction` of each digit's samples; measures MNIST check digits and the held-out
    samples before and after. Writes nothing. Raises RetrainCancelled (from any stage, once `should_stop()`
    is true) and RetrainError (too few samples, base model does not load).
    """
    import keras  # noqa: PLC0415

    _check_samples(samples)
    progress = _Progress(report, should_stop)
    progress.stage("loading", 0.0)
    notes: list[str] = []
    keras.utils.set_random_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    train_indices, holdout_indices = split_holdout(samples.y, config.holdout_fraction, config.seed)
    user_x = samples.x[train_indices].reshape(-1, 28, 28, 1).astype(np.float32)
    user_y = samples.y[train_indices].astype(np.int64)
    holdout = samples.subset(holdout_indices)
    mnist = _load_mnist_or_none(mnist_path, config.mnist_check_count, notes)
    model = _load_base(base_model_path)

    progress.stage("measuring the current model", 0.0)
    before = _accuracies(model, mnist, holdout)
    _train_on_samples(model, user_x, user_y, mnist, config, progress, rng)
    return _judged(model, FINE_TUNE, base_model_path, before, mnist, holdout, len(user_y), config, asdict(config),
                   notes, progress)


def full_retrain(
    mnist_path: str | Path | None = None,
    epochs: int | None = None,
    report: Callable[[dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    samples: LoadedSamples | None = None,
    base_model_path: str | Path | None = None,
    train_config=None,
    config: RetrainConfig = RetrainConfig(),
) -> RetrainResult:
    """Train a new model from scratch on MNIST (plus the user's training samples, when given) via training.train.

    Measures like fine_tune (the "before" figures come from `base_model_path`, when given). Slow: about
    1.5 minutes per epoch on two cores. Raises RetrainCancelled and RetrainError (e.g. MNIST unavailable).
    """
    train_config = train_config or TrainConfig()
    if epochs is not None:
        train_config = replace(train_config, epochs=epochs)
    progress = _Progress(report, should_stop)
    progress.stage("loading", 0.0)
    notes: list[str] = []
    samples = samples if samples is not None else LoadedSamples.empty()
    if len(samples) and len(samples) < MIN_SAMPLES:
        notes.append(f"Fewer than {MIN_SAMPLES} samples: they were not used.")
        samples = LoadedSamples.empty()
    train_indices, holdout_indices = split_holdout(samples.y, config.holdout_fraction, config.seed)
    holdout = samples.subset(holdout_indices)
    extra = None
    if len(train_indices):
        extra = (np.repeat(samples.x[train_indices], FULL_RETRAIN_SAMPLE_REPEATS, axis=0),
                 np.repeat(samples.y[train_indices], FULL_RETRAIN_SAMPLE_REPEATS, axis=0))
    mnist = _load_mnist_or_none(mnist_path, config.mnist_check_count, [])
    if mnist is None:
        raise RetrainError("a full retrain needs MNIST: pass --mnist PATH or set DIGITPAD_MNIST")
    before = (None, None)
    if base_model_path is not None:
        progress.stage("measuring the current model", 0.0)
        before = _accuracies(_load_base(base_model_path), mnist, holdout)  # (and the base model is freed)
    progress.stage("training", 0.0)
    try:
        trained = train.fit_from_scratch(mnist_path, train_config, report, should_stop, verbose=0,
                                         extra_training=extra)
    except InterruptedError as error:
        raise RetrainCancelled("retraining cancelled") from error
    except MnistUnavailableError as error:
        raise RetrainError(str(error)) from error
    config_record = {**asdict(config), "train": asdict(train_config), "mnist_check_count": len(mnist.check_y)}
    return _judged(trained.model, FULL_RETRAIN, base_model_path, before, mnist, holdout, len(train_indices), config,
                   config_record, notes, progress)
