"""`digitpad classify` end to end: a temporary folder of real image files, CSV rows, errors and exit codes."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digitpad.folders.batch import CSV_COLUMNS
from tests.conftest import REPO_ROOT
from tests.digit_images import as_uint8, high_resolution

GOOD_DIGITS = 30


def run_cli(*arguments, cwd=REPO_ROOT):
    environment = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    return subprocess.run(
        [sys.executable, "-m", "digitpad", *map(str, arguments)],
        cwd=cwd, env=environment, capture_output=True, text=True, timeout=300,
    )


def read_rows(text: str) -> dict[str, dict[str, str]]:
    return {row["path"]: row for row in csv.DictReader(io.StringIO(text))}


@pytest.fixture(scope="module")
def image_folder(tmp_path_factory, mnist_test):
    """Good digits in several formats and subfolders, plus broken, blank and non-image files."""
    folder = tmp_path_factory.mktemp("images")
    (folder / "nested" / "deeper").mkdir(parents=True)
    x_test, y_test = mnist_test
    labels = {}
    for index in range(GOOD_DIGITS):
        digit, label = x_test[index], int(y_test[index])
        kind = index % 5
        if kind == 0:
            path = folder / f"mnist_{index}.png"
            Image.fromarray(digit).save(path)
        elif kind == 1:
            path = folder / "nested" / f"paper_{index}.jpg"
            Image.fromarray(as_uint8(1 - high_resolution(digit, 200))).save(path, quality=85)
        elif kind == 2:
            path = folder / "nested" / "deeper" / f"inverted_{index}.bmp"
            Image.fromarray(as_uint8(1 - high_resolution(digit))).convert("RGB").save(path)
        elif kind == 3:
            path = folder / f"transparent_{index}.png"
            rgba = np.zeros((140, 140, 4), np.uint8)
            rgba[..., 3] = as_uint8(high_resolution(digit))
            Image.fromarray(rgba, "RGBA").save(path)
        else:
            path = folder / f"no_extension_{index}"
            Image.fromarray(digit).save(path, format="PNG")
        labels[str(path)] = label
    (folder / "notes.txt").write_text("shopping list")
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    broken = folder / "broken.png"
    Image.fromarray(x_test[0]).resize((300, 300)).save(broken)
    broken.write_bytes(broken.read_bytes()[:300])
    (folder / "fake.jpg").write_text("this is not a jpeg")
    (folder / "scanned form.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
    Image.new("L", (64, 64), 255).save(folder / "blank.png")
    errors = {
        str(broken): "truncated file",
        str(folder / "fake.jpg"): "not an image",
        str(folder / "blank.png"): "no digit found",
        str(folder / "scanned form.pdf"): "a PDF, not an image: save its pages as PNG or JPEG",
    }
    return folder, labels, errors


def test_folder_to_csv_with_errors(image_folder, tmp_path):
    folder, labels, errors = image_folder
    output = tmp_path / "results.csv"
    result = run_cli("classify", folder, "--csv", output)
    assert result.returncode == 1, result.stderr
    text = output.read_text()
    assert text.splitlines()[0].startswith("path,digit,confidence,error")
    rows = read_rows(text)
    assert set(rows) == set(labels) | set(errors), "one row per image file, text and hidden files skipped"
    for path, reason in errors.items():
        assert rows[path]["digit"] == "" and rows[path]["error"] == reason
    correct = sum(rows[path]["digit"] == str(label) for path, label in labels.items())
    assert correct >= GOOD_DIGITS - 1
    for path in labels:
        assert 0.0 <= float(rows[path]["confidence"]) <= 1.0 and rows[path]["error"] == ""


def test_all_good_exits_zero_and_writes_stdout(image_folder):
    folder, labels, _ = image_folder
    good_files = sorted(labels)[:5]
    result = run_cli("classify", *good_files)
    assert result.returncode == 0, result.stderr
    rows = read_rows(result.stdout)
    assert [rows[path]["digit"] for path in good_files] == [str(labels[path]) for path in good_files]


def test_explicit_non_image_file_is_an_error_row(image_folder):
    folder, _, _ = image_folder
    result = run_cli("classify", folder / "notes.txt")
    assert result.returncode == 1
    assert read_rows(result.stdout)[str(folder / "notes.txt")]["error"] == "not an image"


@pytest.mark.parametrize("arguments", [
    ("classify",),
    ("classify", "/definitely/not/here"),
    ("classify", ".", "--model", "/no/such/model.keras"),
    ("frobnicate",),
])
def test_usage_errors_exit_two(arguments):
    result = run_cli(*arguments)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_damaged_model_is_a_clear_error(image_folder, tmp_path):
    folder, _, _ = image_folder
    damaged = tmp_path / "damaged.keras"
    damaged.write_bytes(b"PK\3\4 not really a zip")
    result = run_cli("classify", folder, "--model", damaged)
    assert result.returncode == 2
    assert "cannot load model" in result.stderr and "Traceback" not in result.stderr


def test_ctrl_c_keeps_the_rows_so_far_and_says_so_in_one_line(tmp_path, mnist_test):
    """Ctrl+C in a terminal (SIGINT to the command's whole process group) during a folder: exit 130, one line on
    stderr instead of a traceback, and the CSV keeps every row read so far, each whole."""
    folder = tmp_path / "drawings"
    folder.mkdir()
    x_test, _ = mnist_test
    count = 1500  # 280 px drawings: seconds of work, so the command is still reading when its first rows are on disk
    for index in range(count):
        Image.fromarray(as_uint8(1 - high_resolution(x_test[index], 280))).save(folder / f"{index:04d}.png")
    output = tmp_path / "results.csv"
    environment = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    process = subprocess.Popen(  # a session of its own, SIGINT not ignored (as a terminal's foreground job)
        [sys.executable, "-m", "digitpad", "classify", str(folder), "--csv", str(output)], cwd=REPO_ROOT,
        env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while process.poll() is None and (not output.exists() or output.stat().st_size < 2000):
        assert time.monotonic() < deadline, "no rows written"
        time.sleep(0.01)
    assert process.poll() is None, "finished before it could be interrupted"
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "digitpad classify: interrupted after" in stderr and f"of {count} images" in stderr, stderr
    assert f"the rows read so far are in {output}" in stderr
    rows = list(csv.reader(io.StringIO(output.read_text())))
    assert rows[0][:2] == ["path", "digit"] and 20 < len(rows) - 1 < count
    for row in rows[1:]:
        assert len(row) == len(rows[0]) and Path(row[0]).parent == folder and row[1].isdigit() and row[3] == ""


def test_an_interrupted_command_says_so_in_one_line(monkeypatch, capsys):
    from digitpad.cli import main as cli_main

    def interrupted(arguments):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_main, "_run_train", interrupted)
    try:
        status = cli_main.main(["train", "--output", "never-written.keras"])
    except KeyboardInterrupt:  # (escaping, it would stop the whole test run)
        pytest.fail("the interrupt escaped as a traceback")
    assert status == 130
    assert capsys.readouterr().err.strip() == "digitpad train: interrupted"


@pytest.fixture(scope="module")
def many_digits(tmp_path_factory, mnist_test):
    """1,500 MNIST test digits as PNG files: more CSV than a pipe holds (64 KB)."""
    folder = tmp_path_factory.mktemp("many")
    for index, digit in enumerate(mnist_test[0][:1500]):
        Image.fromarray(digit).save(folder / f"{index:04d}.png")
    return folder


def test_a_reader_that_stops_reading_ends_the_command_quietly(many_digits):
    """`digitpad classify FOLDER | head -2`: once the pipe's reader has gone, the command stops without a
    traceback and exits 141, as a command ended by SIGPIPE does."""
    environment = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    process = subprocess.Popen([sys.executable, "-m", "digitpad", "classify", str(many_digits)], cwd=REPO_ROOT,
                               env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline().startswith("path,digit")
    assert process.stdout.readline().startswith(str(many_digits))
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 141, stderr
    assert stderr == ""


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (a disk that is always full)")
def test_a_full_disk_is_one_clear_line(many_digits):
    result = run_cli("classify", many_digits, "--csv", "/dev/full")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "digitpad classify: cannot write /dev/full: No space left on device; stopped after" in result.stderr


def test_a_file_name_that_is_not_utf8_gets_its_row_and_the_csv_reads_back(tmp_path, mnist_test):
    """A name made on an older system (Latin-1 bytes) is written to the CSV as its own bytes, and the review reads
    that CSV back to the same file."""
    from digitpad.folders.results import read_results_csv

    folder = tmp_path / "old names"
    folder.mkdir()
    name = b"caf\xe9 7.png"  # "café 7.png" in Latin-1: not UTF-8
    try:
        with open(os.path.join(os.fsencode(folder), name), "wb") as handle:
            Image.fromarray(mnist_test[0][0]).save(handle, format="PNG")
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")
    Image.fromarray(mnist_test[0][1]).save(folder / "plain.png")
    output = tmp_path / "results.csv"
    result = run_cli("classify", folder, "--csv", output)
    assert result.returncode == 0, result.stderr
    assert os.path.join(os.fsencode(folder), name) in output.read_bytes()
    results = read_results_csv(output)
    assert len(results.rows) == 2 and results.missing == []
    by_name = {Path(reviewed.row.path).name: reviewed.row.digit for reviewed in results.rows}
    assert by_name == {os.fsdecode(name): str(mnist_test[1][0]), "plain.png": str(mnist_test[1][1])}


def test_a_csv_named_like_an_image_to_classify_is_refused_and_the_image_kept(tmp_path, mnist_test):
    """`digitpad classify --csv photo.png folder` (a slip in the arguments) must not write the CSV over the photo."""
    folder = tmp_path / "scans"
    folder.mkdir()
    image = folder / "photo.png"
    Image.fromarray(mnist_test[0][0]).save(image)
    original = image.read_bytes()
    for arguments in ([image, "--csv", image], [folder, "--csv", folder / ".." / "scans" / "photo.png"]):
        result = run_cli("classify", *arguments)
        assert result.returncode == 2
        assert "is one of the images to classify; writing the CSV there would destroy it" in result.stderr
        assert image.read_bytes() == original


def test_a_folder_without_images_says_so(tmp_path):
    (tmp_path / "notes.txt").write_text("no pictures here")
    result = run_cli("classify", tmp_path)
    assert result.returncode == 0
    assert result.stdout.splitlines() == [",".join(CSV_COLUMNS)]
    assert f"digitpad classify: no image files in {tmp_path}" in result.stderr


def test_version():
    from digitpad import __version__

    result = run_cli("--version")
    assert result.returncode == 0 and __version__ in result.stdout


def test_a_folder_of_digits_with_a_few_numbers_gets_a_hint(image_folder, tmp_path, mnist_test):
    """Nearly all images read as one digit, two as numbers: stderr suggests --single-digit; a folder of digits alone
    gets no such hint, nor does the same folder read with --single-digit."""
    folder, labels, errors = image_folder
    plain = run_cli("classify", folder, "--csv", tmp_path / "plain.csv")
    assert "--single-digit" not in plain.stderr
    x_test, _ = mnist_test
    for index in range(2):  # two numbers of two digits, side by side with a gap
        number = np.zeros((28, 64), np.uint8)
        number[:, 2:30], number[:, 34:62] = x_test[40 + 2 * index], x_test[41 + 2 * index]
        Image.fromarray(number).save(tmp_path / f"number{index}.png")
    for path in labels:
        (tmp_path / Path(path).name).write_bytes(Path(path).read_bytes())
    result = run_cli("classify", tmp_path, "--csv", tmp_path / "out.csv")
    assert result.returncode == 0, result.stderr
    assert "2 of 32 images were read as numbers of several digits" in result.stderr, result.stderr
    assert "--single-digit" in result.stderr
    single = run_cli("classify", tmp_path, "--csv", tmp_path / "single.csv", "--single-digit")
    assert "--single-digit reads" not in single.stderr
