"""The number reader's view of a line of digits: a fixed-size input image, and its frames decoded back into digits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from digitpad.imaging.preprocess import (BOX_SIZE, STROKE_WIDTH_BAND, STROKE_WIDTH_TARGETS, change_stroke_width,
                                         crop_to_ink, stroke_width)

# The sequence model reads a LINE_HEIGHT x LINE_WIDTH image: the ink scaled so that it is LINE_INK_HEIGHT pixels
# tall (or narrower, when it would not fit), LINE_MARGIN pixels from the left edge, centred in height.
LINE_HEIGHT = 32
LINE_WIDTH = 192
LINE_INK_HEIGHT = 24
LINE_MARGIN = 4
# Strokes are brought into MNIST's band of widths (preprocess.STROKE_WIDTH_BAND, for digits BOX_SIZE tall), as for
# single digits: a fine pen on a big scan would otherwise be a faint hairline at this size.
LINE_STROKE_BAND = tuple(width * LINE_INK_HEIGHT / BOX_SIZE for width in STROKE_WIDTH_BAND)
LINE_STROKE_TARGETS = tuple(width * LINE_INK_HEIGHT / BOX_SIZE for width in STROKE_WIDTH_TARGETS)
# The model outputs one frame per FRAME_STRIDE columns: LINE_WIDTH / FRAME_STRIDE frames of NUMBER_CLASSES
# probabilities, the ten digits and then the CTC blank ("no new digit here").
FRAME_STRIDE = 4
FRAMES = LINE_WIDTH // FRAME_STRIDE
BLANK = 10
NUMBER_CLASSES = 11
# The longest number the reader is trained to read (its frames allow about twice as many).
MAXIMUM_DIGITS = 10
# Frame probabilities are floored at this, so a reading no path spells is very unlikely rather than impossible.
PROBABILITY_FLOOR = 1e-12


@dataclass(frozen=True)
class LineInput:
    """A line image for the model, and how its columns map back to the ink's: column = (x - left) / scale."""

    image: np.ndarray
    scale: float
    left: int

    def ink_columns(self, first_frame: int, last_frame: int, ink_width: int) -> tuple[int, int]:
        """The ink's columns under frames first_frame..last_frame (inclusive)."""
        start = (first_frame * FRAME_STRIDE - self.left) / self.scale
        stop = ((last_frame + 1) * FRAME_STRIDE - self.left) / self.scale
        return max(0, int(np.floor(start))), min(ink_width, int(np.ceil(stop)))


def _scaled(ink: np.ndarray, scale: float) -> np.ndarray:
    height, width = ink.shape
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resample = Image.BOX if scale < 0.5 else Image.BILINEAR
    resized = np.asarray(Image.fromarray(ink, mode="F").resize(size, resample), np.float32)
    peak = float(resized.max())
    return np.clip(resized / peak, 0.0, 1.0) if peak > 0 else resized


