"""Training, validation and test digits of every source (MNIST, pen writers, styles, fonts), made from a seed."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from digitpad.imaging.ink import NoDigitError
from digitpad.imaging.preprocess import mnist_input
from digitpad.training import fonts, handwriting, styles
from digitpad.training.config import VALIDATION_SIZE, DataConfig
from digitpad.training.pendigits import PenDigits

@dataclass
class LabelledDigits:
    """(N, 28, 28) float32 inputs in [0, 1] and their (N,) int64 digits."""

    x: np.ndarray
    y: np.ndarray

    @staticmethod
    def empty() -> LabelledDigits:
        return LabelledDigits(np.zeros((0, 28, 28), np.float32), np.zeros((0,), np.int64))

    @staticmethod
    def join(parts: list[LabelledDigits]) -> LabelledDigits:
        parts = [part for part in parts if len(part.y)]
        if not parts:
            return LabelledDigits.empty()
        return LabelledDigits(np.concatenate([part.x for part in parts]), np.concatenate([part.y for part in parts]))

    def __len__(self) -> int:
        return len(self.y)


@dataclass
class WorldData:
    """Training digits by source, and the held-out sets by name ("pen writers", "fonts", "style: ...")."""

    train: dict[str, LabelledDigits]
    validation: dict[str, LabelledDigits] = field(default_factory=dict)
    test: dict[str, LabelledDigits] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# --- one digit each: top-level functions, so that worker processes can run them -----------------------------

def _rng(key: tuple[int, ...]) -> np.random.Generator:
    return np.random.default_rng(key)


def _as_read_job(image: np.ndarray) -> np.ndarray:
    try:
        return mnist_input(image)
    except NoDigitError:  # (no MNIST digit is blank; kept as it is all the same)
        return image.astype(np.float32) * np.float32(1 / 255)


def _pen_job(job):
    strokes, key, variation = job
    return handwriting.render_varied(strokes, _rng(key), variation)


def _pen_feature_job(job):
    style, strokes, key = job
    rng = _rng(key)
    return handwriting.render_varied(styles.add_feature_to_strokes(style, strokes, rng), rng)


def _image_feature_job(job):
    style, image, key = job
    return styles.add_feature_to_image(style, image, _rng(key))


def _template_job(job):
    style, key = job
    rng = _rng(key)
    return handwriting.render_varied(styles.template_strokes(style, rng), rng)


def _font_job(job):
    path, digit, key = job
    return fonts.render_digit(Path(path), digit, _rng(key))


def _map(function, jobs: list, processes: int | None) -> np.ndarray:
    if not jobs:
        return np.zeros((0, 28, 28), np.float32)
    processes = processes or os.cpu_count() or 1
    if processes == 1 or len(jobs) < 200:
        return np.stack([function(job) for job in jobs]).astype(np.float32)
    with get_context("fork" if os.name == "posix" else "spawn").Pool(processes) as pool:
        return np.stack(pool.map(function, jobs, chunksize=64)).astype(np.float32)


# --- sets -----------------------------------------------------------------------------------------------------

SOURCE_KEYS = {"pen": 1, "style from mnist": 2, "style from pen": 3, "style template": 4, "font": 5, "mnist as read": 6,
               "broken": 7, "thick pen": 8}
# Digits people often write in two strokes that may not meet (a 5's bar, a 4's or 7's second stroke).
BREAKABLE = (4, 5, 7)


def mnist_as_read(images: np.ndarray, processes: int | None = None) -> np.ndarray:
    """MNIST images (uint8, white ink) as digitpad reads them from files: the ink found again, scaled into the
    20x20 box, strokes brought into MNIST's width band and recentred (imaging.preprocess.mnist_input)."""
    return _map(_as_read_job, list(images), processes)


def pen_set(pen: PenDigits, renders: int, seed: int, processes: int | None = None,
            variation: handwriting.Variation = handwriting.Variation(), source: str = "pen") -> LabelledDigits:
    """`renders` random renderings of each of `pen`'s digits (`source` keys their random draws)."""
    jobs = [(strokes, (seed, SOURCE_KEYS[source], index, render), variation)
            for index, strokes in enumerate(pen.strokes) for render in range(renders)]
    return LabelledDigits(_map(_pen_job, jobs, processes), np.repeat(pen.labels, renders))


def broken_pen_digits(pen: PenDigits, count: int, seed: int | tuple[int, ...]) -> LabelledDigits:
    """4s, 5s and 7s of `pen`'s writers written in strokes that do not meet (each later stroke moved aside)."""
    rng = np.random.default_rng(seed)
    candidates = [index for index in range(len(pen))
                  if int(pen.labels[index]) in BREAKABLE and len(pen.strokes[index]) > 1]
    images, labels = [], []
    for _ in range(count if candidates else 0):
        index = candidates[int(rng.integers(len(candidates)))]
        strokes = handwriting.vary(pen.strokes[index], rng)
        height = float(np.ptp(np.concatenate(strokes)[:, 1])) or 1.0
        gap = height * rng.uniform(0.05, 0.14)
        moved = [strokes[0]] + [points + np.array([rng.choice([-1.0, 1.0]) * gap, -gap * rng.uniform(0, 0.6)])
                                for points in strokes[1:]]
        images.append(handwriting.render(moved, rng.uniform(8.0, 24.0)))
        labels.append(int(pen.labels[index]))
    if not images:
        return LabelledDigits.empty()
    return LabelledDigits(np.stack(images).astype(np.float32), np.asarray(labels, np.int64))


