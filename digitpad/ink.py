"""Find the ink in any image: greyscale conversion, polarity, uneven paper, noise and specks (pure functions)."""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage

# Images larger than this (longer side) are reduced first; strokes survive thanks to a max/mean blend.
WORKING_SIZE = 512
# Paper unevenness is only estimated on images at least this big (small ones are clean exports).
FLATTEN_MIN_SIZE = 64
FLATTEN_THUMBNAIL_SIZE = 64
# Paper whose estimated brightness varies less than this is treated as uniform.
UNEVEN_PAPER_RANGE = 0.04
# Below this share of the pixels, a grey class is certainly ink rather than paper.
POLARITY_CLEAR_MAJORITY = 0.35
# Ink must stand out from paper by at least this much (0..1 grey levels) to count as a digit.
MIN_CONTRAST = 0.12
# The digit's longer side must span at least this many pixels and this share of the image.
MIN_DIGIT_PIXELS = 3
MIN_DIGIT_FRACTION = 0.03
# Soft ink above this joins connected pieces (low, so faint anti-aliased thin lines stay whole).
COMPONENT_THRESHOLD = 0.25
EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)
# Connected pieces of ink smaller than this share of the largest piece are specks.
SPECK_FRACTION = 0.04


def _no_digit():
    from digitpad.preprocess import NoDigitError  # noqa: PLC0415 - avoid an import cycle

    return NoDigitError()


