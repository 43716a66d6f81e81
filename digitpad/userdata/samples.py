"""The user's handwriting samples: one greyscale PNG per digit drawing in `samples/<digit>/<id>.png`, plus its 28x28 input."""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, PngImagePlugin

from digitpad.imaging.imageio import ImageError, is_candidate_image, open_image
from digitpad.imaging.ink import NoDigitError, to_grey
from digitpad.imaging.preprocess import FIELD_SIZE, mnist_input
from digitpad.storage import atomic, paths

SAMPLES_DIR_NAME = "samples"
# Cached model inputs live in a hidden folder, so loaders of the one-folder-per-digit layout skip them.
INPUTS_DIR_NAME = ".inputs"
SAMPLE_SUFFIX = ".png"
DIGITS = tuple(range(10))
# Larger drawings or photos are reduced to this longer side before they are stored (plenty for a 28x28 input).
MAX_STORED_SIDE = 2048
PNG_COMPRESS_LEVEL = 6
# A sample taken from an image file remembers it in its PNG's text: the file's path, and which digit of a number.
SOURCE_KEY = "digitpad-source"


class SampleFolderError(ValueError):
    """A folder that is not a one-subfolder-per-digit sample folder; str() is the reason a user reads."""


@dataclass(frozen=True)
class Sample:
    """One stored sample: its id, its digit, the full-resolution image and the cached 28x28 input."""

    sample_id: str
    label: int
    image_path: Path
    input_path: Path