def _chosen(labels: np.ndarray, digit: int, count: int, rng: np.random.Generator) -> np.ndarray:
    indices = np.flatnonzero(labels == digit)
    return rng.choice(indices, count, replace=count > len(indices)) if len(indices) else indices


def style_from_images(style: str, images: np.ndarray, labels: np.ndarray, count: int, seed: int,
                      processes: int | None = None) -> LabelledDigits:
    """`count` digits of the style, its feature added to images (28x28, white ink) of the style's digit."""
    digit = styles.STYLE_DIGITS[style]
    rng = _rng((seed, SOURCE_KEYS["style from mnist"], styles.STYLES.index(style)))
    chosen = _chosen(labels, digit, count, rng)
    jobs = [(style, images[index], (seed, SOURCE_KEYS["style from mnist"], styles.STYLES.index(style), order))
            for order, index in enumerate(chosen)]
    return LabelledDigits(_map(_image_feature_job, jobs, processes), np.full(len(jobs), digit, np.int64))


def style_from_pen(style: str, pen: PenDigits, count: int, seed: int, processes: int | None = None) -> LabelledDigits:
    """`count` digits of the style, its feature added to pen digits of the style's digit."""
    digit = styles.STYLE_DIGITS[style]
    rng = _rng((seed, SOURCE_KEYS["style from pen"], styles.STYLES.index(style)))
    chosen = _chosen(pen.labels, digit, count, rng)
    jobs = [(style, pen.strokes[index], (seed, SOURCE_KEYS["style from pen"], styles.STYLES.index(style), order))
            for order, index in enumerate(chosen)]
    return LabelledDigits(_map(_pen_feature_job, jobs, processes), np.full(len(jobs), digit, np.int64))


def style_from_templates(style: str, count: int, seed: int, processes: int | None = None) -> LabelledDigits:
    jobs = [(style, (seed, SOURCE_KEYS["style template"], styles.STYLES.index(style), order)) for order in range(count)]
    return LabelledDigits(_map(_template_job, jobs, processes), np.full(count, styles.STYLE_DIGITS[style], np.int64))


def font_set(font_list: list[fonts.Font], renders: int, seed: int, processes: int | None = None) -> LabelledDigits:
    jobs = [(str(font.path), digit, (seed, SOURCE_KEYS["font"], font_index, digit, render))
            for font_index, font in enumerate(font_list) for digit in range(10) for render in range(renders)]
    return LabelledDigits(_map(_font_job, jobs, processes), np.array([job[1] for job in jobs], np.int64))


def style_sets(pen: PenDigits | None, images: np.ndarray | None, labels: np.ndarray | None, seed: int, count_from_images: int, count_from_pen: int, count_from_templates: int,
               processes: int | None = None) -> dict[str, LabelledDigits]:
    """Every style from every construction available: "style: NAME (mnist|pen writers|templates)"."""
    sets = {}
    for style in styles.STYLES:
        if style in styles.ADDED_FEATURES:
            if images is not None and count_from_images:
                sets[f"style: {style} (mnist)"] = style_from_images(style, images, labels, count_from_images, seed, processes)
            if pen is not None and len(pen) and count_from_pen:
                sets[f"style: {style} (pen writers)"] = style_from_pen(style, pen, count_from_pen, seed, processes)
        if count_from_templates:
            sets[f"style: {style} (templates)"] = style_from_templates(style, count_from_templates, seed, processes)
    return sets


