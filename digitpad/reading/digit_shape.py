"""How plausible a candidate is as one digit: the classifier's probabilities weighed by the digit's usual shape."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

# Mean and standard deviation of log(width / height) of each digit's ink box (ink above 0.5 after
# ink.ink_map), measured on 20,000 MNIST training digits.
DIGIT_LOG_ASPECTS = (
    (-0.115, 0.214), (-0.999, 0.485), (-0.077, 0.241), (-0.265, 0.223), (-0.267, 0.224),
    (-0.083, 0.282), (-0.353, 0.220), (-0.290, 0.230), (-0.309, 0.236), (-0.435, 0.209),
)
_MEANS, _DEVIATIONS = np.array(DIGIT_LOG_ASPECTS).T


def shape_fit(aspect: float, free_deviations: float) -> np.ndarray:
    """(10,) factors in (0, 1]: 1 while the ink box's width / height is within `free_deviations` standard
    deviations of that digit's usual aspect, then falling like a Gaussian (two digits read as one "8" are
    far too wide for an 8, however sure the classifier is)."""
    distance = np.abs(math.log(max(aspect, 1e-6)) - _MEANS) / _DEVIATIONS
    excess = np.maximum(distance - free_deviations, 0.0)
    return np.exp(-0.5 * excess**2)


def aspect_deviations(digit: int, aspect: float) -> float:
    """How many standard deviations an ink box's log(width / height) lies from that digit's usual (negative when
    narrower)."""
    mean, deviation = DIGIT_LOG_ASPECTS[digit]
    return (math.log(max(aspect, 1e-6)) - mean) / deviation


def digit_shape_fit(digit: int, aspect: float, free_deviations: float) -> float:
    """`shape_fit` for one digit only (cheap: plain arithmetic)."""
    excess = max(abs(aspect_deviations(digit, aspect)) - free_deviations, 0.0)
    return math.exp(-0.5 * excess * excess)


def plausibility(scores, aspects: Sequence[float], free_deviations: float) -> np.ndarray:
    """Per candidate, how plausible it is as one digit, in (0, 1]: from (k, 10) probabilities, the best
    probability x shape fit over the ten digits; (k,) confidences are taken as they are."""
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim == 1:
        return scores
    return np.array([float(np.max(row * shape_fit(aspect, free_deviations))) for row, aspect in zip(scores, aspects)])