@dataclass
class LoadedSamples:
    """Samples ready for a model: inputs x (N, 28, 28) float32 in [0, 1], labels y (N,), ids, and what failed."""

    x: np.ndarray
    y: np.ndarray
    ids: list[str]
    damaged: list[tuple[Path, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.y)

    def counts(self) -> dict[int, int]:
        """How many samples of each digit (all ten digits present, zeros included)."""
        return {digit: int((self.y == digit).sum()) for digit in DIGITS}

    def subset(self, indices) -> "LoadedSamples":
        """The samples at `indices` (damaged files are not carried over)."""
        indices = np.asarray(indices, dtype=np.int64)
        return LoadedSamples(self.x[indices], self.y[indices], [self.ids[index] for index in indices])

    @classmethod
    def empty(cls) -> "LoadedSamples":
        return cls(np.zeros((0, FIELD_SIZE, FIELD_SIZE), np.float32), np.zeros((0,), np.int64), [])


def _check_label(label) -> int:
    if isinstance(label, bool) or int(label) != label or int(label) not in DIGITS:
        raise ValueError(f"a sample's label must be a digit 0..9, not {label!r}")
    return int(label)


def _to_grey_image(image) -> Image.Image:
    """Any PIL image or array -> an 8-bit greyscale PIL image, reduced to MAX_STORED_SIDE if larger."""
    grey = Image.fromarray(np.round(to_grey(image) * 255.0).astype(np.uint8), mode="L")
    if max(grey.size) > MAX_STORED_SIDE:
        grey.thumbnail((MAX_STORED_SIDE, MAX_STORED_SIDE), Image.LANCZOS)
    return grey


def _input_to_image(model_input: np.ndarray) -> Image.Image:
    model_input = np.asarray(model_input, dtype=np.float32)
    if model_input.shape != (FIELD_SIZE, FIELD_SIZE):
        raise ValueError(f"a model input is {FIELD_SIZE}x{FIELD_SIZE}, not {model_input.shape}")
    return Image.fromarray(np.round(np.clip(model_input, 0.0, 1.0) * 255.0).astype(np.uint8), mode="L")


def _write_png(target: Path, image: Image.Image, source: str | None = None) -> None:
    text = None
    if source:
        text = PngImagePlugin.PngInfo()
        text.add_itxt(SOURCE_KEY, source)  # international text: any path, in UTF-8
    atomic.write_with(target, lambda temporary: image.save(temporary, format="PNG", compress_level=PNG_COMPRESS_LEVEL,
                                                           pnginfo=text), suffix=".tmp")


def _read_cached_input(path: Path) -> np.ndarray | None:
    """The cached 28x28 input, or None when it is missing or unusable (it is then recomputed)."""
    try:
        with Image.open(path) as image:
            image.load()
            if image.size != (FIELD_SIZE, FIELD_SIZE) or image.mode != "L":
                return None
            return np.asarray(image, dtype=np.float32) / 255.0
    except (OSError, ValueError, SyntaxError):
        return None


def _model_input_from_file(path: Path) -> np.ndarray:
    """Open an image file and preprocess it; raises ImageError or NoDigitError with the reason."""
    with open_image(path) as image:
        return mnist_input(image)


def _new_sample_id() -> str:
    """Sortable by creation time, unique without any shared counter: 20250101-120000-123-9f2c41ab."""
    now = time.time()
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    return f"{stamp}-{int(now * 1000) % 1000:03d}-{secrets.token_hex(4)}"


def _stack(inputs: list[np.ndarray], labels: list[int], ids: list[str], damaged) -> LoadedSamples:
    if not inputs:
        empty = LoadedSamples.empty()
        empty.damaged = damaged
        return empty
    return LoadedSamples(np.stack(inputs).astype(np.float32), np.asarray(labels, dtype=np.int64), ids, damaged)


class SampleStore:
    """Samples under `root` (default: user_data_dir()/samples); every write is atomic, so a crash loses at most one."""

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root) if root is not None else paths.user_data_dir() / SAMPLES_DIR_NAME

    def _image_path(self, label: int, sample_id: str) -> Path:
        return self.root / str(label) / f"{sample_id}{SAMPLE_SUFFIX}"

    def _input_path(self, label: int, sample_id: str) -> Path:
        return self.root / INPUTS_DIR_NAME / str(label) / f"{sample_id}{SAMPLE_SUFFIX}"

    def _sample(self, label: int, sample_id: str) -> Sample:
        return Sample(sample_id, label, self._image_path(label, sample_id), self._input_path(label, sample_id))

    def add(self, image, label: int, model_input: np.ndarray | None = None, source: str | None = None) -> Sample:
        """Store a drawing or image of digit `label`; `model_input` (28x28) saves recomputing it; `source` says
        where it came from (an image file's path, say), read back with `source_of`.

        Raises ValueError for a label outside 0..9 and NoDigitError when the image holds no ink.
        """
        label = _check_label(label)
        grey = _to_grey_image(image)
        if model_input is None:
            model_input = mnist_input(grey)
        input_image = _input_to_image(model_input)
        sample = self._sample(label, _new_sample_id())
        # The image first: a sample exists once its image does. Both or neither: a sample whose input cannot be
        # written (a full disk) is taken back, so a failed save leaves nothing behind.
        _write_png(sample.image_path, grey, source)
        try:
            _write_png(sample.input_path, input_image)
        except BaseException:
            sample.image_path.unlink(missing_ok=True)
            raise
        return sample

    def source_of(self, sample: Sample) -> str | None:
        """Where the sample came from, as given to `add`; None when not said (or the file cannot be read)."""
        try:
            with Image.open(sample.image_path) as image:
                image.load()
                source = image.text.get(SOURCE_KEY)
                return None if source is None else str(source)
        except (OSError, ValueError, SyntaxError, AttributeError):
            return None

    def list(self, label: int | None = None) -> list[Sample]:
        """Stored samples, oldest first (all digits, or only `label`)."""
        labels = DIGITS if label is None else (_check_label(label),)
        found = []
        for digit in labels:
            folder = self.root / str(digit)
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                if path.suffix == SAMPLE_SUFFIX and not path.name.startswith(".") and path.is_file():
                    found.append(self._sample(digit, path.stem))
        return sorted(found, key=lambda sample: (sample.sample_id, sample.label))

    def counts(self) -> dict[int, int]:
        """How many samples of each digit (all ten digits present)."""
        counts = dict.fromkeys(DIGITS, 0)
        for sample in self.list():
            counts[sample.label] += 1
        return counts

    def find(self, sample_id: str) -> Sample | None:
        """The sample with this id, or None."""
        for digit in DIGITS:
            sample = self._sample(digit, sample_id)
            if sample.image_path.is_file():
                return sample
        return None

    def delete(self, sample_id: str) -> bool:
        """Remove a sample (image and cached input); False when there was no such sample."""
        if not sample_id or "/" in sample_id or "\\" in sample_id or sample_id.startswith("."):
            raise ValueError(f"not a sample id: {sample_id!r}")
        sample = self.find(sample_id)
        if sample is None:
            return False
        sample.image_path.unlink(missing_ok=True)
        sample.input_path.unlink(missing_ok=True)
        return True

    def load_dataset(self) -> LoadedSamples:
        """All samples as model inputs; a damaged image is reported in `damaged` and the others still load.

        Each image is checked; its input comes from the cache, recomputed (and re-cached) when missing or damaged.
        """
        inputs, labels, ids, damaged = [], [], [], []
        for sample in self.list():
            try:
                with open_image(sample.image_path):
                    pass
                model_input = _read_cached_input(sample.input_path)
                if model_input is None:
                    model_input = _model_input_from_file(sample.image_path)
                    self._recache(sample, model_input)
            except (ImageError, NoDigitError) as error:
                damaged.append((sample.image_path, str(error)))
                continue
            inputs.append(model_input)
            labels.append(sample.label)
            ids.append(sample.sample_id)
        return _stack(inputs, labels, ids, damaged)

    def _recache(self, sample: Sample, model_input: np.ndarray) -> None:
        try:
            _write_png(sample.input_path, _input_to_image(model_input))
        except OSError:
            pass  # a read-only store still loads; the input is recomputed next time

    def export(self, directory: str | os.PathLike) -> int:
        """Copy every sample image to `directory/<digit>/<id>.png` (the layout load_sample_folder reads); return the count."""
        directory = Path(directory)
        exported = 0
        for sample in self.list():
            try:
                data = sample.image_path.read_bytes()
            except OSError:
                continue
            atomic.write_bytes(directory / str(sample.label) / sample.image_path.name, data)
            exported += 1
        return exported


def _sample_files(folder: Path) -> list[Path]:
    """Image files under a digit folder, recursively, skipping hidden files and folders."""
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        if is_candidate_image(path):
            found.append(path)
    return found


def load_sample_folder(directory: str | os.PathLike) -> LoadedSamples:
    """Read any `DIR/0..9/<images>` folder, preprocessing each image; unreadable images go to `damaged`.

    Raises SampleFolderError when `directory` is missing or holds no digit folder at all.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise SampleFolderError(f"no such folder: {directory}")
    digit_folders = [(digit, directory / str(digit)) for digit in DIGITS if (directory / str(digit)).is_dir()]
    if not digit_folders:
        raise SampleFolderError(f"{directory} has no digit folders: expected subfolders named 0 to 9 holding images")
    inputs, labels, ids, damaged = [], [], [], []
    for digit, folder in digit_folders:
        for path in _sample_files(folder):
            try:
                model_input = _model_input_from_file(path)
            except (ImageError, NoDigitError) as error:
                damaged.append((path, str(error)))
                continue
            inputs.append(model_input)
            labels.append(digit)
            ids.append(str(path.relative_to(directory)))
    return _stack(inputs, labels, ids, damaged)
