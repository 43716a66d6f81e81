"""Where tests and benchmarks find the shared data sets: $DIGITPAD_MNIST / $DIGITPAD_PENDIGITS, else ../shared/data."""

from __future__ import annotations

import os
from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
MNIST = Path(os.environ.get("DIGITPAD_MNIST", SHARED_DATA / "mnist.npz"))
PENDIGITS = Path(os.environ.get("DIGITPAD_PENDIGITS", SHARED_DATA / "pendigits_train.npz"))
