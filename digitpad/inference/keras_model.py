"""The .keras file itself: loaded in Keras safe mode and checked, converted for LiteRT, or run by TensorFlow.

The one inference module that imports TensorFlow, and only inside its functions: converting a model LiteRT
has no copy of yet, and running it where LiteRT cannot (no converter, no LiteRT wheels).
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path


class ModelLoadError(RuntimeError):
    """The model file is missing, damaged or not a digit model."""


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


def convert(keras_model) -> bytes:
    """Keras model -> TensorFlow Lite flatbuffer with dynamic-range quantization (imports TensorFlow; Keras's export
    chatter is silenced).

    Weights are stored as 8-bit integers and LiteRT quantizes each layer's input on the fly: the digit network runs
    about 3 times faster on a CPU and its file is a quarter of the size, while reading as well (the training's
    validation sets: the same errors, see README). It needs no sample data, so a retrained model converts alike.
    """
    import tensorflow as tf  # noqa: PLC0415 - only when no cached copy exists

    with contextlib.redirect_stdout(io.StringIO()):
        converter = tf.lite.TFLiteConverter.from_keras_model(keras_model)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        return converter.convert()


def inference_function(model):
    """The model as a traced TensorFlow function of (N, 28, 28, 1) float32 batches (where conversion failed)."""
    import tensorflow as tf  # noqa: PLC0415

    @tf.function(input_signature=[tf.TensorSpec([None, 28, 28, 1], tf.float32)], reduce_retracing=True)
    def infer(batch):
        return model(batch, training=False)

    return infer


def tensorflow_interpreter_class():
    """TensorFlow's own TFLite interpreter, for platforms without LiteRT wheels (Windows)."""
    import tensorflow as tf  # noqa: PLC0415

    return tf.lite.Interpreter