def split_mnist_training(x_train: np.ndarray, y_train: np.ndarray, seed: int, validation_size: int = VALIDATION_SIZE,
                         ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """MNIST's training digits shuffled with `seed`: (those trained on, the `validation_size` held out), labels int64."""
    order = np.random.default_rng(seed).permutation(len(x_train))
    x_train, y_train = x_train[order], y_train[order].astype(np.int64)
    return (x_train[validation_size:], y_train[validation_size:]), (x_train[:validation_size], y_train[:validation_size])


def build_world_data(
    mnist: tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    pen: PenDigits | None,
    config: DataConfig = DataConfig(),
    seed: int = 0,
    validation_size: int = VALIDATION_SIZE,
    limit: int | None = None,
    processes: int | None = None,
    training_seed: int | None = None,
) -> WorldData:
    """All sources, split for training, validation (choices) and test (reporting only).

    MNIST's training set is shuffled with `seed` and `validation_size` digits are held out; pen digits are split
    by writer and fonts by design group. Without pen data or fonts, those sources are left out with a note.
    `limit` keeps only that many MNIST training digits and shrinks every other source alike (quick checks).
    `training_seed` (default `seed`) renders the training digits only: another one gives an ensemble member other
    renderings of the same training digits, writers and fonts, and the same validation and test sets.
    """
    own = seed if training_seed is None else training_seed
    (x_train, y_train), (x_test, y_test) = mnist
    (x_fit, y_fit), (x_validation, y_validation) = split_mnist_training(x_train, y_train, seed, validation_size)
    shrink = 1.0
    if limit is not None:
        shrink = min(1.0, limit / max(len(x_fit), 1))
        x_fit, y_fit = x_fit[:limit], y_fit[:limit]
    scaled = lambda count: max(1, int(round(count * shrink))) if count else 0  # noqa: E731
    to_float = lambda images: images.astype(np.float32) * np.float32(1 / 255)  # noqa: E731
    x_fit_float = to_float(x_fit)
    # Part of MNIST as digitpad reads it, so that a saved MNIST digit, re-preprocessed, reads like the raw one.
    chooser = np.random.default_rng((own, SOURCE_KEYS["mnist as read"]))
    as_read = chooser.random(len(x_fit)) < config.mnist_as_read_share
    if as_read.any():
        x_fit_float[as_read] = mnist_as_read(x_fit[as_read], processes)
    data = WorldData(train={"mnist": LabelledDigits(x_fit_float, y_fit)},
                     validation={"mnist": LabelledDigits(to_float(x_validation), y_validation)},
                     test={"mnist": LabelledDigits(to_float(x_test), y_test.astype(np.int64))})
    if config.mnist_as_read_share > 0:
        data.validation["mnist as read"] = LabelledDigits(mnist_as_read(x_validation, processes), y_validation)
        data.test["mnist as read"] = LabelledDigits(mnist_as_read(x_test, processes), y_test.astype(np.int64))
    evaluation_count = scaled(config.evaluation_style_count)

    if pen is None:
        data.notes.append("no pen digits: trained without real pen trajectories")
        pen_train = pen_validation = pen_test = None
    else:
        pen_train, pen_validation, pen_test = pen.split()
        if limit is not None:
            pen_train = pen_train.select(np.arange(len(pen_train)) < max(10, int(len(pen_train) * shrink)))
        data.train["pen"] = pen_set(pen_train, config.pen_renders, own, processes)
        data.validation["pen writers"] = pen_set(pen_validation, 1, seed + 1, processes)
        data.test["pen writers"] = pen_set(pen_test, 1, seed + 2, processes)
        if config.thick_pen_renders:
            data.train["thick pen"] = pen_set(pen_train, config.thick_pen_renders, own, processes,
                                              handwriting.THICK_BRUSH, "thick pen")
        if config.evaluation_thick_renders:
            for target, writers, offset in ((data.validation, pen_validation, 1), (data.test, pen_test, 2)):
                target["pen writers, thick brush"] = pen_set(writers, config.evaluation_thick_renders, seed + offset,
                                                             processes, handwriting.THICK_BRUSH, "thick pen")
        if config.broken_from_pen:
            data.train["broken"] = broken_pen_digits(pen_train, scaled(config.broken_from_pen),
                                                     (own, SOURCE_KEYS["broken"]))
            broken_count = scaled(config.evaluation_broken_count)
            data.validation["broken 4, 5, 7 (pen writers)"] = broken_pen_digits(
                pen_validation, broken_count, (seed + 1, SOURCE_KEYS["broken"]))
            data.test["broken 4, 5, 7 (pen writers)"] = broken_pen_digits(
                pen_test, broken_count, (seed + 2, SOURCE_KEYS["broken"]))

    data.train["styles"] = LabelledDigits.join(list(style_sets(
        pen_train, x_fit, y_fit, own, scaled(config.style_from_mnist), scaled(config.style_from_pen),
        scaled(config.style_from_templates), processes).values()))
    data.validation.update(style_sets(pen_validation, x_validation, y_validation, seed + 1,
                                      evaluation_count, evaluation_count // 2, evaluation_count, processes))
    data.test.update(style_sets(pen_test, x_test, y_test, seed + 2,
                                evaluation_count, evaluation_count // 2, evaluation_count, processes))

    font_list = fonts.find_fonts()
    by_split = {split: [font for font in font_list if font.split == split] for split in ("train", "validation", "test")}
    if not by_split["train"]:
        message = ("no fonts with digits found: trained without printed digits (install them with: apt-get install "
                   + " ".join(fonts.FONT_PACKAGES) + ")")
        warnings.warn(message, stacklevel=2)
        data.notes.append(message)
    else:
        train_fonts = by_split["train"][:max(1, int(len(by_split["train"]) * shrink))]
        data.train["fonts"] = font_set(train_fonts, config.font_renders, own, processes)
    for split, target in (("validation", data.validation), ("test", data.test)):
        if by_split[split]:
            target["fonts"] = font_set(by_split[split], config.evaluation_renders, seed + (1 if split == "validation" else 2), processes)
    data.notes.append(f"fonts: {len(by_split['train'])} trained on, {len(by_split['validation'])} for validation "
                      f"({', '.join(fonts.VALIDATION_GROUPS)}), {len(by_split['test'])} held out "
                      f"({', '.join(fonts.TEST_GROUPS)})")
    return data
