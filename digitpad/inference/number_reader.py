"""The bundled number reader (a whole line of digits -> frame probabilities), run by LiteRT without TensorFlow."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from digitpad.inference import runtime
from digitpad.reading.line import FRAMES, LINE_HEIGHT, LINE_WIDTH, NUMBER_CLASSES
from digitpad.storage import paths

READER_ENV_VAR = "DIGITPAD_READER"
BATCH_SIZE = 64


class NumberReader:
    """Loads the reader on first use; `read_lines` gives None when there is none (numbers are then cut into
    digits by segmentation alone), so a missing or damaged file never stops reading."""

    def __init__(self, path: str | os.PathLike | None = None, enabled: bool = True):
        """`path`: a LiteRT file (default $DIGITPAD_READER, else the bundled one); `enabled=False` reads numbers by
        segmentation alone (for comparisons)."""
        self.path = Path(path or os.environ.get(READER_ENV_VAR) or paths.bundled_reader_path())
        self._lock = threading.Lock()
        self._model: runtime.LiteModel | None = None
        self._tried = not enabled

    def _load(self) -> runtime.LiteModel | None:
        with self._lock:
            if not self._tried:
                self._tried = True
                try:
                    self._model = runtime.LiteModel(self.path.read_bytes(), threads=1,
                                                    input_shape=(LINE_HEIGHT, LINE_WIDTH, 1),
                                                    output_shape=(FRAMES, NUMBER_CLASSES))
                except (OSError, ValueError, RuntimeError):
                    self._model = None
            return self._model

    @property
    def available(self) -> bool:
        return self._load() is not None

    def read_lines(self, lines: np.ndarray) -> np.ndarray | None:
        """(N, LINE_HEIGHT, LINE_WIDTH) line inputs -> (N, FRAMES, NUMBER_CLASSES) probabilities, or None."""
        model = self._load()
        if model is None:
            return None
        lines = np.asarray(lines, np.float32)
        return np.concatenate([model.run(lines[start:start + BATCH_SIZE]) for start in range(0, len(lines), BATCH_SIZE)])
