"""MNIST-style preprocessing: any image of a digit -> the 28x28 float input the model expects (pure functions)."""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage

from digitpad.imaging.ink import NoDigitError, ink_map

FIELD_SIZE = 28
BOX_SIZE = 20
# MNIST's centre of mass sits at pixel index (14.0, 14.0) (measured on the training set, std 0.3 px).
CENTRE_OF_MASS = 14.0
# Stroke width in the 20x20 box, as 2 * area / edge length of the >0.5 mask: on MNIST the 5th..95th
# percentiles are 1.27..3.0 and the median 2.0. Inside the band a stroke is left alone (so MNIST digits
# pass nearly unchanged); a thinner one is brought near the median, a thicker one to the upper quartile.
STROKE_WIDTH_BAND = (1.2, 3.1)
STROKE_WIDTH_TARGETS = (1.9, 2.6)
STROKE_WIDTH_PASSES = 3


def stroke_width(mask: np.ndarray) -> float:
    """Mean stroke width of a boolean mask: 2 * area / number of ink-to-paper pixel edges."""
    area = np.count_nonzero(mask)
    if area == 0:
        return 0.0
    edges = (
        np.count_nonzero(mask[1:, :] != mask[:-1, :]) + np.count_nonzero(mask[:, 1:] != mask[:, :-1])
        + np.count_nonzero(mask[0]) + np.count_nonzero(mask[-1])
        + np.count_nonzero(mask[:, 0]) + np.count_nonzero(mask[:, -1])
    )
    return 2.0 * area / max(edges, 1)


def change_stroke_width(ink: np.ndarray, radius: float) -> np.ndarray:
    """Grow (radius > 0) or shrink (radius < 0) the >0.5 ink by `radius` pixels, via distance transforms.

    Returns the input unchanged when thinning would erase most of the digit.
    """
    mask = np.pad(ink > 0.5, 1)
    if radius > 0:
        new_mask = ndimage.distance_transform_edt(~mask) <= radius + 0.5
    else:
        new_mask = ndimage.distance_transform_edt(mask) > -radius
        if new_mask.sum() < 0.3 * mask.sum():
            return ink
    return new_mask[1:-1, 1:-1].astype(np.float32)


def fit_in_box(ink: np.ndarray, box_size: int = BOX_SIZE) -> np.ndarray:
    """Scale a cropped ink map so its longer side is `box_size`, keeping the aspect ratio, anti-aliased."""
    height, width = ink.shape
    longest = max(height, width)
    if longest == box_size:
        return ink.astype(np.float32)
    new_height = max(1, round(height * box_size / longest))
    new_width = max(1, round(width * box_size / longest))
    resample = Image.LANCZOS if longest > box_size else Image.BICUBIC
    resized = Image.fromarray(ink.astype(np.float32), mode="F").resize((new_width, new_height), resample)
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)


def centre_in_field(patch: np.ndarray, field_size: int = FIELD_SIZE) -> np.ndarray:
    """Place `patch` in a field_size square so that its centre of mass lands on MNIST's centre."""
    total = float(patch.sum())
    height, width = patch.shape
    if total <= 0:
        raise NoDigitError()
    rows = np.arange(height, dtype=np.float64)
    columns = np.arange(width, dtype=np.float64)
    centre_row = float(patch.sum(axis=1) @ rows) / total
    centre_column = float(patch.sum(axis=0) @ columns) / total
    top = int(round(CENTRE_OF_MASS - centre_row))
    left = int(round(CENTRE_OF_MASS - centre_column))
    # Keep the whole patch inside the field even when its mass is far off-centre.
    top = min(max(top, 0), field_size - height)
    left = min(max(left, 0), field_size - width)
    field = np.zeros((field_size, field_size), dtype=np.float32)
    field[top:top + height, left:left + width] = patch
    return field


def crop_to_ink(ink: np.ndarray) -> np.ndarray:
    """The smallest rectangle holding every non-zero pixel."""
    rows = np.flatnonzero(ink.any(axis=1))
    columns = np.flatnonzero(ink.any(axis=0))
    if rows.size == 0:
        raise NoDigitError()
    return ink[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1]


def mnist_from_ink(ink: np.ndarray) -> np.ndarray:
    """A clean soft ink map (ink = 1, paper = 0) of one digit -> 28x28 MNIST-style input.

    Stroke width is measured after scaling, where MNIST's was measured; if it is outside MNIST's
    band, the strokes are grown or shrunk at full resolution and the digit is scaled again.
    """
    return mnist_from_cropped(crop_to_ink(ink))


def mnist_from_cropped(cropped: np.ndarray) -> np.ndarray:
    """mnist_from_ink for an ink map already cropped to its ink (crop_to_ink)."""
    patch = fit_in_box(cropped)
    for _ in range(STROKE_WIDTH_PASSES):
        width = stroke_width(patch > 0.5)
        if width == 0:  # so thin that nothing is half-inked after scaling: judge it at full size
            width = min(stroke_width(cropped > 0.5) * BOX_SIZE / max(cropped.shape), STROKE_WIDTH_BAND[0] / 2)
        low, high = STROKE_WIDTH_BAND
        if low <= width <= high or width == 0:
            break
        target = STROKE_WIDTH_TARGETS[0] if width < low else STROKE_WIDTH_TARGETS[1]
        scale = BOX_SIZE / max(cropped.shape)
        changed = change_stroke_width(cropped, (target - width) / 2.0 / scale)
        if changed is cropped:
            break
        cropped = crop_to_ink(changed)
        patch = fit_in_box(cropped)
    return centre_in_field(patch)


def mnist_input(image) -> np.ndarray:
    """Any image of one digit (PIL image or array, any mode or polarity) -> (28, 28) float32 in [0, 1].

    Raises NoDigitError when the image holds no ink.
    """
    return mnist_from_ink(ink_map(image))
