"""Numbers on real paper: whole numbers read right per nuisance (separators, printed backgrounds, touching, broken
and uneven digits, all together), from MNIST *test* digits and held-out pen writers only.

Run: .venv/bin/python tests/bench/bench_number_scenes.py [--count 200] [--model FILE ...] [--reader FILE|none ...]
(--reader none: segmentation alone, as before the number reader; each model is run with each reader, side by side)
     .venv/bin/python tests/bench/bench_number_scenes.py --folder 1000 [--reader ...] [--runs 3]
(the whole `digitpad classify` command on a folder of such PNGs, every nuisance mixed: files/s, median of the runs)
     .venv/bin/python tests/bench/bench_number_scenes.py --validation [--reader ...]
(the same scenes from the MNIST validation digits and validation writers: what readers and rules are chosen on)
     .venv/bin/python tests/bench/bench_number_scenes.py --scale 4
(the scenes scanned at 4 times the resolution: a number about 190 px tall, as a 600 dpi scan gives it)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from tests.data_paths import MNIST, PENDIGITS  # noqa: E402
from tests.number_scenes import NUISANCES, random_scenes  # noqa: E402

SEED = 4242
VALIDATION_SEED = 777


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="numbers per nuisance (default 200)")
    parser.add_argument("--model", action="append", help="a .keras model (repeatable; default: the bundled one)")
    parser.add_argument("--reader", action="append",
                        help="the number reader's .tflite, or 'none' (repeatable; default: the bundled one)")
    parser.add_argument("--nuisance", action="append", choices=NUISANCES, help="only these (repeatable)")
    parser.add_argument("--folder", type=int, metavar="N", help="time `digitpad classify` on N number PNGs instead")
    parser.add_argument("--runs", type=int, default=3, help="runs per reader with --folder (default 3)")
    parser.add_argument("--scale", type=int, default=1, help="scan the scenes at this many times the resolution")
    parser.add_argument("--validation", action="store_true",
                        help="scenes of the MNIST validation digits and validation writers instead (to choose on)")
    arguments = parser.parse_args()
    if arguments.folder:
        time_folder(arguments.folder, arguments.reader or [None], arguments.runs)
        return

    from digitpad.inference.number_reader import NumberReader
    from digitpad.inference.predictor import KerasPredictor
    from digitpad.reading.number import read_number
    from digitpad.training.config import DEFAULT_SEED
    from digitpad.training.pendigits import load_pendigits
    from digitpad.training.training_data import split_mnist_training

    with np.load(MNIST) as data:
        if arguments.validation:  # the digits and writers every choice is made on (never reported as a result)
            _, mnist = split_mnist_training(data["x_train"], data["y_train"], DEFAULT_SEED)
        else:
            mnist = data["x_test"], data["y_test"]
    part = 1 if arguments.validation else 2
    pen = load_pendigits(PENDIGITS).split()[part] if PENDIGITS.exists() else None
    seed = VALIDATION_SEED if arguments.validation else SEED
    predictors = []
    for model in arguments.model or [None]:
        for reader in arguments.reader or [None]:
            number_reader = NumberReader(enabled=False) if reader == "none" else NumberReader(reader)
            predictor = KerasPredictor(model, reader=number_reader)
            predictor.load()
            predictors.append((f"{model or 'bundled'} + reader {reader or 'bundled'}", predictor))
    for nuisance in arguments.nuisance or NUISANCES:
        scenes = random_scenes(mnist, pen, arguments.count, nuisance, seed=seed + NUISANCES.index(nuisance))
        images = [scaled(scene.image, arguments.scale) for scene in scenes]
        for name, predictor in predictors:
            digits_right = text_right = count_right = 0
            seconds = []
            for scene, image in zip(scenes, images):
                started = time.perf_counter()
                try:
                    reading = read_number(image, predictor)
                    got, got_text = reading.text, reading.written or reading.text
                except Exception:  # noqa: BLE001 - a failure is a miss
                    got = got_text = ""
                seconds.append(time.perf_counter() - started)
                digits_right += got == scene.digits
                text_right += got_text == (scene.text or scene.digits)
                count_right += len(got) == len(scene.digits)
            total = len(scenes)
            print(f"{nuisance:<11} {name}: whole number {digits_right / total:.1%}, with separators as written "
                  f"{text_right / total:.1%}, digit count right {count_right / total:.1%}, "
                  f"median {statistics.median(seconds) * 1000:.1f} ms ({total} numbers of 2-8 digits)")


def scaled(image: np.ndarray, scale: int) -> np.ndarray:
    """A scene as scanned at `scale` times the resolution (bicubic)."""
    if scale == 1:
        return image
    from PIL import Image

    height, width = image.shape
    return np.asarray(Image.fromarray(image).resize((width * scale, height * scale), Image.BICUBIC))


def time_folder(count: int, readers: list, runs: int) -> None:
    """Files/s of the whole `digitpad classify` command on `count` number PNGs, readers alternating run by run."""
    import subprocess
    import tempfile

    from PIL import Image

    with np.load(MNIST) as data:
        mnist = data["x_test"], data["y_test"]
    from digitpad.training.pendigits import load_pendigits

    pen = load_pendigits(PENDIGITS).split()[2] if PENDIGITS.exists() else None
    with tempfile.TemporaryDirectory(prefix="digitpad-numbers-") as folder:
        truth = {}
        per_nuisance = -(-count // len(NUISANCES))
        for nuisance in NUISANCES:
            for index, scene in enumerate(random_scenes(mnist, pen, per_nuisance, nuisance, seed=SEED + 99)):
                if len(truth) < count:
                    name = f"{nuisance}_{index:04d}.png"
                    Image.fromarray(scene.image).save(Path(folder) / name)
                    truth[name] = scene.digits
        seconds = {reader: [] for reader in readers}
        right = {}
        for _ in range(runs):
            for reader in readers:
                environment = dict(os.environ, DIGITPAD_DATA_DIR=str(Path(folder) / "data"))
                if reader is not None:
                    environment["DIGITPAD_READER"] = str(Path(folder) / "no-reader") if reader == "none" else reader
                started = time.perf_counter()
                result = subprocess.run([sys.executable, "-m", "digitpad", "classify", folder], env=environment,
                                        capture_output=True, text=True, cwd=REPO_ROOT)
                seconds[reader].append(time.perf_counter() - started)
                rows = [line.split(",") for line in result.stdout.splitlines()[1:]]
                right[reader] = sum(truth.get(Path(row[0]).name) == row[1] for row in rows)
        for reader in readers:
            median = statistics.median(seconds[reader])
            print(f"folder of {len(truth)} number PNGs, reader {reader or 'bundled'}: {len(truth) / median:.0f} files/s "
                  f"(median of {runs} whole commands, {median:.2f} s), {right[reader] / len(truth):.1%} read whole")


if __name__ == "__main__":
    main()
