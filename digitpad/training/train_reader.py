"""Train the number reader (CTC over synthetic lines of training digits) and write its report (imports TensorFlow)."""

from __future__ import annotations

import shlex
import sys
import time
from dataclasses import asdict
from multiprocessing import get_context
from pathlib import Path
from typing import Callable

import numpy as np

from digitpad.reading.line import BLANK, FRAMES, MAXIMUM_DIGITS, decode_frames
from digitpad.storage import atomic
from digitpad.storage.paths import report_dir_for
from digitpad.training.config import DataConfig, ReaderConfig
from digitpad.training.mnist import load_mnist
from digitpad.training.number_lines import NumberLines, digit_inks, make_lines
from digitpad.training.train import MNIST_CREDIT, float32_copy, pen_digits_or_none, ship_lite_copy, training_precision
from digitpad.training.training_data import LabelledDigits, broken_pen_digits, build_world_data

# Lighter digit sources than the digit model's: the reader sees each digit's ink many times over in many lines.
READER_DATA = DataConfig(mnist_as_read_share=0.0, pen_renders=2, style_from_mnist=500, style_from_pen=300,
                         style_from_templates=400, font_renders=2, evaluation_renders=1, evaluation_style_count=100)
# Broken 4s, 5s and 7s added to the digits lines are made of: from the training writers, from the validation ones.
BROKEN_TRAINING, BROKEN_VALIDATION = 3000, 300
LINES_PER_CHUNK = 2000


_worker_digits: tuple[list[np.ndarray], np.ndarray] | None = None  # a line-making process's digit inks and labels


def _keep_digits(inks: list[np.ndarray], labels: np.ndarray) -> None:
    global _worker_digits
    _worker_digits = inks, labels


def _lines_job(job: tuple[int, int]) -> NumberLines:
    count, seed = job
    return make_lines(*_worker_digits, count, seed)


def lines_from(digits: LabelledDigits, count: int, seed: int, processes: int = 2) -> NumberLines:
    """`count` synthetic numbers made of `digits`, composed in worker processes (reproducible for a seed)."""
    inks, labels = digit_inks(digits)
    chunks = [(min(LINES_PER_CHUNK, count - start), seed * 100_003 + start) for start in range(0, count, LINES_PER_CHUNK)]
    if processes > 1 and len(chunks) > 1:  # (each process is sent the inks once, not with every chunk)
        with get_context("spawn").Pool(processes, initializer=_keep_digits, initargs=(inks, labels)) as pool:
            parts = pool.map(_lines_job, chunks, chunksize=1)
    else:
        parts = [make_lines(inks, labels, chunk_count, chunk_seed) for chunk_count, chunk_seed in chunks]
    return NumberLines(np.concatenate([part.x for part in parts]), np.concatenate([part.digits for part in parts]),
                       np.concatenate([part.lengths for part in parts]))


def epoch_seed(training_seed: int, epoch: int) -> int:
    """The seed of one epoch's training lines (ReaderConfig.new_lines_every_epoch): every epoch writes new numbers
    with the training digits, never the validation lines (`seed + 1`) or the fixed set (`training_seed`)."""
    return (training_seed + 1) * 1_000 + epoch


def ctc_loss(y_true, y_pred):
    """y_true: (batch, MAXIMUM_DIGITS + 1) digits padded with 0, then the length; y_pred: frame probabilities."""
    import keras

    y_true = keras.ops.cast(y_true, "int32")
    lengths = y_true[:, -1]
    frames = keras.ops.full_like(lengths, FRAMES)
    log_probabilities = keras.ops.log(keras.ops.clip(y_pred, 1e-7, 1.0))
    return keras.ops.ctc_loss(y_true[:, :-1], log_probabilities, lengths, frames, mask_index=BLANK)


def _targets(lines: NumberLines) -> np.ndarray:
    return np.concatenate([lines.digits, lines.lengths[:, None]], axis=1).astype(np.int32)


def _inputs(x: np.ndarray) -> np.ndarray:
    return (x.astype(np.float32) * np.float32(1 / 255))[..., None]


def read_all(predict_frames: Callable[[np.ndarray], np.ndarray], lines: NumberLines) -> list[str]:
    """The numbers read from each line by greedy CTC decoding."""
    frames = predict_frames(_inputs(lines.x))
    return ["".join(str(found.digit) for found in decode_frames(row)) for row in frames]


def evaluate_lines(predict_frames, lines: NumberLines) -> dict:
    read = read_all(predict_frames, lines)
    truth = lines.texts()
    right = sum(a == b for a, b in zip(read, truth))
    wrong_length = sum(len(a) != len(b) for a, b in zip(read, truth))
    return {"whole_numbers": right / max(len(truth), 1), "count": len(truth), "errors": len(truth) - right,
            "wrong_length": wrong_length}


