"""Engine benchmark: MNIST test accuracy through the CLI path, per-digit latency, folder throughput and memory.

Run: .venv/bin/python tests/bench/bench_engine.py [--files 10000] [--big-files 50000] [--runs 3]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import resource
import statistics
import subprocess
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
MNIST = Path(os.environ.get("DIGITPAD_MNIST", REPO_ROOT.parent / "shared" / "data" / "mnist.npz"))


def write_pngs(folder: Path, images: np.ndarray, count: int) -> list[Path]:
    from PIL import Image

    paths = []
    for index in range(count):
        path = folder / f"{index // 1000:03d}" / f"digit_{index:06d}.png"
        path.parent.mkdir(exist_ok=True)
        Image.fromarray(images[index % len(images)]).save(path, compress_level=1)
        paths.append(path)
    return paths


def _tree_rss_mb(root_pid: int) -> float:
    """Resident memory of a process and all its descendants (decoding processes included), in MB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total / 1e6


def run_cli_classify(folder: Path, csv_path: Path, *options: str) -> tuple[float, float]:
    """Wall seconds of `python -m digitpad classify folder --csv csv_path`, and the peak resident memory
    (MB) of it and its decoding processes together, sampled every 20 ms."""
    command = [sys.executable, "-m", "digitpad", "classify", *options, str(folder), "--csv", str(csv_path)]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO_ROOT, stderr=subprocess.DEVNULL)
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, _tree_rss_mb(process.pid))
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    if process.returncode not in (0, 1):
        raise SystemExit(f"classify failed with status {process.returncode}")
    return elapsed, peak


def _spread(values: list[float], unit: str = "") -> str:
    return f"median {statistics.median(values):,.0f}{unit} (min {min(values):,.0f}, max {max(values):,.0f})"


def bench_cost_per_file(paths: list[str], predictor) -> None:
    """CPU per file of the two halves of a folder run, each alone on one thread: decoding and preparing
    (what a worker process does, in chunks of WORKER_CHUNK) and inference (batches of BATCH_SIZE)."""
    from digitpad.folders.batch import BATCH_SIZE, WORKER_CHUNK
    from digitpad.folders.decode import prepare_files

    chunks = [paths[start:start + WORKER_CHUNK] for start in range(0, len(paths), WORKER_CHUNK)]
    prepare_files(chunks[0])
    for single_digit, mode in ((False, "numbers"), (True, "single digits")):
        started = time.process_time()
        prepared = [item for chunk in chunks for item in prepare_files(chunk, single_digit)]
        print(f"decode + prepare, {mode}: {(time.process_time() - started) / len(paths) * 1e6:.0f} us CPU per file "
              f"(one process, chunks of {WORKER_CHUNK})")
    inputs = np.stack([number.whole_input for _, number, _ in prepared if number is not None])
    batches = [inputs[start:start + BATCH_SIZE] for start in range(0, len(inputs), BATCH_SIZE)]
    predictor.predict_inputs(batches[0])
    started, cpu_started = time.perf_counter(), time.process_time()
    for batch in batches:
        predictor.predict_inputs(batch)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(f"inference alone: {len(inputs) / wall:,.0f} images/s, {cpu / len(inputs) * 1e6:.0f} us CPU per image "
          f"(all threads, batches of {BATCH_SIZE})")


