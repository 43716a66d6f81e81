"""The world's handwriting: accuracy per source and per style on data no model was trained or chosen on, and
the speed floors, for one or more models side by side.

Run: .venv/bin/python tests/bench/bench_world.py [--model FILE ...] [--count 300] [--skip-cli] [--broken-only]

Sources, each read through the path a user's input takes:
- MNIST test digits as 10,000 PNG files through `digitpad classify` (whole command, number mode);
- held-out pen writers (pendigits writers 3 8 13 18 23 28) drawn on the pad (number.read_strokes), and drawn as
  image files (a phone app's PNG export, a transparent canvas, a dark canvas, a JPEG scan of paper; written with a
  nib, thick and hairline strokes: an old ledger's dip pen, a broad nib's scan; drawn with a finger's fat brush on a
  phone; drawn small with a stylus's thin pen on a phone's or a tablet's big canvas) saved and read as Load image
  reads a file, as a number; and numbers of 2 to 5 of one writer's digits drawn small on a big canvas, read whole
  (`--files-only` runs these alone; with `--validation`, the validation writers');
- the held-out writers' 4s, 5s and 7s written in more than one stroke, the strokes pulled apart (a 5's bar floating
  above its body), read from the pad and as a scan (`--broken-only` runs these alone, `--validation` with it);
- held-out font designs (digitpad.training.fonts.TEST_GROUPS) printed black on white and read like Load image;
- each style built three ways that training never used: its feature added to MNIST *test* digits (read as an
  image), added to the held-out writers' strokes (read from the pad; a flag replaces the writer's own), and
  hand-drawn templates from tests/synthetic_strokes.py (read from the pad); open fours and curled nines come from
  the templates only; and the held-out writers' own 1s as they wrote them, most of them flagged.
Speed: one digit end to end (decoded 28x28 image -> answer), median; `classify` files/s on the 10,000 PNGs.
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
sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe_machine  # noqa: E402

from tests.digit_images import PEN_FILES, pen_digit_file, pen_number_on_big_canvas, printed_digit  # noqa: E402
from tests.synthetic_strokes import pad_strokes  # noqa: E402

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from tests.data_paths import MNIST, PENDIGITS  # noqa: E402
SEED = 777
PRINT_SIZES = (24, 40, 72)  # font sizes in pixels of the printed digits
OWN_ONES_RENDERS = 4  # pen widths each held-out writer's own 1 is read at
NUMBERS_ON_BIG_CANVASES = 600  # numbers of 2 to 5 digits drawn small on a phone's or a tablet's canvas
BROKEN_RENDERS = 2  # renderings of each held-out writer's 4, 5 or 7 written in more than one stroke


def read_pad(predictor, strokes, pen_width: float, single_digit: bool = False) -> str:
    from digitpad.reading.number import read_strokes

    return read_strokes(strokes, pen_width, predictor, single_digit=single_digit).text


def accuracy(read: list[str], truth: list[str]) -> tuple[float, int, int]:
    right = sum(got == expected for got, expected in zip(read, truth))
    return right / max(len(truth), 1), len(truth) - right, len(truth)


def held_out_writers(predictor, pen, rng) -> dict[str, tuple]:
    """Read as the pad reads them: as a number (strokes grouped into digits: a 4 or 5 in two strokes may be cut in
    two, see issue 12), and with "Read single digits only" (the network alone)."""
    _, _, test = pen.split()
    widths = rng.uniform(8.0, 28.0, len(test))
    truth = [str(label) for label in test.labels]
    return {mode: accuracy([read_pad(predictor, pad_strokes(strokes), width, single) for strokes, width
                            in zip(test.strokes, widths)], truth)
            for mode, single in (("held-out pen writers (pad, single digit)", True),
                                 ("held-out pen writers (pad, as a number)", False))}


def read_file(image, folder: str, predictor) -> str:
    """An image file made in memory (its own bytes, as encoded), saved in `folder` and read as Load image reads a
    file: opened and decoded for reading, looked at closer where the writing is small; "" for no digit found."""
    from digitpad.folders.decode import ink_of_file, read_grey
    from digitpad.imaging.ink import NoDigitError
    from digitpad.reading.number import read_ink

    path = os.path.join(folder, f"picture.{image.format.lower()}")
    assert image.fp is not None, "read_file needs the picture as opened, not yet loaded"
    with open(path, "wb") as file:
        file.write(image.fp.getvalue())
    try:
        ink, with_faint_layer = ink_of_file(path, read_grey(path))
        return read_ink(ink, predictor, with_faint_layer=with_faint_layer).text
    except NoDigitError:
        return ""


def held_out_writers_as_files(predictor, pen, rng, validation: bool = False) -> dict[str, tuple]:
    """The held-out writers' digits as image files of each kind in PEN_FILES, read as Load image reads them
    (read_file; `validation`: the validation writers', which choices are made on, instead of the test writers');
    then numbers of 2 to 5 digits, each by one of those writers, drawn on a big canvas (NUMBERS_ON_BIG_CANVASES)."""
    _, validation_writers, test = pen.split()
    writers = validation_writers if validation else test
    truth = [str(label) for label in writers.labels]
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for kind in PEN_FILES:
            read = []
            for strokes in writers.strokes:
                with pen_digit_file(pad_strokes(strokes), kind, rng) as image:
                    read.append(read_file(image, folder, predictor))
            results[f"{'validation' if validation else 'held-out'} pen writers as files: {kind}"] = accuracy(
                read, truth)
        read, truth = [], []
        for _ in range(NUMBERS_ON_BIG_CANVASES):
            writer = rng.choice(np.unique(writers.writers))
            chosen = rng.choice(np.flatnonzero(writers.writers == writer), int(rng.integers(2, 6)), replace=False)
            with pen_number_on_big_canvas([writers.strokes[index] for index in chosen], rng) as image:
                read.append(read_file(image, folder, predictor))
            truth.append("".join(str(writers.labels[index]) for index in chosen))
        results[f"{'validation' if validation else 'held-out'} pen writers' numbers small on a big canvas, whole"] = (
            accuracy(read, truth))
    return results


def broken_digits(predictor, pen, rng, validation: bool = False) -> dict[str, tuple]:
    """The held-out writers' 4s, 5s and 7s written in more than one stroke, pulled apart (tests/synthetic_strokes.py,
    BROKEN_RENDERS each), read from the pad as one digit and as a number, and as a scan read like Load image."""
    from digitpad.reading.number import read_number
    from digitpad.training.training_data import BREAKABLE
    from tests.synthetic_strokes import pulled_apart

    _, validation_writers, test = pen.split()
    writers = validation_writers if validation else test
    chosen = [index for index in range(len(writers))
              if int(writers.labels[index]) in BREAKABLE and len(writers.strokes[index]) > 1]
    pad, number, scan, truth = [], [], [], []
    for index in np.repeat(chosen, BROKEN_RENDERS):
        strokes = pad_strokes(pulled_apart(writers.strokes[index], rng))
        width = rng.uniform(8.0, 28.0)
        pad.append(read_pad(predictor, strokes, width, single_digit=True))
        number.append(read_pad(predictor, strokes, width))
        with pen_digit_file(strokes, "scanned paper", rng) as image:
            scan.append(read_number(image, predictor).text)
        truth.append(str(writers.labels[index]))
    name = f"{'validation' if validation else 'held-out'} writers' 4, 5, 7 in strokes pulled apart"
    results = {f"{name} (pad, single digit)": accuracy(pad, truth),
               f"{name} (pad, as a number)": accuracy(number, truth), f"{name} (scanned paper)": accuracy(scan, truth)}
    for digit in map(str, BREAKABLE):
        results[f"{name}: {digit}s alone (pad, single digit)"] = accuracy(
            [got for got, expected in zip(pad, truth) if expected == digit], [digit] * truth.count(digit))
    return results


def held_out_fonts(predictor) -> dict[str, tuple]:
    from digitpad.reading.number import read_number
    from digitpad.training import fonts

    test_fonts = [font for font in fonts.find_fonts() if font.split == "test"]
    if not test_fonts:
        return {"held-out fonts: none installed": (float("nan"), 0, 0)}
    read, truth = [], []
    for font in test_fonts:
        for size in PRINT_SIZES:
            for digit in range(10):
                read.append(read_number(printed_digit(font.path, digit, size), predictor).text)
                truth.append(str(digit))
    return {f"held-out fonts ({len(test_fonts)} fonts of {', '.join(fonts.TEST_GROUPS)}; image)": accuracy(read, truth)}


def styles_three_ways(predictor, pen, x_test, y_test, count: int, rng) -> dict[str, tuple]:
    from digitpad.reading.number import read_number
    from digitpad.training import styles
    from tests.synthetic_strokes import STYLE_TEMPLATES, draw_number, pen_width_for

    _, _, pen_test = pen.split()
    results = {}
    for style in styles.STYLES:
        digit = styles.STYLE_DIGITS[style]
        if style in styles.ADDED_FEATURES:
            chosen = rng.choice(np.flatnonzero(y_test == digit), count, replace=False)
            read = [read_number((styles.add_feature_to_image(style, x_test[index], rng) * 255).astype(np.uint8),
                                predictor).text for index in chosen]
            results[f"{style}: MNIST test + feature (image)"] = accuracy(read, [str(digit)] * count)
            writers = np.flatnonzero(pen_test.labels == digit)
            read = [read_pad(predictor, pad_strokes(styles.add_feature_to_strokes(style, pen_test.strokes[index], rng)),
                             rng.uniform(8.0, 28.0)) for index in writers]
            results[f"{style}: held-out writers + feature (pad)"] = accuracy(read, [str(digit)] * len(writers))
            if style == "flagged one":  # most of the writers' 1s carry their own flag, which the feature replaces
                read = [read_pad(predictor, pad_strokes(pen_test.strokes[index]), rng.uniform(8.0, 28.0))
                        for index in np.repeat(writers, OWN_ONES_RENDERS)]
                results[f"{style}: held-out writers' own 1s, as written (pad)"] = accuracy(read,
                                                                                          [str(digit)] * len(read))
        read, per_template = [], count // len(STYLE_TEMPLATES[style])
        for name in STYLE_TEMPLATES[style]:
            for _ in range(per_template):
                number = draw_number([name], rng, jitter=0.0)
                read.append(read_pad(predictor, number.strokes, pen_width_for(number, rng.uniform(0.06, 0.14))))
        results[f"{style}: hand templates (pad)"] = accuracy(read, [str(digit)] * len(read))
    return results


def classify_mnist(model: Path, folder: Path, labels: np.ndarray) -> tuple[tuple, float]:
    """MNIST test PNGs through the whole `digitpad classify` command: (accuracy, files/s)."""
    output = folder.parent / "results.csv"
    command = [sys.executable, "-m", "digitpad", "classify", str(folder), "--csv", str(output), "--model", str(model)]
    started = time.perf_counter()
    subprocess.run(command, check=False, capture_output=True, cwd=REPO_ROOT)
    seconds = time.perf_counter() - started
    with output.open(newline="") as handle:
        rows = {Path(row["path"]).stem: row["digit"] for row in csv.DictReader(handle)}
    read = [rows.get(f"digit_{index:06d}", "") for index in range(len(labels))]
    return accuracy(read, [str(label) for label in labels]), len(labels) / seconds


def one_digit_latency(predictor, x_test) -> float:
    from digitpad.reading.number import read_number

    seconds = []
    for image in x_test[:600]:
        started = time.perf_counter()
        read_number(image, predictor, single_digit=True)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds[100:]) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", type=Path, help="a .keras model (repeat to compare; default: bundled)")
    parser.add_argument("--count", type=int, default=300, help="digits per style and construction")
    parser.add_argument("--skip-cli", action="store_true", help="skip MNIST through `digitpad classify`")
    parser.add_argument("--files-only", action="store_true", help="only the held-out writers as image files")
    parser.add_argument("--broken-only", action="store_true", help="only the held-out writers' broken 4s, 5s and 7s")
    parser.add_argument("--validation", action="store_true",
                        help="with --files-only or --broken-only: the validation writers (5, 15, 25), to choose on")
    arguments = parser.parse_args()
    from bench_engine import write_pngs
    from digitpad.inference.predictor import KerasPredictor
    from digitpad.storage.paths import bundled_model_path
    from digitpad.training.pendigits import load_pendigits

    models = arguments.model or [bundled_model_path()]
    with np.load(MNIST) as data:
        x_test, y_test = data["x_test"], data["y_test"]
    pen = load_pendigits(PENDIGITS)
    print(f"machine: {describe_machine()}")
    table: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / "mnist_test"
        if not (arguments.skip_cli or arguments.files_only or arguments.broken_only):
            folder.mkdir()
            write_pngs(folder, x_test, len(x_test))
        for model in models:
            predictor = KerasPredictor(model)
            predictor.load()
            rng = np.random.default_rng(SEED)
            results: dict[str, tuple] = {}
            speed = {}
            if arguments.files_only or arguments.broken_only:
                if arguments.files_only:
                    results.update(held_out_writers_as_files(predictor, pen, rng, arguments.validation))
                if arguments.broken_only:
                    results.update(broken_digits(predictor, pen, rng, arguments.validation))
                for name, (share, errors, total) in results.items():
                    table.setdefault(name, []).append(f"{share:.2%} ({errors}/{total} wrong)")
                continue
            if not arguments.skip_cli:
                results["MNIST test, 10,000 PNGs through `digitpad classify`"], files_per_second = classify_mnist(
                    model, folder, y_test)
                speed["`digitpad classify` 10,000 28x28 PNGs, whole command (files/s)"] = f"{files_per_second:,.0f}"
            results.update(held_out_writers(predictor, pen, rng))
            results.update(held_out_writers_as_files(predictor, pen, rng))
            results.update(broken_digits(predictor, pen, rng))
            results.update(held_out_fonts(predictor))
            results.update(styles_three_ways(predictor, pen, x_test, y_test, arguments.count, rng))
            speed["one digit end to end, median (ms)"] = f"{one_digit_latency(predictor, x_test):.2f}"
            for name, (share, errors, total) in results.items():
                table.setdefault(name, []).append(f"{share:.2%} ({errors}/{total} wrong)")
            for name, value in speed.items():
                table.setdefault(name, []).append(value)
    width = max(len(name) for name in table)
    print(f"{'':{width}}  " + "  ".join(f"{model.parent.name + '/' + model.name:>24}" for model in models))
    for name, values in table.items():
        print(f"{name:{width}}  " + "  ".join(f"{value:>24}" for value in values))


if __name__ == "__main__":
    main()