def _fit_on_new_lines(model, train_digits: LabelledDigits, validation_data, config: ReaderConfig,
                      verbose: int) -> tuple[dict[str, list[float]], float]:
    """Fit `model` one epoch at a time, each on new lines of the training digits (see epoch_seed); return the
    history and the seconds spent composing lines."""
    history: dict[str, list[float]] = {}
    line_seconds = 0.0
    for epoch in range(config.epochs):
        started = time.monotonic()
        training = lines_from(train_digits, config.training_lines, epoch_seed(config.training_seed, epoch))
        line_seconds += time.monotonic() - started
        fitted = model.fit(_inputs(training.x), _targets(training), batch_size=config.batch_size,
                           initial_epoch=epoch, epochs=epoch + 1, shuffle=True, validation_data=validation_data,
                           verbose=0)
        del training
        for key, values in fitted.history.items():
            history.setdefault(key, []).extend(values)
        if verbose and sys.stdout is not None:
            print(f"epoch {epoch + 1}/{config.epochs}: loss {history['loss'][-1]:.4f}, validation loss "
                  f"{history['val_loss'][-1]:.4f} ({time.monotonic() - started:.0f} s)", flush=True)
    return history, line_seconds


def train_reader(output: str | Path, mnist_path=None, pendigits_path=None, config: ReaderConfig = ReaderConfig(),
                 verbose: int = 2) -> dict:
    """Compose training and validation lines, fit the reader with CTC, save it (and its LiteRT copy) atomically to
    `output` and its report beside it; return the summary."""
    import keras

    from digitpad.training.reader_model import build_reader

    started = time.monotonic()
    notes: list[str] = []
    pen = pen_digits_or_none(pendigits_path, notes)
    world = build_world_data(load_mnist(mnist_path), pen, READER_DATA, config.seed,
                             training_seed=config.training_seed)
    notes.extend(world.notes)
    train_digits = LabelledDigits.join(list(world.train.values()))
    validation_digits = LabelledDigits.join(list(world.validation.values()))
    if pen is not None:
        pen_train, pen_validation, _ = pen.split()
        broken_training = broken_pen_digits(pen_train, BROKEN_TRAINING, config.training_seed)
        broken_validation = broken_pen_digits(pen_validation, BROKEN_VALIDATION, config.seed + 1)
        train_digits = LabelledDigits.join([train_digits, broken_training])
        validation_digits = LabelledDigits.join([validation_digits, broken_validation])
    validation = lines_from(validation_digits, config.validation_lines, config.seed + 1)
    fixed = None if config.new_lines_every_epoch else lines_from(train_digits, config.training_lines,
                                                                   config.training_seed)
    data_seconds = time.monotonic() - started

    keras.utils.set_random_seed(config.training_seed)
    precision = training_precision()
    keras.mixed_precision.set_global_policy(precision)
    try:
        model = build_reader()
        steps = config.training_lines // config.batch_size
        schedule = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=config.learning_rate / 20, decay_steps=max(steps * (config.epochs - 1), 1),
            alpha=0.01, warmup_target=config.learning_rate, warmup_steps=steps)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=schedule), loss=ctc_loss)
        validation_data = (_inputs(validation.x), _targets(validation))
        if fixed is not None:
            history = model.fit(_inputs(fixed.x), _targets(fixed), batch_size=config.batch_size,
                                epochs=config.epochs, shuffle=True, validation_data=validation_data,
                                verbose=verbose if sys.stdout is not None else 0).history
        else:
            history, line_seconds = _fit_on_new_lines(model, train_digits, validation_data, config, verbose)
            data_seconds += line_seconds
    finally:
        keras.mixed_precision.set_global_policy("float32")
    model = float32_copy(model, build_reader)
    predict = lambda x: model.predict(x, batch_size=256, verbose=0)  # noqa: E731
    summary = {
        "command": " ".join(["digitpad", *(shlex.quote(part) for part in sys.argv[1:])]),
        "config": asdict(config),
        "validation": evaluate_lines(predict, validation),
        "training_seconds": round(time.monotonic() - started, 1),
        "data_seconds": round(data_seconds, 1),
        "precision": precision,
        "parameters": int(model.count_params()),
        "trained_on": {"lines": config.training_lines * (1 if fixed is not None else config.epochs),
                       "digits": int(len(train_digits)),
                       "digit_sources": {name: int(len(digits)) for name, digits in world.train.items()}},
        "credits": [MNIST_CREDIT] + ([] if pen is None else ["UCI pen-based digits (training writers)"]),
        "notes": notes,
        "history": {key: [float(value) for value in values] for key, values in history.items()},
    }
    output = Path(output)
    atomic.write_with(output, lambda path: model.save(path), suffix=".keras")
    ship_lite_copy(output, model)
    directory = report_dir_for(output)
    directory.mkdir(parents=True, exist_ok=True)
    atomic.write_json(directory / "report.json", summary)
    return summary
