"""The bundled number readers (a whole line of digits -> frame probabilities), run by LiteRT without TensorFlow."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from digitpad.inference import runtime
from digitpad.reading.line import FRAMES, LINE_HEIGHT, LINE_WIDTH, NUMBER_CLASSES, likeliest_reading, reading_sureness
from digitpad.storage import paths

READER_ENV_VAR = "DIGITPAD_READER"  # a reader's LiteRT file, or several joined by os.pathsep
BATCH_SIZE = 64
# The other readers are asked only about lines the first is less sure of than this (of its least-sure digit): on the
# validation number scenes as many read whole as asking them about every line, and folders read faster (README).
UNSURE_BELOW = 0.99


def _reader_paths(path: str | os.PathLike | None) -> tuple[Path, ...]:
    source = path or os.environ.get(READER_ENV_VAR)
    if not source:
        return paths.bundled_reader_paths()
    return tuple(Path(part) for part in str(source).split(os.pathsep) if part)


class NumberReader:
    """Loads its readers on first use. The first reads every line; where it is unsure (UNSURE_BELOW), the others
    read the line too and the whole reading they together find likeliest is kept (reading.line.likeliest_reading).
    `read_lines` gives None when none loads (numbers are then cut into digits by segmentation alone), so a missing or
    damaged file never stops reading; the others read without it."""

    def __init__(self, path: str | os.PathLike | None = None, enabled: bool = True):
        """`path`: a LiteRT file, or several joined by os.pathsep (default $DIGITPAD_READER, else the bundled
        readers); `enabled=False` reads numbers by segmentation alone (for comparisons)."""
        self.paths = _reader_paths(path)
        self._lock = threading.Lock()
        self._models: list[runtime.LiteModel] = []
        self._tried = not enabled

    def _load(self) -> list[runtime.LiteModel]:
        with self._lock:
            if not self._tried:
                self._tried = True
                for path in self.paths:
                    try:
                        self._models.append(runtime.LiteModel(path.read_bytes(), threads=1,
                                                              input_shape=(LINE_HEIGHT, LINE_WIDTH, 1),
                                                              output_shape=(FRAMES, NUMBER_CLASSES)))
                    except (OSError, ValueError, RuntimeError):
                        continue
            return self._models

    @property
    def available(self) -> bool:
        return bool(self._load())

    @property
    def count(self) -> int:
        """How many readers loaded."""
        return len(self._load())

    def read_lines(self, lines: np.ndarray) -> np.ndarray | None:
        """(N, LINE_HEIGHT, LINE_WIDTH) line inputs -> (N, FRAMES, NUMBER_CLASSES) probabilities, or None."""
        models = self._load()
        if not models:
            return None
        lines = np.asarray(lines, np.float32)
        frames = _run(models[0], lines)
        if len(models) == 1:
            return frames
        unsure = np.flatnonzero([reading_sureness(line) < UNSURE_BELOW for line in frames])
        if len(unsure):
            others = [_run(model, lines[unsure]) for model in models[1:]]
            for place, line in enumerate(unsure):
                frames[line] = likeliest_reading([frames[line], *(reading[place] for reading in others)])
        return frames


def _run(model: runtime.LiteModel, lines: np.ndarray) -> np.ndarray:
    return np.concatenate([model.run(lines[start:start + BATCH_SIZE]) for start in range(0, len(lines), BATCH_SIZE)])
