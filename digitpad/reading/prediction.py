"""One digit read: the digit, how sure, all ten probabilities and the 28x28 input the model saw (plain data)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Prediction:
    """One digit's answer: the digit, its probability, all ten probabilities, and the 28x28 model input."""

    digit: int
    confidence: float
    probabilities: np.ndarray
    model_input: np.ndarray

    @classmethod
    def from_probabilities(cls, probabilities: np.ndarray, model_input: np.ndarray) -> Prediction:
        """The likeliest digit of (10,) probabilities, with the model input they were given for."""
        digit = int(np.argmax(probabilities))
        return cls(digit, float(probabilities[digit]), probabilities, model_input)

    def top(self, count: int = 3) -> list[tuple[int, float]]:
        """The `count` most likely digits with their probabilities."""
        order = np.argsort(self.probabilities)[::-1][:count]
        return [(int(digit), float(self.probabilities[digit])) for digit in order]
