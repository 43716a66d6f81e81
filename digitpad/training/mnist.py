"""Find and load the MNIST data set from a path, DIGITPAD_MNIST, or (last resort) Keras."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from digitpad.training.npz import read_arrays

MNIST_ENV_VAR = "DIGITPAD_MNIST"
MNIST_KEYS = ("x_train", "y_train", "x_test", "y_test")


class MnistUnavailableError(RuntimeError):
    """MNIST could not be found locally nor downloaded."""


def _load_npz(path: Path) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    x_train, y_train, x_test, y_test = read_arrays(path, MNIST_KEYS, "MNIST", MnistUnavailableError)
    return (x_train, y_train), (x_test, y_test)


def find_mnist(path: str | os.PathLike | None = None) -> Path | None:
    """Return the local MNIST path to use (argument, then environment), or None."""
    if path:
        return Path(path)
    from_env = os.environ.get(MNIST_ENV_VAR)
    if from_env:
        return Path(from_env)
    return None


def load_mnist(path: str | os.PathLike | None = None):
    """Load MNIST as ((x_train, y_train), (x_test, y_test)) uint8 arrays.

    Looks at `path`, then $DIGITPAD_MNIST; only then tries the Keras download,
    and turns an offline failure into a message that says what to do.
    """
    local = find_mnist(path)
    if local is not None:
        return _load_npz(local)
    try:
        from keras.datasets import mnist as keras_mnist  # noqa: PLC0415 - heavy, optional

        return keras_mnist.load_data()
    except Exception as error:  # network errors come in many types
        raise MnistUnavailableError(
            "MNIST is not available: no --mnist PATH was given, $DIGITPAD_MNIST is not set, "
            f"and downloading it failed ({error}). Pass --mnist /path/to/mnist.npz "
            "(a file with x_train, y_train, x_test, y_test) or set DIGITPAD_MNIST."
        ) from error
