"""Shared fixtures: MNIST from ../shared/data (or $DIGITPAD_MNIST), the bundled predictor, a tiny model, user data."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MNIST = REPO_ROOT.parent / "shared" / "data" / "mnist.npz"
os.environ.setdefault("DIGITPAD_MNIST", str(DEFAULT_MNIST))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def mnist_path() -> Path:
    path = Path(os.environ["DIGITPAD_MNIST"])
    if not path.is_file():
        pytest.fail(f"MNIST not found at {path}: set DIGITPAD_MNIST")
    return path


@pytest.fixture(scope="session")
def mnist_test(mnist_path):
    """(x_test uint8 (10000, 28, 28), y_test) in canonical order."""
    with np.load(mnist_path) as data:
        return data["x_test"], data["y_test"]


@pytest.fixture(scope="session")
def bundled_predictor():
    """The real bundled model, loaded once per test session."""
    from digitpad.inference.predictor import KerasPredictor

    predictor = KerasPredictor()
    predictor.load()
    return predictor


@pytest.fixture(scope="session")
def tiny_model():
    """A small untrained model (build_model(base_filters=4)): enough to exercise the mechanics quickly."""
    from digitpad.training.model import build_model

    return build_model(base_filters=4)


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory, tiny_model) -> Path:
    """The tiny model saved once as a .keras file (tests may read it, never change it)."""
    path = tmp_path_factory.mktemp("models") / "tiny.keras"
    tiny_model.save(path)
    return path


@pytest.fixture
def isolated_user_data(tmp_path, monkeypatch):
    """Point the user data and config folders at a temporary directory."""
    monkeypatch.setenv("DIGITPAD_DATA_DIR", str(tmp_path / "userdata"))
    return tmp_path / "userdata"
