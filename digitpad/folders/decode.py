"""Turn image files into model-ready numbers: decode, clean the ink (small images stacked), prepare to read."""

from __future__ import annotations

import math
import os
from typing import Sequence

import numpy as np
from PIL import Image
from scipy import ndimage

from digitpad.imaging.imageio import ImageError, open_image
from digitpad.imaging.ink import (EIGHT_CONNECTED, WORKING_SIZE, NoDigitError, cleaned_together,
                                  ink_height, ink_maps_with_faint_layers, small_writing_box, to_grey)
from digitpad.imaging.preprocess import crop_to_ink, stroke_width
from digitpad.reading.number import PreparedNumber, prepare_number

# A digit too small to read as decoded for reading (ink.SMALL_WRITING_SHARE) is decoded again, with the detail that
# makes its crop about this many pixels on its longer side (the digit a third of it: twice ink.MIN_INK_HEIGHT), no
# more than the file holds, and no more than CLOSER_LOOK_LONGEST on the file's longer side (a 12 MP photo at full
# detail, a 50 MP one at half of it: a JPEG decoded by DCT scaling, 40 MB rather than 150). Where the picture as read
# holds no such ink, it is looked for in the file decoded at CLOSER_LOOK_SEARCH (`bench_paper.py --only scans
# --validation`: 1500x2000 photos of pages with a camera's dark corners 72 -> 90% read, a shadow across them 74 -> 78%).
CLOSER_LOOK_SIZE = 256
CLOSER_LOOK_LONGEST = 4096
CLOSER_LOOK_SEARCH = 2 * WORKING_SIZE
# What is found there must be writing, its largest piece at least this many times as long as its strokes are wide: a
# speck of dust or a blot is a blob (a disc spans about 2.5 of its "stroke widths", a square 2; written digits 4 and
# more: 4 of 20,000 MNIST training digits less, heavy 8s).
CLOSER_LOOK_STROKES = 3.5
# Writing found but less than CLOSER_LOOK_HEIGHT pixels tall as decoded for reading (the number reader's line is
# 24 px tall, the digit network's box 20) is looked at closer too, where the file holds more detail: a number drawn
# with a stylus's thin pen on a phone's or a tablet's canvas, 50-70 px tall, is 12-18 px tall at WORKING_SIZE, its
# strokes half a pixel wide, and its digits were read glued or broken (validation writers' numbers of 2-5 digits on
# 1080x1920, 2048x1536 and 1920x1080 PNGs, 200 each, a probe: 87.5 / 91.5 / 89.0% read whole -> 98.5 / 99.5 /
# 98.5%; with 40 px instead, numbers 120-150 px tall on the same canvases lost 1-2%, wrong digit counts).
CLOSER_LOOK_HEIGHT = 24
# A speck of dust or a blot on an empty crop (a form's cell, a blank label) is no digit either: where the largest
# piece of ink the picture shows spans less than SPECK_SHARE of its shorter side and is such a blob, the picture is
# read as if it showed none (a page is then looked at closer).
SPECK_SHARE = 0.15

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


def closer_look(path: str | os.PathLike, grey: np.ndarray) -> tuple[np.ndarray, np.ndarray | None] | None:
    """The ink (and faint layer, see ink_maps_with_faint_layers) of a digit too small to read in `grey`, the file as
    decoded for reading, from the file decoded again around it with more detail; None where `grey` holds no such
    ink, the file no more detail, or the crop no digit."""
    if max(grey.shape) <= WORKING_SIZE // 2:  # (a file decoded smaller than it is comes back more than half as big)
        return None
    try:
        searched, box = grey, small_writing_box(grey)
        if box is None:
            # Looked for again in the file decoded at twice the size: ink.py's own reduction keeps thin strokes that
            # the block means of decoding small wash out.
            search = open_image(path, longest=CLOSER_LOOK_SEARCH)
            try:
                if max(search.size) <= max(grey.shape):
                    return None
                searched = to_grey(search)
            finally:
                search.close()
            box = small_writing_box(searched)
            if box is None:
                return None
    except ImageError:  # (changed since it was read: the first reading stands)
        return None
    crop = crop_in_detail(path, searched.shape, box, 1.5 * grey.shape[1])
    if crop is None:
        return None
    ink, with_faint_layer = ink_maps_with_faint_layers(to_grey(crop)[np.newaxis])[0]
    if ink is None:
        return None
    return (ink, with_faint_layer) if _is_writing(ink) else None


