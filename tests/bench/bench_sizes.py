"""Sizes benchmark: `digitpad classify` on folders of 28, 280, 1000 and 3000x4000 px images (PNG and JPEG, digits
and numbers), of digits cropped tight at their ink or stored as 8x8 counts, and on 50-megapixel photos: files/s, accuracy and peak memory per decoding process, for each code
tree given, run alternately so that a busy machine slows them alike.

Run: .venv/bin/python tests/bench/bench_sizes.py --tree /path/before --tree /path/after [--runs 3] [--data DIR]
     [--only NAME] [--validation]
(--validation: folders made from the MNIST validation digits instead of the test digits: what the working
resolution of ink.py was chosen on)

Each run is the whole command (Python start, model load, CSV), as a user sees it, with PYTHONPATH set to the tree.
Peak memory is each process's high-water mark (VmHWM in /proc), polled: "decoding" is the largest among the
command's descendant processes (its decoding processes), "main" the command's own process.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe_machine  # noqa: E402
from tests.data_paths import MNIST  # noqa: E402
from tests.digit_images import optdigits_counts  # noqa: E402
from tests.synthetic_numbers import random_numbers  # noqa: E402

SEED = 13
# Share of the files in a folder that hold a number (2 or 3 digits) rather than one digit.
NUMBER_SHARE = 0.25
PAPER = np.array([0.93, 0.92, 0.87], np.float32)
PEN = np.array([0.12, 0.12, 0.3], np.float32)
POLL_SECONDS = 0.02


@dataclass(frozen=True)
class Folder:
    """A folder to make: `count` images of `width` x `height` px in `kind`: "drawing" (black on white, clean
    export), "scan" (paper grain) or "photo" (uneven light, colour, camera noise), saved as `extension`; or
    "mnist" (the digits as they are), "tight" (cut at their ink, either way round: their own size) or "counts"
    (8x8 counts of a 32x32 bitmap, as UCI's optdigits stores them: see optdigits_counts)."""

    name: str
    count: int
    width: int
    height: int
    kind: str
    extension: str
    numbers: bool = True


FOLDERS = (
    Folder("28 px PNG (MNIST)", 2000, 28, 28, "mnist", ".png", numbers=False),
    Folder("MNIST cropped tight (about 20 px) PNG", 5000, 0, 0, "tight", ".png", numbers=False),
    Folder("8x8 px counts (as UCI optdigits, scikit-learn's digits) PNG", 5000, 8, 8, "counts", ".png", numbers=False),
    Folder("20 x 280 px PNG (start-up)", 20, 280, 280, "drawing", ".png"),
    Folder("280 px PNG drawings", 1000, 280, 280, "drawing", ".png"),
    Folder("1000 px PNG scans", 100, 1000, 1000, "scan", ".png"),
    Folder("1000 px JPEG scans", 100, 1000, 1000, "scan", ".jpg"),
    Folder("3000x4000 JPEG photos", 40, 3000, 4000, "photo", ".jpg"),
    Folder("3000x4000 PNG photos", 6, 3000, 4000, "photo", ".png"),
    Folder("50 MP photos (JPEG, PNG) + 8 small", 2, 5800, 8700, "photo", "mixed"),
)


def _ink_picture(ink: np.ndarray, width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """A white-on-black ink map (uint8) scaled to fill about 60% of a width x height picture, placed at random."""
    scale = 0.6 * min(width / ink.shape[1], height / ink.shape[0]) * rng.uniform(0.8, 1.1)
    size = (max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale)))
    drawn = np.asarray(Image.fromarray(ink).resize(size, Image.BICUBIC), np.float32) / 255
    drawn = np.clip((drawn - 0.3) * 3, 0, 1)  # pen-like: solid strokes, anti-aliased edges
    canvas = np.zeros((height, width), np.float32)
    top = int(rng.integers(0, height - size[1] + 1))
    left = int(rng.integers(0, width - size[0] + 1))
    canvas[top:top + size[1], left:left + size[0]] = drawn
    return canvas


def make_image(ink: np.ndarray, folder: Folder, rng: np.random.Generator) -> Image.Image:
    if folder.kind == "mnist":
        return Image.fromarray(ink)
    if folder.kind == "tight":  # as datasets of segmented digits store them: cut at the ink, either way round
        rows, columns = np.nonzero(ink > 30)
        crop = ink[rows.min():rows.max() + 1, columns.min():columns.max() + 1]
        return Image.fromarray(255 - crop if rng.random() < 0.5 else crop)
    if folder.kind == "counts":
        counts = optdigits_counts(ink)
        return Image.fromarray(counts if rng.random() < 0.5 else 255 - counts)
    canvas = _ink_picture(ink, folder.width, folder.height, rng)
    if folder.kind == "drawing":
        return Image.fromarray(((1 - canvas) * 255).round().astype(np.uint8))
    rows = np.linspace(0, 1, folder.height, dtype=np.float32)[:, np.newaxis, np.newaxis]
    columns = np.linspace(0, 1, folder.width, dtype=np.float32)[np.newaxis, :, np.newaxis]
    if folder.kind == "scan":
        paper, noise = PAPER, 0.015
    else:  # light falling off across the sheet, a shadow from one side
        paper, noise = PAPER * (1.0 - 0.18 * columns * rng.uniform(0.5, 1) - 0.08 * rows), 0.025
    picture = paper * (1 - canvas[..., np.newaxis]) + PEN * canvas[..., np.newaxis]
    picture += rng.normal(0, noise, (folder.height, folder.width, 1)).astype(np.float32)
    return Image.fromarray((np.clip(picture, 0, 1) * 255).astype(np.uint8))