def bench_accuracy_and_throughput(files: int, big_files: int, runs: int) -> None:
    from digitpad.folders.batch import classify_files, collect_image_files, write_csv
    from digitpad.inference.predictor import KerasPredictor

    with np.load(MNIST) as data:
        x_test, y_test = data["x_test"], data["y_test"]
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / "mnist_test"
        folder.mkdir()
        write_pngs(folder, x_test, len(x_test))
        csv_path = Path(temporary) / "out.csv"
        for options, mode in (((), "numbers (default)"), (("--single-digit",), "--single-digit")):
            walls, peaks = [], []
            for _ in range(runs):
                wall, peak = run_cli_classify(folder, csv_path, *options)
                walls.append(wall)
                peaks.append(peak)
            with open(csv_path, newline="") as stream:
                rows = {Path(row["path"]).name: row["digit"] for row in csv.DictReader(stream)}
            predicted = np.array([int(rows[f"digit_{index:06d}.png"] or -1) for index in range(len(x_test))])
            accuracy = float((predicted == y_test).mean())
            print(f"`digitpad classify {' '.join(options)}` on 10,000 PNGs, whole command (start, model, CSV), "
                  f"{runs} runs: {statistics.median(walls):.2f} s = "
                  f"{_spread([len(x_test) / wall for wall in walls], ' files/s')}; "
                  f"peak RSS with its decoding processes {max(peaks):.0f} MB")
            print(f"  MNIST test accuracy through it: {accuracy:.4%} ({int((predicted != y_test).sum())} errors)")

        predictor = KerasPredictor()
        predictor.load()
        paths = collect_image_files([folder])
        for _ in classify_files(paths[:512], predictor):
            pass
        bench_cost_per_file([str(path) for path in paths[:2048]], predictor)
        for single_digit, mode in ((False, "numbers (default)"), (True, "--single-digit")):
            rates = []
            for _ in range(runs):
                started = time.perf_counter()
                count, _ = write_csv(classify_files(paths[:files], predictor, single_digit=single_digit), io.StringIO())
                rates.append(count / (time.perf_counter() - started))
            print(f"steady state, {mode} (decode + preprocess + batched inference + CSV, model loaded, "
                  f"processes up): {_spread(rates, ' files/s')} on {count} files")
    if big_files:
        with tempfile.TemporaryDirectory() as temporary:
            folder = Path(temporary) / "many"
            folder.mkdir()
            write_pngs(folder, x_test, big_files)
            wall, peak = run_cli_classify(folder, Path(temporary) / "out.csv")
            print(f"`digitpad classify` on {big_files:,} PNGs: {wall:.1f} s ({big_files / wall:,.0f} files/s), peak RSS "
                  f"with its decoding processes {peak:.0f} MB (compare with 10,000: memory stays bounded)")


def bench_latency() -> None:
    from digitpad.imaging.preprocess import mnist_input
    from digitpad.inference.predictor import KerasPredictor

    with np.load(MNIST) as data:
        digits = data["x_test"][:300]
    predictor = KerasPredictor()
    predictor.load()
    for digit in digits[:20]:
        predictor.predict_image(digit)
    end_to_end, preprocess_only = [], []
    for digit in digits:
        started = time.perf_counter()
        predictor.predict_image(digit)
        end_to_end.append(time.perf_counter() - started)
        started = time.perf_counter()
        mnist_input(digit)
        preprocess_only.append(time.perf_counter() - started)
    model_predict = []
    one = np.zeros((1, 28, 28, 1), np.float32)
    keras_model = predictor.keras_model()
    keras_model.predict(one, verbose=0)
    for _ in range(30):
        started = time.perf_counter()
        keras_model.predict(one, verbose=0)
        model_predict.append(time.perf_counter() - started)
    print(f"one digit end to end (preprocess + predict), median of {len(digits)}: "
          f"{statistics.median(end_to_end) * 1000:.2f} ms (p90 {np.percentile(end_to_end, 90) * 1000:.2f} ms; "
          f"preprocess alone {statistics.median(preprocess_only) * 1000:.2f} ms)")
    print(f"model.predict on one image, median of 30: {statistics.median(model_predict) * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=10000, help="files for the in-process throughput run")
    parser.add_argument("--big-files", type=int, default=0, help="also classify this many files to show memory")
    parser.add_argument("--runs", type=int, default=3, help="repeat each throughput measurement this many times")
    arguments = parser.parse_args()
    print(f"machine: {describe_machine()}")
    print(f"peak RSS of this process so far: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    bench_latency()
    bench_accuracy_and_throughput(arguments.files, arguments.big_files, arguments.runs)


if __name__ == "__main__":
    main()
