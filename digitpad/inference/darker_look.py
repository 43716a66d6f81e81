"""A second look at unsure digits: each read again with its ink darkened, where that reading is surer."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# A digit written with a nib's hairlines, a thin pen on a faint scan or a light stroke keeps its thin strokes as
# faint grey once scaled into MNIST's 20 px box (a ledger's 0 whose right half is a hairline is read as a 1 from its
# downstroke alone). A digit read less than DARKER_LOOK_BELOW sure is read again with every pixel's ink times
# DARKER_LOOK_FACTOR (clipped to 1: faint strokes as dark as MNIST's), and that reading is kept where it is surer.
# Chosen on validation (README, "A darker second look"); only pictures are looked at again (predictor's
# predict_picture_inputs): the pad's long, shallow flagged 1s read darker as 7s (a test figure, said so there).
DARKER_LOOK_BELOW = 0.7
DARKER_LOOK_FACTOR = 2.0


def with_darker_look(probabilities: np.ndarray, inputs: np.ndarray,
                     predict: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """The (N, 10) `probabilities` for (N, 28, 28[, 1]) `inputs`, each row below DARKER_LOOK_BELOW replaced by
    `predict`'s for its input darkened (see DARKER_LOOK_FACTOR) where that one's top probability is higher."""
    unsure = np.flatnonzero(probabilities.max(axis=1) < DARKER_LOOK_BELOW)
    if not len(unsure):
        return probabilities
    darker = predict(np.minimum(np.asarray(inputs, np.float32)[unsure] * np.float32(DARKER_LOOK_FACTOR), 1.0))
    surer = darker.max(axis=1) > probabilities[unsure].max(axis=1)
    if not surer.any():
        return probabilities
    looked = np.array(probabilities, dtype=np.float32, copy=True)
    looked[unsure[surer]] = darker[surer]
    return looked
