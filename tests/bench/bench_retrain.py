"""Retrain benchmark: time to fine-tune on 100 and 500 samples of a synthetic, strongly slanting user, before/after accuracy.

Run: .venv/bin/python tests/bench/bench_retrain.py [--counts 100 500] [--model FILE] [--no-mnist-fallback]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe_machine  # noqa: E402
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from tests.data_paths import MNIST, PENDIGITS  # noqa: E402
FRESH_DRAWING_COUNT = 1000
USER_SEED = 11
# A path that does not exist: the retrain then runs its no-MNIST fallback (the bench still measures MNIST itself).
MISSING_MNIST = Path(tempfile.gettempdir()) / "digitpad-bench-no-such-mnist.npz"


class StageTimer:
    """Collects the seconds between retrain stages from its report callback."""

    def __init__(self):
        self.marks: list[tuple[str, float]] = []

    def __call__(self, update: dict) -> None:
        if update["kind"] == "stage":
            self.marks.append((update["stage"], update["elapsed"]))

    def durations(self, total: float) -> str:
        ends = [elapsed for _, elapsed in self.marks[1:]] + [total]
        return ", ".join(f"{stage} {end - start:.1f} s" for (stage, start), end in zip(self.marks, ends))


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percent(value) -> str:
    return "  n/a " if value is None else f"{value:6.2%}"


def held_out_writer_inputs():
    """The held-out pen writers' digits as the pad renders them, to see what a retrain does to other writers."""
    from digitpad.training.handwriting import render
    from digitpad.training.pendigits import load_pendigits
    from tests.synthetic_strokes import pad_strokes

    _, _, test = load_pendigits(PENDIGITS).split()
    inputs = np.stack([render([np.asarray(points) for points in pad_strokes(strokes)], 18.0) for strokes in test.strokes])
    return inputs, test.labels


def run(count: int, model_path: Path, x_test, y_test, fresh_inputs, fresh_labels, mnist_path, pen_inputs, pen_labels) -> None:
    from digitpad.inference.keras_model import load_keras_model
    from digitpad.training import retrain
    from digitpad.userdata.samples import SampleStore
    from tests.synthetic_user import user_digit_indices, user_drawings

    with tempfile.TemporaryDirectory() as folder:
        store = SampleStore(folder)
        indices = user_digit_indices(len(x_test), count, seed=USER_SEED)
        drawings, labels = user_drawings(x_test, y_test, indices)
        started = time.perf_counter()
        for drawing, label in zip(drawings, labels):
            store.add(drawing, int(label))
        adding = time.perf_counter() - started
        started = time.perf_counter()
        samples = store.load_dataset()
        loading = time.perf_counter() - started
    timer = StageTimer()
    started, cpu_started = time.perf_counter(), cpu_seconds()
    result = retrain.fine_tune(model_path, samples, mnist_path, report=timer)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    base = load_keras_model(model_path)
    fresh_before = retrain._accuracy(base, fresh_inputs, fresh_labels)
    fresh_after = retrain._accuracy(result.model, fresh_inputs, fresh_labels)
    full_before = retrain._accuracy(base, x_test / np.float32(255), y_test)
    full_after = retrain._accuracy(result.model, x_test / np.float32(255), y_test)
    pen_before = retrain._accuracy(base, pen_inputs, pen_labels)
    pen_after = retrain._accuracy(result.model, pen_inputs, pen_labels)
    label = f"{count} samples" + (", no MNIST (L2-SP fallback)" if mnist_path == MISSING_MNIST else "")
    print(f"\n{label}: fine_tune {seconds:.1f} s wall, {cpu:.1f} s CPU ({result.train_count} train / "
          f"{result.holdout_count} held out); adding {adding / count * 1000:.0f} ms per sample, "
          f"load_dataset {loading:.2f} s; load average {os.getloadavg()[0]:.1f}")
    print(f"  stages: {timer.durations(result.seconds)}")
    print(f"  user held-out       {percent(result.user_before)} -> {percent(result.user_after)}")
    print(f"  user fresh ({FRESH_DRAWING_COUNT})   {percent(fresh_before)} -> {percent(fresh_after)}")
    print(f"  MNIST check (2000)  {percent(result.mnist_before)} -> {percent(result.mnist_after)}")
    print(f"  MNIST test (10000)  {percent(full_before)} -> {percent(full_after)}   acceptable: {result.acceptable}")
    print(f"  held-out pen writers ({len(pen_labels)}) {percent(pen_before)} -> {percent(pen_after)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--model", type=Path, help="base model (default: the bundled one)")
    parser.add_argument("--no-mnist-fallback", action="store_true", help="also time the fallback without MNIST")
    arguments = parser.parse_args()
    from digitpad.imaging.preprocess import mnist_input
    from digitpad.storage import paths
    from tests.synthetic_user import user_digit_indices, user_drawings

    model_path = arguments.model or paths.bundled_model_path()
    print(f"{describe_machine()}\nbase model: {model_path}")
    with np.load(MNIST) as data:
        x_test, y_test = data["x_test"], data["y_test"].astype(np.int64)
    stored_for_largest = user_digit_indices(len(x_test), max(arguments.counts), seed=USER_SEED)
    fresh = user_digit_indices(len(x_test), FRESH_DRAWING_COUNT, seed=USER_SEED + 1, exclude=stored_for_largest)
    fresh_drawings, fresh_labels = user_drawings(x_test, y_test, fresh)
    fresh_inputs = np.stack([mnist_input(drawing) for drawing in fresh_drawings])
    pen_inputs, pen_labels = held_out_writer_inputs()
    for count in arguments.counts:
        run(count, model_path, x_test, y_test, fresh_inputs, fresh_labels, MNIST, pen_inputs, pen_labels)
    if arguments.no_mnist_fallback:
        run(max(arguments.counts), model_path, x_test, y_test, fresh_inputs, fresh_labels, MISSING_MNIST,
            pen_inputs, pen_labels)


if __name__ == "__main__":
    main()
