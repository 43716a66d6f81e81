"""Paper benchmark: MNIST test digits written on plain, ruled, squared and margined notebook paper, photographed
square or askew, and small on 600x800 JPEG photos of pages: paper lit unevenly (a camera's dark corners, a lamp to
one side, a dim room, a shadow across the page), a squared page written in red, a sheet photographed on a dark table
(all round it, at one side, in a corner, the sheet askew, the sheet filling the frame a little askew), and a dim
room's noisy webcam picture; read through the same path as Load image. Then whole pages as files read by `classify`
(scans): how many scans with specks of dust and nothing written are "no digit found", digits written on scans at an
everyday size, numbers as tall, and such digits on 1500x2000 phone photos of pages lit unevenly; accuracy and time
per image. Then digits cropped from a form's cells with their printed lines at the edges (thin and light, or a
table's dark, thick rules), such cells left empty ("no digit found"), digits above a printed baseline that ends
inside the picture, circled; from a line of writing
with slivers of their neighbours at the sides, and from a page with pieces of the lines above and below, read as one
digit and as a number (what `classify` does by default); and numbers of 2 to 4 digits cropped tight, whose end digits
(a 1 in half of them) touch the sides. Then digits with marks apart from them at the picture's edges: screenshots of
a phone's drawing app with its button and tool icons, and scans with punched holes. Last, digits on pages through
which the writing on the other side shows (an old ledger, thin paper, a form on thin paper).

Run: .venv/bin/python tests/bench/bench_paper.py [--digits 500] [--validation]
     [--only paper|pages|scans|cells|lines|marks|through]
(--validation: the MNIST validation digits instead, the ones choices are made on)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe_machine  # noqa: E402

from tests.digit_images import (APART_MARKS, CELL_SIDES, DARK_THICK_CELL_SIDES, LINE_CROPS, PAGES,  # noqa: E402
                                SHEETS_ON_TABLES, SHOW_THROUGH, circled, dim_noisy_photo, dusty_blank_page, form_cell,
                                high_resolution, line_crop, marked_picture, on_baseline, page_crop, page_photo,
                                sheet_on_table, show_through, small_digit_on_scan, written_small_on_scan)
from tests.synthetic_numbers import random_numbers  # noqa: E402

MNIST = Path(os.environ.get("DIGITPAD_MNIST", REPO_ROOT.parent / "shared" / "data" / "mnist.npz"))
SIDE = 240
SECTIONS = ("paper", "pages", "scans", "cells", "lines", "marks", "through")
PAPER = np.array([0.95, 0.94, 0.9], np.float32)
RULE = np.array([0.6, 0.7, 0.95], np.float32)
MARGIN = np.array([0.9, 0.4, 0.4], np.float32)
# The gaps between the digits of a number written small on a page, in digit heights (spaced, never touching).
SPACED_NUMBERS = (0.1, 0.35)
PEN = np.array([0.1, 0.1, 0.35], np.float32)


def paper(kind: str, tilt: float) -> np.ndarray:
    """A SIDE x SIDE RGB sheet: plain, ruled (every 30 px), squared (every 24 px) or ruled with a margin."""
    sheet = np.ones((2 * SIDE, 2 * SIDE, 3), np.float32) * PAPER
    if kind in ("ruled", "ruled + margin"):
        sheet[15::30] = sheet[16::30] = RULE
    if kind == "squared":
        sheet[10::24] = RULE
        sheet[:, 10::24] = RULE
    if kind == "ruled + margin":
        sheet[:, SIDE // 2 + 20:SIDE // 2 + 23] = MARGIN
    turned = Image.fromarray((sheet * 255).astype(np.uint8)).rotate(tilt, Image.BICUBIC)
    return np.asarray(turned, np.float32)[SIDE // 2:SIDE // 2 + SIDE, SIDE // 2:SIDE // 2 + SIDE] / 255


def photo(digit: np.ndarray, sheet: np.ndarray, rng: np.random.Generator) -> Image.Image:
    """The digit, as a 160 px pen drawing, written on the sheet with a noisy camera."""
    drawing = Image.fromarray(digit).resize((160, 160), Image.BICUBIC)
    ink = np.zeros((SIDE, SIDE), np.float32)
    ink[40:200, 50:210] = np.asarray(drawing, np.float32) / 255 > 0.45
    image = sheet * (1 - ink[..., np.newaxis]) + PEN * ink[..., np.newaxis] + rng.normal(0, 0.02, sheet.shape)
    return Image.fromarray((np.clip(image, 0, 1) * 255).astype(np.uint8))


def read_both(image, label: int, predictor) -> tuple[bool, bool]:
    """Whether the image is read as `label` as one digit, and as a number (no digit found: neither)."""
    from digitpad.imaging.ink import NoDigitError
    from digitpad.reading.number import read_number

    try:
        return (read_number(image, predictor, single_digit=True).text == str(label),
                read_number(image, predictor).text == str(label))
    except NoDigitError:
        return False, False


def print_both(title: str, pictures, labels, predictor) -> None:
    """Print the share of `pictures` (made one by one, in order) read as their label, as one digit and as a number."""
    rights = np.array([read_both(picture, label, predictor) for picture, label in zip(pictures, labels)])
    print(f"{title}: {rights[:, 0].mean():6.1%} as a digit, {rights[:, 1].mean():6.1%} as a number, of {len(rights)} "
          "digits")


def empty_cells(count: int, predictor) -> None:
    """Print the share of empty form cells (form_cell's lines of every kind, nothing written in them; `count` of each)
    read as "no digit found", as one digit and as a number."""
    from digitpad.imaging.ink import NoDigitError
    from digitpad.reading.number import read_number

    def found_none(image: np.ndarray, single_digit: bool) -> bool:
        try:
            read_number(image, predictor, single_digit=single_digit)
        except NoDigitError:
            return True
        return False

    rng = np.random.default_rng(1)
    kinds = [(name, sides, False) for name, sides in CELL_SIDES.items()]
    kinds += [(f"dark thick lines, {name}", sides, True) for name, sides in DARK_THICK_CELL_SIDES.items()]
    for name, sides, dark_thick in kinds:
        cells = [form_cell(None, rng, sides, dark_thick) for _ in range(count)]
        alone, in_number = (np.mean([found_none(cell, single) for cell in cells]) for single in (True, False))
        print(f"empty form cell, {name:38s}: {alone:6.1%} / {in_number:6.1%} no digit found (as a digit / as a "
              f"number), of {count}")


def ink_height(image: np.ndarray) -> int:
    """How many rows of an image (ink > 0) its ink spans."""
    rows = np.flatnonzero(image.any(axis=1))
    return int(rows[-1] - rows[0] + 1)


def read_file(path: Path, predictor, single_digit: bool = True) -> str:
    """One image file read as `classify` reads it (`--single-digit` by default): its digits, "" for `no digit
    found`."""
    from digitpad.folders.decode import prepare_files
    from digitpad.reading.number import finish_number

    _, prepared, _ = prepare_files([str(path)], single_digit=single_digit)[0]
    if prepared is None:
        return ""
    whole = predictor.predict_inputs(prepared.whole_input[np.newaxis])[0]
    if single_digit:
        return str(int(np.argmax(whole)))
    return finish_number(prepared, whole, predictor.predict_inputs, predictor.read_lines).text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--digits", type=int, default=500, help="MNIST test digits per kind of paper")
    parser.add_argument("--validation", action="store_true", help="MNIST validation digits instead of test digits")
    parser.add_argument("--only", action="append", choices=SECTIONS, help="only these sections (repeatable)")
    arguments = parser.parse_args()
    from digitpad.imaging.ink import NoDigitError
    from digitpad.inference.predictor import KerasPredictor
    from digitpad.reading.number import read_number
    from digitpad.training.config import DEFAULT_SEED
    from digitpad.training.training_data import split_mnist_training

    with np.load(MNIST) as data:
        if arguments.validation:
            _, (digits, labels) = split_mnist_training(data["x_train"], data["y_train"], DEFAULT_SEED)
        else:
            digits, labels = data["x_test"], data["y_test"]
    digits, labels = digits[:arguments.digits], labels[:arguments.digits]
    predictor = KerasPredictor()
    predictor.load()
    print(f"machine: {describe_machine()}")
    sections = set(arguments.only or SECTIONS)
    for kind in ("plain", "ruled", "squared", "ruled + margin") if "paper" in sections else ():
        for tilt in (0.0, 2.0):
            sheet, rng = paper(kind, tilt), np.random.default_rng(0)
            correct, seconds = 0, []
            for digit, label in zip(digits, labels):
                image = photo(digit, sheet, rng)
                started = time.perf_counter()
                correct += predictor.predict_image(image).digit == label
                seconds.append(time.perf_counter() - started)
            print(f"{kind:15s} {tilt:3.0f} deg: {correct / len(digits):6.1%} of {len(digits)} digits, "
                  f"{statistics.median(seconds) * 1000:.1f} ms median per {SIDE}x{SIDE} photo")
    for page in PAGES + SHEETS_ON_TABLES if "pages" in sections else ():
        rng, correct, seconds = np.random.default_rng(0), 0, []
        for digit, label in zip(digits, labels):
            ink = high_resolution(digit, 160)
            image = page_photo(ink, rng, page) if page in PAGES else sheet_on_table(ink, rng, page)
            started = time.perf_counter()
            try:
                correct += predictor.predict_image(image).digit == label
            except NoDigitError:  # (counted wrong)
                pass
            seconds.append(time.perf_counter() - started)
        print(f"{page:22s}: {correct / len(digits):6.1%} of {len(digits)} digits, "
              f"{statistics.median(seconds) * 1000:.1f} ms median per 600x800 JPEG photo")
    if "pages" in sections:
        rng, correct = np.random.default_rng(0), 0
        for digit, label in zip(digits, labels):
            try:
                correct += predictor.predict_image(dim_noisy_photo(high_resolution(digit, 160), rng)).digit == label
            except NoDigitError:  # (counted wrong)
                pass
        print(f"dim room, noisy camera : {correct / len(digits):6.1%} of {len(digits)} digits (320x240 JPEG)")
    if "scans" in sections:
        rng, blank, pages = np.random.default_rng(1 if arguments.validation else 0), 0, min(200, len(digits))
        with tempfile.TemporaryDirectory() as folder:
            for index in range(pages):
                path = Path(folder) / f"page{index}.png"
                dusty_blank_page(rng).save(path)
                blank += read_file(path, predictor) == ""
        print(f"blank page, dust on it : {blank / pages:6.1%} of {pages} 1240x1754 PNG scans `no digit found`")
        rng, correct, seconds = np.random.default_rng(0), 0, []
        with tempfile.TemporaryDirectory() as folder:
            for index, (digit, label) in enumerate(zip(digits[:pages], labels)):
                path = Path(folder) / f"page{index}.png"
                small_digit_on_scan(digit, rng).save(path)
                started = time.perf_counter()
                correct += read_file(path, predictor) == str(label)
                seconds.append(time.perf_counter() - started)
        print(f"small digit on a page  : {correct / pages:6.1%} of {pages} digits 1.2-3% of a 1240x1754 PNG scan's "
              f"height, {statistics.median(seconds) * 1000:.1f} ms median per file")
        rng, correct = np.random.default_rng(0), 0
        numbers = [number for length in (2, 3, 4)
                   for number in random_numbers(digits, labels, pages // 3, length, seed=length,
                                                spacing_range=SPACED_NUMBERS)]
        with tempfile.TemporaryDirectory() as folder:
            for index, number in enumerate(numbers):
                path = Path(folder) / f"page{index}.png"
                written_small_on_scan(number.image, ink_height(number.image), rng).save(path)
                correct += read_file(path, predictor, single_digit=False) == number.text
        print(f"small number on a page : {correct / len(numbers):6.1%} of {len(numbers)} numbers of 2-4 digits, "
              f"whole, as tall on the same scans")
        for page in PAGES:
            rng, correct, photos = np.random.default_rng(0), 0, min(50, len(digits))
            with tempfile.TemporaryDirectory() as folder:
                for index, (digit, label) in enumerate(zip(digits[:photos], labels)):
                    path = Path(folder) / f"photo{index}.png"
                    side = round(rng.uniform(0.012, 0.03) * 2000 * 28 / 20)  # (see small_digit_on_scan)
                    page_photo(high_resolution(digit, side), rng, page, (2000, 1500)).save(path)
                    correct += read_file(path, predictor) == str(label)
            print(f"small, {page:16s}: {correct / photos:6.1%} of {photos} digits 1.2-3% of a 1500x2000 phone "
                  f"photo's height")
    for cell, sides in CELL_SIDES.items() if "cells" in sections else ():
        rng = np.random.default_rng(0)
        print_both(f"form cell, {cell:21s}", (form_cell(digit, rng, sides) for digit in digits), labels, predictor)
    for cell, sides in DARK_THICK_CELL_SIDES.items() if "cells" in sections else ():
        rng = np.random.default_rng(0)
        print_both(f"form cell, dark thick lines, {cell:21s}",
                   (form_cell(digit, rng, sides, dark_thick=True) for digit in digits), labels, predictor)
    if "cells" in sections:
        empty_cells(len(digits), predictor)
        rng = np.random.default_rng(0)
        print_both("on a baseline ending in the picture", (on_baseline(digit, rng) for digit in digits), labels,
                   predictor)
        rng = np.random.default_rng(0)
        print_both("circled", (circled(digit, rng) for digit in digits), labels, predictor)
    for margin, above in ((0.15, 0.2), (0.3, 0.2), (0.3, 0.0)) if "lines" in sections else ():
        rng, as_digit, as_number = np.random.default_rng(0), 0, 0
        for index, label in enumerate(labels):
            neighbours = rng.integers(0, len(digits), 2)
            image = line_crop([digits[neighbours[0]], digits[index], digits[neighbours[1]]], rng, "margins", margin,
                              above)
            right = read_both(image, label, predictor)
            as_digit, as_number = as_digit + right[0], as_number + right[1]
        print(f"cropped from a line, up to {margin:.2f} of its height beside it"
              f"{', tight above and below' if above == 0 else ''}: {as_digit / len(digits):6.1%} as a "
              f"digit, {as_number / len(digits):6.1%} as a number, of {len(digits)} digits")
    if "lines" in sections:
        rng, as_digit, as_number = np.random.default_rng(0), 0, 0
        for index, label in enumerate(labels):
            others = rng.integers(0, len(digits), 2)
            right = read_both(page_crop([digits[others[0]], digits[index], digits[others[1]]], rng), label, predictor)
            as_digit, as_number = as_digit + right[0], as_number + right[1]
        print(f"cropped from a page, up to 0.4 of its height above and below: {as_digit / len(digits):6.1%} as a "
              f"digit, {as_number / len(digits):6.1%} as a number, of {len(digits)} digits")
    ones = np.flatnonzero(labels == 1)
    for crop in LINE_CROPS[1:] if "lines" in sections else ():
        rng, whole = np.random.default_rng(0), 0
        for index in range(len(digits)):
            chosen = rng.integers(0, len(digits), int(rng.integers(2, 5)))
            if index % 2 == 0:  # a 1 at the start, and in every other one at the end too
                chosen[0] = rng.choice(ones)
                if index % 4 == 0:
                    chosen[-1] = rng.choice(ones)
            image = line_crop(list(digits[chosen]), rng, crop)
            try:
                whole += read_number(image, predictor).text == "".join(str(labels[i]) for i in chosen)
            except NoDigitError:  # (counted wrong)
                pass
        print(f"number of 2 to 4 digits cropped {crop:11s}: {whole / len(digits):6.1%} read whole, of {len(digits)}")
    for marks in APART_MARKS if "marks" in sections else ():
        rng = np.random.default_rng(0)
        print_both(f"{marks:21s} (marks apart)", (marked_picture(digit, rng, marks) for digit in digits), labels,
                   predictor)
    for page in SHOW_THROUGH if "through" in sections else ():
        rng = np.random.default_rng(0)
        backs = np.roll(digits, 7, axis=0)  # (another digit on the other side of the page)
        print_both(f"{page:21s} (show-through)", (show_through(digit, back, rng, page)
                                                  for digit, back in zip(digits, backs)), labels, predictor)


if __name__ == "__main__":
    main()
