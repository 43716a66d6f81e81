"""What the retrain window says (no widgets): progress lines from the engine's report dicts, before/after figures."""

from __future__ import annotations

import time
from dataclasses import dataclass

from digitpad.gui.wording import format_duration, percent
from digitpad.training.retrain import FINE_TUNE

STAGE_TEXT = {
    "loading": "Loading your samples, MNIST and the model…",
    "measuring the current model": "Measuring the current model…",
    "training": "Training…",
    "measuring the new model": "Measuring the new model…",
}
MINIMUM_FRACTION_FOR_ESTIMATE = 0.03
MNIST_MISSING_TEXT = ("not made: MNIST was not found, so forgetting could not be checked. "
                      "To check it, set DIGITPAD_MNIST to the path of mnist.npz and restart digitpad.")


class RetrainProgress:
    """Turns report dicts into a fraction, a stage line, a loss/accuracy line and an elapsed/remaining line."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self.started = clock()
        self._training_started: float | None = None
        self.fraction: float | None = None
        """Training progress 0..1, or None before training began (the bar then just moves)."""
        self.stage = STAGE_TEXT["loading"]
        self.figures = ""
        self.sample_count: int | None = None
        self.damaged = 0

    def update(self, update: dict) -> None:
        kind = update.get("kind")
        if kind == "samples":
            self.sample_count, self.damaged = int(update.get("count", 0)), int(update.get("damaged", 0))
        elif kind == "stage":
            stage = str(update.get("stage", ""))
            self.stage = STAGE_TEXT.get(stage, stage.capitalize() + "…")
            if stage == "training":
                self._training_started = self._clock()
                self.fraction = 0.0
            elif stage == "measuring the new model":
                self.fraction = 1.0
        elif kind in ("batch", "epoch"):
            if self._training_started is None:
                self._training_started = self._clock()
            self.fraction = min(1.0, max(0.0, float(update.get("fraction", 0.0))))
            epochs = int(update.get("epochs", 1))
            epoch = min(int(update.get("epoch", 0)) + 1, epochs)
            parts = [f"Epoch {epoch} of {epochs}"]
            if "loss" in update:
                parts.append(f"loss {float(update['loss']):.3f}")
            if "accuracy" in update:
                parts.append(f"accuracy {float(update['accuracy']):.1%}")
            if "val_accuracy" in update:
                parts.append(f"validation {float(update['val_accuracy']):.1%}")
            self.figures = "  \u00b7  ".join(parts)
            self.stage = STAGE_TEXT["training"]

    @property
    def elapsed(self) -> float:
        return self._clock() - self.started

    @property
    def remaining(self) -> float | None:
        """Seconds of training left, estimated from the pace so far; None until there is a pace."""
        if self._training_started is None or self.fraction is None or self.fraction < MINIMUM_FRACTION_FOR_ESTIMATE:
            return None
        spent = self._clock() - self._training_started
        return spent * (1.0 - self.fraction) / self.fraction

    def time_text(self) -> str:
        remaining = self.remaining
        text = f"Elapsed {format_duration(self.elapsed)}"
        if remaining is not None and self.fraction is not None and self.fraction < 1.0:
            text += f"  \u00b7  about {format_duration(remaining)} left"
        return text


@dataclass(frozen=True)
class FigureRow:
    label: str
    before: str
    after: str
    note: str = ""
    """Said instead of the figures when they could not be measured."""
    change: str = "same"
    """'better', 'same' (or lower within what is allowed) or 'worse': the colour of the 'after' figure."""


@dataclass(frozen=True)
class ResultText:
    rows: tuple[FigureRow, ...]
    verdict: str
    acceptable: bool
    notes: tuple[str, ...]


def change(before: float | None, after: float | None, allowed_drop: float = 0.0) -> str:
    if before is None or after is None:
        return "same"
    if after < before - allowed_drop - 1e-9:
        return "worse"
    return "better" if after > before + 1e-9 else "same"


def describe_result(result) -> ResultText:
    """The before/after table, the verdict and the engine's notes for a RetrainResult."""
    config = getattr(result, "config", None) or {}
    rows = []
    check_count = config.get("mnist_check_count")
    mnist_label = f"MNIST held-out digits ({check_count:,})" if check_count else "MNIST held-out digits"
    if result.mnist_checked and result.mnist_after is not None:
        rows.append(FigureRow(mnist_label, percent(result.mnist_before, 2), percent(result.mnist_after, 2),
                              change=change(result.mnist_before, result.mnist_after,
                                            float(config.get("max_mnist_drop", 0.0)))))
    else:
        rows.append(FigureRow("MNIST held-out digits", "", "", note=MNIST_MISSING_TEXT))
    if result.user_before is not None:
        rows.append(FigureRow(f"Your held-out samples ({result.holdout_count})", percent(result.user_before),
                              percent(result.user_after), change=change(result.user_before, result.user_after)))
    else:
        rows.append(FigureRow("Your held-out samples", "", "",
                              note="none held out: add a few more samples of each digit to measure this."))
    notes = tuple(note for note in result.notes if not note.startswith("MNIST is not available"))
    if result.acceptable:
        verdict = "Recommended: it reads your handwriting at least as well, without forgetting MNIST."
        if not result.mnist_checked:
            verdict = "Reads your handwriting at least as well (forgetting could not be checked without MNIST)."
    else:
        verdict = "Not recommended: " + (notes[0] if notes else "it did not pass the checks.")
        notes = notes[1:]
    return ResultText(tuple(rows), verdict, bool(result.acceptable), notes)


def summary_line(result) -> str:
    """One line about how the model was made, e.g. 'Fine-tuned on 34 samples in 41 s.'"""
    what = "Fine-tuned" if result.kind == FINE_TUNE else "Trained from scratch on MNIST plus"
    return f"{what} {result.train_count} of your samples in {format_duration(result.seconds)}."