def line_input(ink: np.ndarray) -> LineInput:
    """A soft ink map (white on black, 0..1) of a written number -> the reader's input (pure)."""
    ink = crop_to_ink(np.asarray(ink, dtype=np.float32))
    height, width = ink.shape
    scale = min(LINE_INK_HEIGHT / height, (LINE_WIDTH - 2 * LINE_MARGIN) / width)
    resized = _scaled(ink, scale)
    width_now = stroke_width(resized > 0.5)
    low, high = LINE_STROKE_BAND
    if width_now and not low <= width_now <= high:
        target = LINE_STROKE_TARGETS[0] if width_now < low else LINE_STROKE_TARGETS[1]
        radius = (target - width_now) / 2.0 / scale
        room = np.pad(ink, int(np.ceil(max(radius, 0.0)))) if radius > 0 else ink
        changed = change_stroke_width(room, radius)
        if changed is not room:
            resized = _scaled(changed, scale)
    image = np.zeros((LINE_HEIGHT, LINE_WIDTH), np.float32)
    top = max(0, (LINE_HEIGHT - resized.shape[0]) // 2)
    part = resized[:LINE_HEIGHT, :LINE_WIDTH - LINE_MARGIN]
    image[top:top + part.shape[0], LINE_MARGIN:LINE_MARGIN + part.shape[1]] = part
    return LineInput(image, scale, LINE_MARGIN)


@dataclass(frozen=True)
class FrameDigit:
    """One digit found in the frames: its ten probabilities (at its surest frame) and the frames it spans."""

    probabilities: np.ndarray
    first_frame: int
    last_frame: int

    @property
    def digit(self) -> int:
        return int(np.argmax(self.probabilities))


def decode_frames(frames: np.ndarray) -> list[FrameDigit]:
    """(FRAMES, NUMBER_CLASSES) probabilities -> the digits, left to right (greedy CTC: the likeliest class of
    each frame, repeats merged, blanks dropped). Each digit's probabilities are those of its surest frame over the
    ten digits, scaled by how surely that frame is a digit at all, so that a doubtful digit stays doubtful."""
    best = frames.argmax(axis=1)
    digits: list[FrameDigit] = []
    start = 0
    for index in range(1, len(best) + 1):
        if index < len(best) and best[index] == best[start]:
            continue
        if best[start] != BLANK:
            run = frames[start:index]
            surest = start + int(run[:, best[start]].argmax())
            digits.append(FrameDigit(frames[surest, :BLANK].astype(np.float32), start, index - 1))
        start = index
    return digits


def reading_sureness(frames: np.ndarray) -> float:
    """How sure one reader is of a line: the top probability of its least-sure digit (-1 when it finds none)."""
    found = decode_frames(frames)
    return min(float(digit.probabilities.max()) for digit in found) if found else -1.0


def reading_log_likelihoods(readers: np.ndarray, readings: Sequence[Sequence[int]]) -> np.ndarray:
    """Several readers' frames for one line, (READERS, FRAMES, NUMBER_CLASSES), and several readings of it (digit
    lists) -> log P(reading | a reader's frames), (READERS, READINGS): CTC's sum over every path of frames that
    spells the reading (blanks between, repeats merged), all at once (the forward pass, rescaled every frame)."""
    frames = np.clip(np.asarray(readers, np.float64), PROBABILITY_FLOOR, 1.0)
    longest = max(len(reading) for reading in readings)
    # Each reading as CTC's states: blank, digit, blank, ..., blank; shorter ones padded with blanks after their end
    # (states only ever flow forwards, so padding never changes a reading's own states).
    states = np.full((len(readings), 2 * longest + 1), BLANK)
    for row, reading in zip(states, readings):
        row[1:2 * len(reading):2] = reading
    may_skip = np.zeros(states.shape, bool)  # a digit may follow the previous digit straight, unless it repeats it
    may_skip[:, 3::2] = states[:, 3::2] != states[:, 1:-2:2]
    emitted = frames[:, :, states]  # (READERS, FRAMES, READINGS, STATES)
    alpha = np.zeros((len(frames), *states.shape))
    alpha[:, :, :2] = emitted[:, 0, :, :2]
    log_scale = np.zeros(alpha.shape[:2])
    for frame in range(1, frames.shape[1]):
        before = alpha.copy()
        before[:, :, 1:] += alpha[:, :, :-1]
        before[:, :, 2:] += np.where(may_skip[:, 2:], alpha[:, :, :-2], 0.0)
        alpha = before * emitted[:, frame]
        total = np.maximum(alpha.sum(axis=2, keepdims=True), np.finfo(np.float64).tiny)
        alpha /= total
        log_scale += np.log(total[:, :, 0])
    ends = np.array([2 * len(reading) for reading in readings])
    rows = np.arange(len(readings))
    last = alpha[:, rows, ends] + np.where(ends > 0, alpha[:, rows, np.maximum(ends - 1, 0)], 0.0)
    with np.errstate(divide="ignore"):
        return log_scale + np.log(last)


def likeliest_reading(readings: Sequence[np.ndarray]) -> np.ndarray:
    """Several readers' (FRAMES, NUMBER_CLASSES) frames for one line -> the frames of a reader whose reading (its
    digits) all of them together find likeliest (the sum of their reading_log_likelihoods), the surest of those
    readers (reading_sureness) where several give it: a whole reading, never digits mixed from several. A reader
    that drops a doubtful digit is surer of what it keeps, but the others find its reading unlikely."""
    spelt = [tuple(digit.digit for digit in decode_frames(frames)) for frames in readings]
    candidates = list(dict.fromkeys(spelt))
    best = candidates[0]
    if len(candidates) > 1:
        best = candidates[int(np.argmax(reading_log_likelihoods(np.stack(readings), candidates).sum(axis=0)))]
    givers = [index for index, reading in enumerate(spelt) if reading == best]
    return readings[max(givers, key=lambda index: reading_sureness(readings[index]))]