def _composite_alpha(grey: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Flatten transparency: transparent pixels become paper, whatever colour the ink is."""
    if alpha.min() > 0.98:
        return grey
    opaque = alpha > 0.5
    if not opaque.any():
        return np.ones_like(grey)
    if opaque.mean() < 0.5:
        # Strokes on a transparent canvas: paper must contrast with them.
        paper = 1.0 if float(np.median(grey[opaque])) < 0.5 else 0.0
    else:
        # A picture with transparent margins: paper is the picture's dominant grey.
        paper = float(np.median(grey[opaque]))
    return alpha * grey + (1.0 - alpha) * paper


def _pil_to_grey(image: Image.Image) -> np.ndarray:
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        values = np.asarray(image, dtype=np.float32)
        return values / (65535.0 if values.max() > 255 else 255.0)
    if mode in ("I", "F"):
        values = np.asarray(image, dtype=np.float64)
        low, high = float(values.min()), float(values.max())
        top = 65535.0 if high > 255 else 255.0
        return (values / top if low >= 0 and high <= top else (values - low) / max(high - low, 1e-9)).astype(np.float32)
    if mode == "L":
        return np.asarray(image, dtype=np.float32) * np.float32(1 / 255)
    if mode == "1":
        return np.asarray(image.convert("L"), dtype=np.float32) / 255.0
    has_alpha = mode in ("LA", "La", "PA", "RGBA", "RGBa") or (mode == "P" and "transparency" in image.info)
    if has_alpha:
        rgba = np.asarray(image.convert("RGBA"), dtype=np.float32) / 255.0
        grey = rgba[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        return _composite_alpha(grey, rgba[..., 3])
    return np.asarray(image.convert("RGB").convert("L"), dtype=np.float32) / 255.0


def to_grey(image) -> np.ndarray:
    """A PIL image (any mode) or an array (H,W), (H,W,1..4), bool/uint8/uint16/float -> float32 grey in [0, 1]."""
    if isinstance(image, Image.Image):
        return _pil_to_grey(image)
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if array.dtype == np.bool_:
        values = array.astype(np.float32)
    elif array.dtype == np.uint8:
        values = array.astype(np.float32) / 255.0
    elif array.dtype == np.uint16:
        values = array.astype(np.float32) / 65535.0
    else:
        values = array.astype(np.float32)
        if values.size and (values.max() > 1.0 or values.min() < 0.0):
            low, high = float(values.min()), float(values.max())
            values = (values - low) / max(high - low, 1e-9)
    if values.ndim == 2:
        return values
    if values.ndim == 3 and values.shape[2] in (2, 3, 4):
        channels = values.shape[2]
        colour = values[..., :1] if channels == 2 else values[..., :3]
        grey = colour[..., 0] if channels == 2 else colour @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        if channels in (2, 4):
            return _composite_alpha(grey, values[..., -1])
        return grey
    raise ValueError(f"unsupported image array shape {array.shape}")


def _reduce(values: np.ndarray, factor: int) -> np.ndarray:
    """Shrink by an integer factor, blending block mean and block max so thin strokes survive."""
    height, width = values.shape
    height, width = height - height % factor, width - width % factor
    blocks = values[:height, :width].reshape(height // factor, factor, width // factor, factor)
    return 0.5 * (blocks.mean(axis=(1, 3)) + blocks.max(axis=(1, 3)))


def _ink_is_dark(grey: np.ndarray, histogram: _Histogram) -> bool:
    """True for dark ink on light paper, False for light ink on dark paper.

    Split the greys in two (Otsu): the smaller class is ink. When the two are close in size
    (a thick digit cropped tight), the class that owns most of the image border is paper.
    """
    split = histogram.otsu_index()
    dark_fraction = histogram.counts[:split].sum() / max(histogram.counts.sum(), 1)
    if dark_fraction < POLARITY_CLEAR_MAJORITY:
        return True
    if dark_fraction > 1.0 - POLARITY_CLEAR_MAJORITY:
        return False
    threshold = histogram.centres[split] - histogram.step / 2
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    corner = max(1, min(grey.shape) // 8)
    corners = np.concatenate([
        grey[:corner, :corner].ravel(), grey[:corner, -corner:].ravel(),
        grey[-corner:, :corner].ravel(), grey[-corner:, -corner:].ravel(),
    ])
    return 0.5 * float((border < threshold).mean()) + 0.5 * float((corners < threshold).mean()) < 0.5


def _flatten_paper(ink: np.ndarray) -> np.ndarray:
    """Subtract slowly varying paper brightness (shadows, gradients), estimated by a wide grey opening.

    The opening runs on a small thumbnail with a window of a third of the image, wider than any
    stroke, so strokes never count as paper; uniform paper is left alone.
    """
    size = max(ink.shape)
    if size < FLATTEN_MIN_SIZE:
        return ink
    factor = max(1, size // FLATTEN_THUMBNAIL_SIZE)
    height, width = ink.shape[0] // factor * factor, ink.shape[1] // factor * factor
    thumbnail = ink[:height, :width].reshape(height // factor, factor, width // factor, factor).mean(axis=(1, 3))
    window = max(3, max(thumbnail.shape) // 3)
    background = ndimage.grey_opening(thumbnail, size=(window, window), mode="nearest")
    background = ndimage.uniform_filter(background, size=window, mode="nearest")
    if float(background.max() - background.min()) < UNEVEN_PAPER_RANGE:
        return ink
    full = Image.fromarray(background.astype(np.float32), mode="F").resize((ink.shape[1], ink.shape[0]), Image.BILINEAR)
    return ink - np.asarray(full, dtype=np.float32)


class _Histogram:
    """Grey-level statistics from one histogram (cheaper than repeated medians and percentiles)."""

    BINS = 256

    def __init__(self, values: np.ndarray, low: float, high: float):
        self.low, self.step = low, max(high - low, 1e-6) / self.BINS
        indices = np.clip(((values - low) / self.step).astype(np.int32), 0, self.BINS - 1)
        self.counts = np.bincount(indices.ravel(), minlength=self.BINS).astype(np.float64)
        self.centres = low + (np.arange(self.BINS) + 0.5) * self.step
        self._otsu: int | None = None

    def mirrored(self) -> "_Histogram":
        """The histogram of 1 - values, for a histogram over [0, 1]."""
        mirror = object.__new__(_Histogram)
        mirror.low, mirror.step = self.low, self.step
        mirror.counts = self.counts[::-1].copy()
        mirror.centres = self.centres
        # The between-class variance of a split is the same read backwards: the mirrored split is BINS - split.
        mirror._otsu = None if self._otsu is None else self.BINS - self._otsu
        return mirror

    def percentile(self, percent: float, first: int = 0, last: int | None = None) -> float:
        counts = self.counts[first:last]
        cumulative = np.cumsum(counts)
        if cumulative[-1] <= 0:
            return float(self.centres[first])
        index = int(np.searchsorted(cumulative, cumulative[-1] * percent / 100.0))
        return float(self.centres[first:last][min(index, len(counts) - 1)])

    def std(self, first: int = 0, last: int | None = None) -> float:
        counts, centres = self.counts[first:last], self.centres[first:last]
        total = counts.sum()
        if total <= 0:
            return 0.0
        mean = float(counts @ centres) / total
        return float(np.sqrt(max(float(counts @ (centres - mean) ** 2) / total, 0.0)))

    def otsu_index(self) -> int:
        """First bin above Otsu's threshold (maximum between-class variance); computed once."""
        if self._otsu is None:
            self._otsu = self._compute_otsu_index()
        return self._otsu

    def _compute_otsu_index(self) -> int:
        cumulative = np.cumsum(self.counts)
        cumulative_mean = np.cumsum(self.counts * self.centres)
        total, total_mean = cumulative[-1], cumulative_mean[-1]
        below, above = cumulative[:-1], total - cumulative[:-1]
        valid = (below > 0) & (above > 0)
        mean_below = cumulative_mean[:-1] / np.maximum(below, 1)
        mean_above = (total_mean - cumulative_mean[:-1]) / np.maximum(above, 1)
        between = np.where(valid, below * above * (mean_below - mean_above) ** 2, -1.0)
        return int(np.argmax(between)) + 1


def _drop_specks(soft: np.ndarray) -> np.ndarray:
    """Keep connected pieces of ink that are not tiny compared with the largest one."""
    mask = soft > COMPONENT_THRESHOLD
    labels, count = ndimage.label(mask, structure=EIGHT_CONNECTED)
    if count == 0:
        raise _no_digit()
    keep = mask
    if count > 1:
        areas = np.bincount(labels.ravel())[1:]
        small = areas < max(2, SPECK_FRACTION * areas.max())
        if small.any():
            keep = ~np.concatenate(([True], small))[labels]
    # Keep the soft (anti-aliased) rim of kept pieces, drop everything else.
    rim = ndimage.maximum_filter(keep, size=5)
    return np.where(rim, soft, 0.0).astype(np.float32)


def ink_map(image) -> np.ndarray:
    """Clean soft ink map: 1 = ink, 0 = paper, specks and paper texture removed.

    Large images are reduced to at most WORKING_SIZE on the longer side.
    Raises NoDigitError when there is no ink that stands out.
    """
    grey = to_grey(image)
    if grey.ndim != 2 or min(grey.shape) < 2:
        raise _no_digit()
    factor = int(np.ceil(max(grey.shape) / WORKING_SIZE))
    # Polarity from a strided sample (it depends on the majority), then reduce with ink bright.
    sample = grey[::factor, ::factor]
    grey_histogram = _Histogram(sample, 0.0, 1.0)
    inverted = _ink_is_dark(sample, grey_histogram)
    ink = 1.0 - grey if inverted else grey
    if factor > 1 and min(ink.shape) >= factor:
        ink = _reduce(ink, factor)
    flattened = _flatten_paper(ink)
    if factor == 1 and flattened is ink:  # same pixels, mirrored: no need to count them again
        histogram = grey_histogram.mirrored() if inverted else grey_histogram
    else:
        histogram = _Histogram(flattened, -1.0, 1.0)
    ink = flattened
    split = histogram.otsu_index()
    if histogram.counts[:split].sum() == 0 or histogram.counts[split:].sum() == 0:
        raise _no_digit()  # a single grey level: blank
    paper_level = histogram.percentile(50, 0, split)
    ink_level = histogram.percentile(50, split)
    if ink_level - paper_level < MIN_CONTRAST:
        raise _no_digit()
    soft = np.clip((ink - paper_level) / (ink_level - paper_level), 0.0, 1.0)
    paper_noise = histogram.std(0, split) / (ink_level - paper_level)
    soft[soft < max(0.06, 3.0 * paper_noise)] = 0.0
    soft = _drop_specks(soft)
    rows = np.flatnonzero(soft.any(axis=1))
    columns = np.flatnonzero(soft.any(axis=0))
    extent = max(rows[-1] - rows[0], columns[-1] - columns[0]) + 1 if rows.size else 0
    if extent < max(MIN_DIGIT_PIXELS, MIN_DIGIT_FRACTION * max(soft.shape)):
        raise _no_digit()  # a speck of dust on an empty page is not a digit
    return soft
