"""The network alone on `digitpad train`'s own held-out sets, for several models side by side: the validation
sets a model is chosen on, then the test sets (only reported), each rebuilt with today's constructions.

Run: .venv/bin/python tests/bench/bench_held_out_sets.py --model OLD.keras --model assets/model.keras
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from tests.data_paths import MNIST, PENDIGITS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", type=Path,
                        help="a .keras model (repeat to compare; default: the bundled one)")
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
    world = build_world_data(load_mnist(MNIST), load_pendigits(PENDIGITS), config.data, config.seed,
                             config.validation_size)
    predictors = []
    for model in models:
        predictor = KerasPredictor(model)
        predictor.load()
        predictors.append(predictor)
    for split in ("validation", "test"):
        sets = getattr(world, split)
        results = [evaluate_sets(predictor.predict_inputs, sets) for predictor in predictors]
        print(f"== {split} (errors)")
        print(f"{'':44}" + "".join(f"{model.name:>26}" for model in models))
        for name in sets:
            print(f"{name:44}" + "".join(f"{result[name]['accuracy']:>17.2%} ({result[name]['errors']:4d})"
                                         for result in results if name in result))


if __name__ == "__main__":
    main()
