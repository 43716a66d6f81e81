"""Turn image files into model-ready numbers: decode, clean the ink (small images stacked), prepare to read."""

from __future__ import annotations

import os
from typing import Sequence

import numpy as np
from PIL import Image

from digitpad.imaging.imageio import ImageError, open_image
from digitpad.imaging.ink import WORKING_SIZE, NoDigitError, cleaned_together, ink_maps_with_faint_layers, to_grey
from digitpad.reading.number import PreparedNumber, prepare_number

Prepared = tuple[str, PreparedNumber | None, str]
"""(path, the number ready for its first inference or None, the error message when None)."""


def _failure(error: Exception) -> str:
    """What a user reads when a file could not be prepared."""
    if isinstance(error, (ImageError, NoDigitError)):
        return str(error)
    if isinstance(error, MemoryError):
        return "out of memory reading this image"
    return f"cannot process image: {type(error).__name__}: {error}"


def open_for_reading(path: str | os.PathLike) -> Image.Image:
    """A file's first frame, upright, decoded no bigger than reading it needs (WORKING_SIZE): the one way
    files are opened to be read, in folders and in the window (ImageError says why it cannot be)."""
    return open_image(path, longest=WORKING_SIZE)


def read_grey(path: str | os.PathLike) -> np.ndarray:
    """A file's first frame, upright, as float32 grey in [0, 1], no bigger than WORKING_SIZE (see open_for_reading)."""
    image = open_for_reading(path)
    try:
        return to_grey(image)
    finally:
        image.close()


def _prepared(path: str, ink: np.ndarray | None, with_faint_layer: np.ndarray | None, single_digit: bool) -> Prepared:
    try:
        if ink is None:
            raise NoDigitError()
        return path, prepare_number(ink, single_digit, with_faint_layer=with_faint_layer), ""
    except Exception as error:  # one broken file must never stop a folder of 10,000
        return path, None, _failure(error)


def _prepare_stack(paths: Sequence[str], greys: list[np.ndarray], single_digit: bool) -> list[Prepared]:
    try:
        inks = ink_maps_with_faint_layers(np.stack(greys))
    except Exception as error:
        if len(greys) == 1:
            return [(paths[0], None, _failure(error))]
        # An image that breaks the stack costs only its own row: clean each alone.
        return [_prepare_stack([path], [grey], single_digit)[0] for path, grey in zip(paths, greys)]
    return [_prepared(path, ink, with_faint_layer, single_digit)
            for path, (ink, with_faint_layer) in zip(paths, inks)]


def prepare_files(paths: Sequence[str], single_digit: bool = False) -> list[Prepared]:
    """Decode and prepare each file, in order: the unit of work sent to a decoding process (plain string
    paths cross the process boundary faster than Path objects). A bad file is its own error, never more."""
    results: list[Prepared | None] = [None] * len(paths)
    stacks: dict[tuple[int, int], list[tuple[int, np.ndarray]]] = {}
    for index, path in enumerate(paths):
        try:
            grey = read_grey(path)
        except Exception as error:
            results[index] = (path, None, _failure(error))
            continue
        if cleaned_together(grey.shape):
            stacks.setdefault(grey.shape, []).append((index, grey))
        else:
            results[index] = _prepare_stack([path], [grey], single_digit)[0]
    for members in stacks.values():
        indices = [index for index, _ in members]
        prepared = _prepare_stack([paths[index] for index in indices], [grey for _, grey in members], single_digit)
        for index, result in zip(indices, prepared):
            results[index] = result
    return results
