"""A synthetic user whose handwriting differs from MNIST in one consistent way: a strong italic slant.

Drawings are made from MNIST test digits (never the fixed forgetting-check digits): enlarged to pad size,
sheared so the tops lean far right (about 50 degrees), dark ink on white paper. The bundled model reads
about three in four of them (digits 3, 4, 7, 8, 9 suffer most); MNIST's own slant rarely exceeds 30 degrees.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from digitpad.training.retrain import mnist_check_indices

DRAWING_SCALE = 4
# Horizontal shift per pixel of height, tops to the right: a slant of about 50 degrees.
ITALIC_SHEAR = 1.2
CANVAS_MARGIN = 0.5


def slanted_drawing(digit: np.ndarray, shear: float = ITALIC_SHEAR) -> np.ndarray:
    """One 28x28 MNIST digit (white on black) -> a larger drawing of it slanted by `shear`, dark on white, uint8."""
    size = digit.shape[0] * DRAWING_SCALE
    enlarged = Image.fromarray(digit).resize((size, size), Image.BICUBIC)
    canvas_size = int(size * (1 + CANVAS_MARGIN + abs(shear)))
    canvas = Image.new("L", (canvas_size, canvas_size), 0)
    offset = (canvas_size - size) // 2
    canvas.paste(enlarged, (offset, offset))
    centre = canvas_size / 2
    # PIL maps each output pixel (x, y) to the input pixel (a x + b y + c, d x + e y + f).
    sheared = canvas.transform(
        canvas.size, Image.AFFINE, (1, shear, -shear * centre, 0, 1, 0), resample=Image.BILINEAR
    )
    return 255 - np.asarray(sheared, dtype=np.uint8)


def user_digit_indices(test_count: int, count: int, seed: int, exclude: np.ndarray | None = None) -> np.ndarray:
    """`count` MNIST test indices that are not forgetting-check digits (nor in `exclude`)."""
    forbidden = set(mnist_check_indices(test_count).tolist())
    if exclude is not None:
        forbidden.update(np.asarray(exclude).tolist())
    candidates = np.array([index for index in range(test_count) if index not in forbidden])
    return np.sort(np.random.default_rng(seed).choice(candidates, count, replace=False))


def user_drawings(x_test: np.ndarray, y_test: np.ndarray, indices: np.ndarray, shear: float = ITALIC_SHEAR):
    """(list of uint8 drawings, labels) of the synthetic user for the given MNIST test indices."""
    return [slanted_drawing(x_test[index], shear) for index in indices], y_test[indices].astype(np.int64)