def make_folder(root: Path, folder: Folder, x_test: np.ndarray, y_test: np.ndarray) -> dict[str, str]:
    """Write the folder's images (unless there already); return file name -> the number it shows."""
    path = root / folder.name.replace(" ", "_")
    rng = np.random.default_rng(SEED + folder.count + folder.width)
    numbers = (random_numbers(x_test, y_test, folder.count, 3, seed=SEED, spacing_range=(0.1, 0.4))
               if folder.numbers else [])
    truth, pictures = {}, []
    for index in range(folder.count):
        if folder.numbers and index % round(1 / NUMBER_SHARE) == 0:
            number = numbers[index]
            length = 2 + index % 2
            pictures.append((number.image[:, :_cut_after(number, length)], number.text[:length]))
        else:
            pictures.append((x_test[index], str(y_test[index])))
    extensions = [folder.extension] * folder.count if folder.extension != "mixed" else [".jpg", ".png"]
    for index, ((ink, text), extension) in enumerate(zip(pictures, extensions)):
        name = f"{index:05d}{extension}"
        truth[name] = text
        if not (path / name).exists():
            path.mkdir(parents=True, exist_ok=True)
            image = make_image(ink, folder, rng)
            image.save(path / name, **({"quality": 90} if extension == ".jpg" else {"compress_level": 1}))
    if folder.extension == "mixed":  # small drawings beside the big photos
        small = Folder("small", 8, 280, 280, "drawing", ".png", numbers=False)
        for index in range(small.count):
            name = f"small_{index:02d}.png"
            truth[name] = str(y_test[100 + index])
            if not (path / name).exists():
                make_image(x_test[100 + index], small, rng).save(path / name, compress_level=1)
    return truth


def _cut_after(number, length: int) -> int:
    """The column after the `length` first digits of a synthetic number (where the next digit's ink starts)."""
    if length >= len(number.text):
        return number.image.shape[1]
    columns = np.flatnonzero((number.owner == length).any(axis=0))
    return int(columns[0])


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, stack = [], list(children.get(root, []))
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def _high_water_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_classify(tree: str, folder: Path, csv_path: Path) -> tuple[float, float, float]:
    """(wall seconds, peak MB of the main process, peak MB of the biggest decoding process) of one command."""
    environment = dict(os.environ, PYTHONPATH=tree, TF_CPP_MIN_LOG_LEVEL="2")
    command = [sys.executable, "-m", "digitpad", "classify", str(folder), "--csv", str(csv_path)]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=tree, env=environment, stderr=subprocess.DEVNULL)
    main_peak = decoding_peak = 0.0
    while process.poll() is None:
        main_peak = max(main_peak, _high_water_mb(process.pid))
        for pid in _descendants(process.pid):
            decoding_peak = max(decoding_peak, _high_water_mb(pid))
        time.sleep(POLL_SECONDS)
    elapsed = time.perf_counter() - started
    if process.returncode not in (0, 1):
        raise SystemExit(f"classify failed with status {process.returncode} ({tree}, {folder})")
    return elapsed, main_peak, decoding_peak


def accuracy(csv_path: Path, truth: dict[str, str]) -> float:
    with open(csv_path, newline="", encoding="utf-8") as stream:
        read = {Path(row["path"]).name: row["digit"] for row in csv.DictReader(stream)}
    return float(np.mean([read.get(name) == text for name, text in truth.items()]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", required=True, help="a digitpad source tree (repeat to compare)")
    parser.add_argument("--runs", type=int, default=3, help="runs per folder and tree, alternating trees")
    parser.add_argument("--data", help="keep the generated folders here (reused next time)")
    parser.add_argument("--only", help="only folders whose name contains this")
    parser.add_argument("--validation", action="store_true", help="MNIST validation digits instead of test digits")
    arguments = parser.parse_args()
    with np.load(MNIST) as data:
        if arguments.validation:
            from digitpad.training.config import DEFAULT_SEED
            from digitpad.training.training_data import split_mnist_training

            _, (x_test, y_test) = split_mnist_training(data["x_train"], data["y_train"], DEFAULT_SEED)
        else:
            x_test, y_test = data["x_test"], data["y_test"]
    print(f"machine: {describe_machine()}; load average {os.getloadavg()[0]:.2f} at the start")
    with tempfile.TemporaryDirectory(prefix="digitpad-sizes-") as temporary:
        root = Path(arguments.data or temporary) / ("validation" if arguments.validation else "")
        for folder in FOLDERS:
            if arguments.only and arguments.only not in folder.name:
                continue
            truth = make_folder(root, folder, x_test, y_test)
            path = root / folder.name.replace(" ", "_")
            results: dict[str, list[tuple[float, float, float]]] = {tree: [] for tree in arguments.tree}
            accuracies = {}
            for _ in range(arguments.runs):
                for index, tree in enumerate(arguments.tree):
                    csv_path = Path(temporary) / f"out{index}.csv"
                    results[tree].append(run_classify(tree, path, csv_path))
                    accuracies[tree] = accuracy(csv_path, truth)
            print(f"{folder.name} ({len(truth)} files):")
            for tree in arguments.tree:
                walls = [wall for wall, _, _ in results[tree]]
                rates = [len(truth) / wall for wall in walls]
                print(f"  {tree}: {statistics.median(rates):,.1f} files/s median of {len(rates)} "
                      f"({min(rates):,.1f}-{max(rates):,.1f}; {statistics.median(walls):.2f} s), "
                      f"read right {accuracies[tree]:.2%}, peak memory: decoding process "
                      f"{max(peak for _, _, peak in results[tree]):.0f} MB, main "
                      f"{max(peak for _, peak, _ in results[tree]):.0f} MB")


if __name__ == "__main__":
    main()
