"""Grey-level histograms of a stack of images, one row per image: Otsu's split, class medians and spreads."""

from __future__ import annotations

import numpy as np

BINS = 256


class Histograms:
    """One BINS-bin histogram per image of a stack, each over its own [low, low + BINS * step).

    Every statistic is computed for all rows at once: a stack of a hundred small images costs about as
    much Python as one. A statistic of a class of bins takes per-row bounds (first, last: bin indices,
    end-exclusive), e.g. the two sides of each row's Otsu split.
    """

    def __init__(self, counts: np.ndarray, low: np.ndarray, step: np.ndarray):
        self.counts = counts
        self.low, self.step = low, step
        self.centres = low[:, np.newaxis] + (np.arange(BINS) + 0.5) * step[:, np.newaxis]
        self._otsu: np.ndarray | None = None
        self._cumulative_counts: np.ndarray | None = None

    @classmethod
    def of(cls, values: np.ndarray, low: float, high: float) -> "Histograms":
        """Histograms of values (N, ...) over [low, high], values outside clipped to the end bins."""
        count = len(values)
        step = max(high - low, 1e-6) / BINS
        indices = ((values - low) / step).astype(np.int32)
        np.clip(indices, 0, BINS - 1, out=indices)
        indices = indices.reshape(count, -1)
        if count > 1:
            indices += (np.arange(count, dtype=np.int32) * BINS)[:, np.newaxis]
        counts = np.bincount(indices.ravel(), minlength=count * BINS).reshape(count, BINS).astype(np.float64)
        return cls(counts, np.full(count, float(low)), np.full(count, step))

    def mirrored_where(self, mirror: np.ndarray) -> "Histograms":
        """Rows where `mirror` is true become the histogram of 1 - values (for histograms over [0, 1])."""
        mirror = np.asarray(mirror, dtype=bool)
        result = Histograms(np.where(mirror[:, np.newaxis], self.counts[:, ::-1], self.counts), self.low, self.step)
        # The between-class variance of a split is the same read backwards: the mirrored split is BINS - split.
        result._otsu = np.where(mirror, BINS - self.otsu_index(), self.otsu_index())
        return result

    def _cumulative(self) -> np.ndarray:
        """Per row, the counts of bins [0, i] for i = -1 .. BINS - 1 (a leading 0 column)."""
        if self._cumulative_counts is None:
            cumulative = np.zeros((len(self.counts), BINS + 1))
            np.cumsum(self.counts, axis=1, out=cumulative[:, 1:])
            self._cumulative_counts = cumulative
        return self._cumulative_counts

    def _at(self, values: np.ndarray, bins: np.ndarray | int) -> np.ndarray:
        return values[np.arange(len(values)), bins]

    def sum(self, first: np.ndarray | int = 0, last: np.ndarray | int = BINS) -> np.ndarray:
        """Pixels counted in bins [first, last) of each row."""
        cumulative = self._cumulative()
        return self._at(cumulative, last) - self._at(cumulative, first)

    def percentile(self, percent: float, first: np.ndarray | int = 0, last: np.ndarray | int = BINS) -> np.ndarray:
        """Per row, the centre of the bin holding the given percentile of bins [first, last)."""
        cumulative = self._cumulative()
        before = self._at(cumulative, first)
        total = self._at(cumulative, last) - before
        # The first bin whose running count reaches the target: every bin before it falls short.
        target = before + total * percent / 100.0
        index = np.count_nonzero(cumulative[:, 1:] < target[:, np.newaxis], axis=1)
        index = np.where(total > 0, np.minimum(index, np.asarray(last) - 1), first)
        return self._at(self.centres, index)

    def _class_counts(self, first: np.ndarray | int, last: np.ndarray | int) -> np.ndarray:
        bins = np.arange(BINS)
        inside = (bins >= np.asarray(first)[..., np.newaxis]) & (bins < np.asarray(last)[..., np.newaxis])
        return np.where(inside, self.counts, 0.0)

    def std(self, first: np.ndarray | int = 0, last: np.ndarray | int = BINS) -> np.ndarray:
        """Per row, the standard deviation of the values in bins [first, last)."""
        counts = self._class_counts(first, last)
        total = counts.sum(axis=1)
        safe_total = np.maximum(total, 1e-300)
        mean = np.einsum("ij,ij->i", counts, self.centres) / safe_total
        variance = np.einsum("ij,ij->i", counts, (self.centres - mean[:, np.newaxis]) ** 2) / safe_total
        return np.where(total > 0, np.sqrt(np.maximum(variance, 0.0)), 0.0)

    def otsu_index(self) -> np.ndarray:
        """Per row, the first bin above Otsu's threshold (maximum between-class variance); computed once."""
        if self._otsu is None:
            cumulative = np.cumsum(self.counts, axis=1)
            cumulative_mean = np.cumsum(self.counts * self.centres, axis=1)
            total, total_mean = cumulative[:, -1:], cumulative_mean[:, -1:]
            below, above = cumulative[:, :-1], total - cumulative[:, :-1]
            valid = (below > 0) & (above > 0)
            mean_below = cumulative_mean[:, :-1] / np.maximum(below, 1)
            mean_above = (total_mean - cumulative_mean[:, :-1]) / np.maximum(above, 1)
            between = np.where(valid, below * above * (mean_below - mean_above) ** 2, -1.0)
            self._otsu = np.argmax(between, axis=1) + 1
        return self._otsu

    def otsu_index_from(self, first: np.ndarray) -> np.ndarray:
        """Per row, Otsu's split (as otsu_index) of its bins from `first` on, the bins before left out."""
        above = np.arange(self.counts.shape[1]) >= np.asarray(first)[:, np.newaxis]
        return Histograms(np.where(above, self.counts, 0), self.low, self.step).otsu_index()
