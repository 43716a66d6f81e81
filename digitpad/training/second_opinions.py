"""Give a trained model second opinions: record other networks beside it and measure them together on held-out sets."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

from digitpad.inference import ensemble
from digitpad.inference.predictor import KerasPredictor
from digitpad.storage import atomic
from digitpad.storage.paths import report_dir_for
from digitpad.training.config import TrainConfig
from digitpad.training.mnist import load_mnist
from digitpad.training.train import evaluate, evaluate_sets, pen_digits_or_none
from digitpad.training.training_data import build_world_data


def add_second_opinions(model_path: str | Path, opinions: list[str | Path], mnist_path: str | Path | None = None,
                        pendigits_path: str | Path | None = None, unsure_below: float = ensemble.DEFAULT_UNSURE_BELOW,
                        config: TrainConfig = TrainConfig()) -> dict:
    """Record `opinions` (.keras files in the model's folder, trained with the model's seed so that they hold out
    the same digits, writers and fonts) as `model_path`'s second opinions, measure the model with them on its
    validation and test sets, and add the figures to its report. Returns those figures.

    Nothing is recorded unless every opinion loads; the record and the report are each replaced atomically.
    """
    model_path = Path(model_path)
    opinion_paths = [Path(path) for path in opinions]
    for path in [model_path, *opinion_paths]:
        KerasPredictor(path, with_second_opinions=False).load()  # ModelLoadError before anything is written
    notes: list[str] = []
    world = build_world_data(load_mnist(mnist_path), pen_digits_or_none(pendigits_path, notes), config.data,
                             config.seed, config.validation_size, config.limit)
    previous = ensemble.record_path(model_path)
    saved = previous.read_bytes() if previous.is_file() else None
    ensemble.write_second_opinions(model_path, opinion_paths, unsure_below)
    try:
        together = KerasPredictor(model_path)
        together.load()
        alone = KerasPredictor(model_path, with_second_opinions=False)
        figures = {
            "models": [path.name for path in opinion_paths],
            "unsure_below": unsure_below,
            "command": " ".join(["digitpad", *(shlex.quote(part) for part in sys.argv[1:])]),
            "unsure_share": {split: _unsure_share(alone, getattr(world, split)["mnist"].x, unsure_below)
                             for split in ("validation", "test")},
            "test": evaluate(together.predict_inputs, world.test["mnist"].x, world.test["mnist"].y),
            "sources": {split: evaluate_sets(together.predict_inputs, getattr(world, split))
                        for split in ("validation", "test")},
            "notes": notes,
        }
        report_path = report_dir_for(model_path) / "report.json"
        report = _read_report(report_path)
        report[ensemble.REPORT_KEY] = figures
        atomic.write_json(report_path, report)
    except BaseException:
        if saved is None:
            previous.unlink(missing_ok=True)
        else:
            atomic.write_bytes(previous, saved)
        raise
    return figures


def _unsure_share(predictor: KerasPredictor, images, unsure_below: float) -> float:
    """The share of `images` the model alone is unsure of (those its second opinions are asked about)."""
    return float((predictor.predict_inputs(images).max(axis=1) < unsure_below).mean())


def _read_report(path: Path) -> dict:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    return value if isinstance(value, dict) else {}