def crop_in_detail(path: str | os.PathLike, shape: tuple[int, int], box: tuple[int, int, int, int],
                   least_width: float) -> Image.Image | None:
    """`box` (top, left, bottom, right in a picture of `shape` decoded from the file) cut from the file decoded with
    the detail that makes it about CLOSER_LOOK_SIZE pixels on its longer side (the file at most CLOSER_LOOK_LONGEST
    on its own); None where the file cannot be opened (changed since it was read) or holds no more detail than
    `least_width` pixels across."""
    top, left, bottom, right = box
    finer = math.ceil(CLOSER_LOOK_SIZE / max(bottom - top, right - left))
    try:
        image = open_image(path, longest=min(max(shape) * finer, CLOSER_LOOK_LONGEST))
    except ImageError:
        return None
    try:
        if image.width < least_width:
            return None
        rows, columns = image.height / shape[0], image.width / shape[1]
        return image.crop((math.floor(left * columns), math.floor(top * rows), math.ceil(right * columns),
                           math.ceil(bottom * rows)))
    finally:
        image.close()


def _largest_piece(ink: np.ndarray) -> tuple[np.ndarray, int] | None:
    """The largest piece of an ink map (a mask) and how far it spans (the longer side of its box); None without ink."""
    labels, pieces = ndimage.label(ink > 0.5, structure=EIGHT_CONNECTED)
    if not pieces:
        return None
    largest = labels == 1 + np.argmax(np.bincount(labels.ravel())[1:])
    return largest, max(crop_to_ink(largest).shape)


def _is_writing(ink: np.ndarray) -> bool:
    """Whether the largest piece of an ink map is a stroke, not a blob (see CLOSER_LOOK_STROKES)."""
    piece = _largest_piece(ink)
    return piece is not None and piece[1] >= CLOSER_LOOK_STROKES * stroke_width(piece[0])


def _is_speck(ink: np.ndarray) -> bool:
    """Whether the largest piece of an ink map is a small blob: a speck of dust or a blot, no digit (see SPECK_SHARE)."""
    if np.count_nonzero(ink > 0.5) >= (SPECK_SHARE * min(ink.shape)) ** 2:  # (writing: settled at once)
        return False
    piece = _largest_piece(ink)
    return piece is None or (piece[1] < SPECK_SHARE * min(ink.shape)
                             and piece[1] < CLOSER_LOOK_STROKES * stroke_width(piece[0]))


def ink_of_file(path: str | os.PathLike, grey: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """The ink (and faint layer) of one file, `grey` as decoded for reading (read_grey), looked at closer where its
    digit is too small to read at that size (closer_look): the one way a picture cleaned alone is read, in folders
    and in the window. Raises NoDigitError."""
    ink, with_faint_layer = ink_maps_with_faint_layers(grey[np.newaxis])[0]
    if ink is None or _is_speck(ink):
        closer = closer_look(path, grey)
        if closer is None:
            raise NoDigitError()
        ink, with_faint_layer = closer
    elif ink_height(ink > 0.5) < CLOSER_LOOK_HEIGHT and max(grey.shape) > WORKING_SIZE // 2:
        closer = closer_look(path, grey)
        if closer is not None:
            ink, with_faint_layer = closer
    return ink, with_faint_layer


def _prepared_alone(path: str, grey: np.ndarray, single_digit: bool) -> Prepared:
    try:
        ink, with_faint_layer = ink_of_file(path, grey)
    except Exception as error:  # one broken file must never stop a folder of 10,000
        return path, None, _failure(error)
    return _prepared(path, ink, with_faint_layer, single_digit)


def _prepared(path: str, ink: np.ndarray | None, with_faint_layer: np.ndarray | None, single_digit: bool) -> Prepared:
    try:
        if ink is None or _is_speck(ink):
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
        return [_prepared_alone(path, grey, single_digit) for path, grey in zip(paths, greys)]
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
            results[index] = _prepared_alone(path, grey, single_digit)
    for members in stacks.values():
        indices = [index for index, _ in members]
        prepared = _prepare_stack([paths[index] for index in indices], [grey for _, grey in members], single_digit)
        for index, result in zip(indices, prepared):
            results[index] = result
    return results
