"""Number-reading benchmark: whole-number and per-digit accuracy, 6-digit latency, and MNIST singles via the CLI.

Run: .venv/bin/python tests/bench/bench_numbers.py [--count 500] [--model assets/model.keras] [--skip-cli]
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
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
MNIST = Path(os.environ.get("DIGITPAD_MNIST", REPO_ROOT.parent / "shared" / "data" / "mnist.npz"))
LENGTHS = (2, 4, 6)
SEED = 2026
# Space between neighbouring digits, in digit heights (negative: overlap), drawn uniformly per gap.
SPACINGS = {"mixed (-0.12..0.35: touching and overlapping too)": (-0.12, 0.35), "spaced (0.05..0.4)": (0.05, 0.4)}


def bench_numbers(predictor, x_test, y_test, count: int, spacing_range) -> dict[int, list[float]]:
    """Read `count` synthetic numbers of each length; print accuracies; return each number's read time."""
    from digitpad.reading.number import read_number
    from tests.synthetic_numbers import digit_accuracy, random_numbers

    timings = {}
    for length in LENGTHS:
        numbers = random_numbers(x_test, y_test, count, length, seed=SEED + length, spacing_range=spacing_range)
        read, seconds = [], []
        for number in numbers:
            started = time.perf_counter()
            read.append(read_number(number.image, predictor).text)
            seconds.append(time.perf_counter() - started)
        truth = [number.text for number in numbers]
        whole = np.mean([got == expected for got, expected in zip(read, truth)])
        right_count = np.mean([len(got) == len(expected) for got, expected in zip(read, truth)])
        print(f"{length}-digit numbers ({count}): whole number {whole:.1%}, per digit "
              f"{digit_accuracy(read, truth):.2%}, digit count right {right_count:.1%}, "
              f"median {statistics.median(seconds) * 1000:.1f} ms")
        timings[length] = seconds
    return timings


def write_pngs(folder: Path, images: np.ndarray) -> None:
    from PIL import Image

    for index, image in enumerate(images):
        Image.fromarray(image).save(folder / f"{index:05d}.png", compress_level=1)


def read_csv_digits(csv_path: Path) -> dict[int, str]:
    with open(csv_path, newline="", encoding="utf-8") as stream:
        return {int(Path(row["path"]).stem): row["digit"] for row in csv.DictReader(stream)}


def bench_cli(folder: Path, labels: np.ndarray, model: str | None, single_digit: bool) -> None:
    """`python -m digitpad classify` on the MNIST test PNGs: accuracy, splits, wall time."""
    csv_path = folder.parent / ("single.csv" if single_digit else "numbers.csv")
    command = [sys.executable, "-m", "digitpad", "classify", str(folder), "--csv", str(csv_path)]
    command += ["--model", model] if model else []
    command += ["--single-digit"] if single_digit else []
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO_ROOT, check=False, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    digits = read_csv_digits(csv_path)
    read = [digits.get(index, "") for index in range(len(labels))]
    accuracy = np.mean([got == str(label) for got, label in zip(read, labels)])
    splits = sum(len(got) > 1 for got in read)
    name = "--single-digit" if single_digit else "default (numbers)"
    print(f"CLI {name}: MNIST test accuracy {accuracy:.2%} ({len(labels)} PNGs), read as several digits: "
          f"{splits}, wall {elapsed:.1f} s incl. start-up and model load ({len(labels) / elapsed:,.0f} images/s)")


def bench_classify_files(folder: Path, predictor, single_digit: bool) -> None:
    """Throughput of the CLI's pipeline (`classify_files` + CSV) with the model already loaded."""
    from digitpad.folders.batch import collect_image_files, classify_files, write_csv

    files = collect_image_files([folder])
    with open(os.devnull, "w", encoding="utf-8") as sink:
        started = time.perf_counter()
        write_csv(classify_files(files, predictor, single_digit=single_digit), sink)
        elapsed = time.perf_counter() - started
    name = "--single-digit" if single_digit else "default (numbers)"
    print(f"classify_files {name}: {len(files) / elapsed:,.0f} images/s ({elapsed:.2f} s, model loaded)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500, help="numbers of each length (default 500)")
    parser.add_argument("--model", help="a .keras model (default: the bundled one)")
    parser.add_argument("--skip-cli", action="store_true", help="skip the 10,000-PNG CLI runs")
    arguments = parser.parse_args()

    from digitpad.inference.predictor import KerasPredictor

    with np.load(MNIST) as data:
        x_test, y_test = data["x_test"], data["y_test"]
    predictor = KerasPredictor(arguments.model)
    predictor.load()
    for name, spacing_range in SPACINGS.items():
        print(f"-- spacing {name}")
        six = bench_numbers(predictor, x_test, y_test, arguments.count, spacing_range)[6]
        print(f"6-digit number latency: median {statistics.median(six) * 1000:.1f} ms, "
              f"90th percentile {np.percentile(six, 90) * 1000:.1f} ms (read_number, one image)")
    if arguments.skip_cli:
        return
    with tempfile.TemporaryDirectory(prefix="digitpad-bench-") as temporary:
        folder = Path(temporary) / "mnist_test"
        folder.mkdir()
        write_pngs(folder, x_test)
        for single_digit in (True, False):
            bench_cli(folder, y_test, arguments.model, single_digit)
        for single_digit in (True, False):
            bench_classify_files(folder, predictor, single_digit)


if __name__ == "__main__":
    main()
