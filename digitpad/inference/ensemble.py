"""A model's second opinions: other networks asked only about the digits the model itself is unsure of."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitpad.storage import atomic

ENSEMBLE_SUFFIX = ".ensemble.json"
REPORT_KEY = "second_opinions"  # in the record, and in a training report: the figures of the model with them
# Below this top probability the model's answer is averaged with its second opinions'. On the bundled model's
# validation sets about 2% of digits fall below it, and they hold nearly all its errors (README).
DEFAULT_UNSURE_BELOW = 0.99


class EnsembleError(ValueError):
    """The record of a model's second opinions is damaged."""


@dataclass(frozen=True)
class SecondOpinions:
    """The networks (.keras files) asked about a model's unsure digits, and what unsure means."""

    models: tuple[Path, ...] = ()
    unsure_below: float = DEFAULT_UNSURE_BELOW


def record_path(model_path: Path) -> Path:
    """Where a model's second opinions are recorded: `model.ensemble.json` beside `model.keras`."""
    return model_path.with_suffix(ENSEMBLE_SUFFIX)


def read_second_opinions(model_path: Path) -> SecondOpinions:
    """The second opinions recorded beside a model (none for a model without a record, e.g. a retrained one).

    Raises EnsembleError for a damaged record; the models it names are paths relative to the record's folder.
    """
    record = record_path(model_path)
    try:
        text = record.read_text(encoding="utf-8")
    except FileNotFoundError:
        return SecondOpinions()
    except OSError as error:
        raise EnsembleError(f"cannot read {record}: {error.strerror or error}") from error
    try:
        value = json.loads(text)
        names = value[REPORT_KEY]
        unsure_below = float(value.get("unsure_below", DEFAULT_UNSURE_BELOW))
        if not isinstance(names, list) or not all(isinstance(name, str) and name for name in names):
            raise TypeError("second_opinions is not a list of file names")
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise EnsembleError(f"{record} is damaged: {error}") from error
    return SecondOpinions(tuple(record.parent / name for name in names), unsure_below)


def write_second_opinions(model_path: Path, models: Sequence[Path], unsure_below: float = DEFAULT_UNSURE_BELOW) -> None:
    """Record `models` (lying in the model's folder) as the model's second opinions, atomically."""
    if any(Path(model).resolve().parent != model_path.resolve().parent for model in models):
        raise EnsembleError("second opinions must lie in the model's own folder")
    atomic.write_json(record_path(model_path), {REPORT_KEY: [Path(model).name for model in models],
                                                "unsure_below": unsure_below})


def combine(probabilities: np.ndarray, inputs: np.ndarray, second_opinions: Sequence[Callable[[np.ndarray], np.ndarray]],
            unsure_below: float) -> np.ndarray:
    """The model's (N, 10) `probabilities` for `inputs`, with each unsure row (top probability below `unsure_below`)
    replaced by the mean of the model's and every second opinion's probabilities for that input."""
    if not second_opinions:
        return probabilities
    unsure = np.flatnonzero(probabilities.max(axis=1) < unsure_below)
    if not len(unsure):
        return probabilities
    combined = np.array(probabilities, dtype=np.float32, copy=True)
    total = combined[unsure]
    for opinion in second_opinions:
        total = total + opinion(inputs[unsure])
    combined[unsure] = total / (1 + len(second_opinions))
    return combined
