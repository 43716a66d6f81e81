"""The fast folder path gives what each file gives alone: stacked cleaning, chunked decoding, worker processes."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digitpad.folders import pipeline
from digitpad.folders.batch import classify_files
from digitpad.folders.decode import prepare_files, read_grey
from digitpad.imaging.imageio import ImageError
from digitpad.imaging.ink import NoDigitError, ink_map, ink_maps, to_grey
from tests.decoding_probe import imported_modules
from tests.digit_images import as_uint8, high_resolution, paper_photo

CRASH_MARK = "crash-the-decoder"


def crash_on_marked_files(paths: list[str], single_digit: bool):
    """A decoding task that kills its process on a marked file, as a decoder bug on a hostile file would."""
    if any(CRASH_MARK in path for path in paths):
        os._exit(3)
    return prepare_files(paths, single_digit)


def ink_alone(grey: np.ndarray) -> np.ndarray | None:
    try:
        return ink_map(grey)
    except NoDigitError:
        return None


def test_a_stack_is_cleaned_exactly_as_each_image_alone(mnist_test):
    x_test, _ = mnist_test
    rng = np.random.default_rng(5)
    images = [x_test[index] for index in range(40)]
    images += [255 - x_test[index] for index in range(40, 50)]  # dark ink on white
    images += [(x_test[index] * 0.3).astype(np.uint8) for index in range(50, 55)]  # faint
    speckled = x_test[55].copy()
    speckled[2, 2] = speckled[25, 3] = 255
    images += [speckled, np.zeros((28, 28), np.uint8), np.full((28, 28), 90, np.uint8)]
    images += [np.clip(x_test[60] + rng.normal(0, 12, (28, 28)), 0, 255).astype(np.uint8)]
    greys = np.stack([to_grey(image) for image in images])
    stacked = ink_maps(greys)
    assert len(stacked) == len(images)
    for index, (together, grey) in enumerate(zip(stacked, greys)):
        alone = ink_alone(grey)
        if alone is None:
            assert together is None, index
        else:
            assert together is not None and np.array_equal(together, alone), index
    assert stacked[-3] is None and stacked[-2] is None  # blank and uniform
    assert all(ink is not None for ink in stacked[:40])


def test_a_stack_of_big_images_is_cleaned_one_by_one_the_same(mnist_test):
    x_test, _ = mnist_test
    rng = np.random.default_rng(2)
    greys = np.stack([to_grey(paper_photo(high_resolution(x_test[index], 120), rng)) for index in range(3)])
    for together, grey in zip(ink_maps(greys), greys):
        assert np.array_equal(together, ink_alone(grey))


@pytest.fixture(scope="module")
def mixed_folder(tmp_path_factory, mnist_test):
    """Small PNGs of two sizes, a photo, broken and blank files, interleaved."""
    folder = tmp_path_factory.mktemp("mixed")
    x_test, y_test = mnist_test
    rng = np.random.default_rng(9)
    paths, labels = [], {}
    for index in range(150):
        path = folder / f"{index:04d}.png"
        if index % 7 == 3:
            Image.fromarray(paper_photo(high_resolution(x_test[index], 160), rng)).save(path)
        elif index % 5 == 1:
            Image.fromarray(np.pad(x_test[index], ((4, 4), (10, 2)))).save(path)  # another small size
        else:
            Image.fromarray(x_test[index]).save(path)
        labels[str(path)] = str(y_test[index])
        paths.append(path)
    broken = folder / "0020.png"
    broken.write_bytes(broken.read_bytes()[:60])
    Image.new("L", (28, 28), 0).save(folder / "0021.png")
    errors = {str(broken): "truncated file", str(folder / "0021.png"): "no digit found"}
    return [str(path) for path in paths], labels, errors


def test_a_chunk_keeps_its_order_and_each_file_is_prepared_as_alone(mixed_folder):
    paths, _, errors = mixed_folder
    chunk = paths[:64]
    together = prepare_files(chunk)
    assert [path for path, _, _ in together] == chunk
    for (path, number, error), alone_path in zip(together, chunk):
        (_, alone, alone_error), = prepare_files([alone_path])
        assert error == alone_error == errors.get(path, "")
        if alone is None:
            assert number is None
        else:
            assert np.array_equal(number.whole_input, alone.whole_input)
            assert np.array_equal(number.ink, alone.ink)


def test_processes_and_a_thread_give_the_same_rows(mixed_folder, bundled_predictor):
    paths, labels, errors = mixed_folder
    files = paths * 4  # 600 files: enough for decoding processes
    in_processes = list(classify_files(files, bundled_predictor, workers=2))
    in_thread = list(classify_files(files, bundled_predictor, workers=1))
    assert in_processes == in_thread
    assert [row.path for row in in_processes] == files
    for row in in_processes[:len(paths)]:
        assert row.error == errors.get(row.path, "")
    correct = sum(row.digit == labels[row.path] for row in in_processes[:len(paths)] if not row.error)
    assert correct >= 0.97 * (len(paths) - len(errors))


def test_rows_are_the_same_whether_the_processes_are_up_or_still_starting(mixed_folder, bundled_predictor):
    paths, _, _ = mixed_folder
    files = paths * 3
    pool = pipeline.DecodingPool(2)
    try:
        assert not pool.started  # the calling thread prepares the first chunks meanwhile
        early = list(classify_files(files, bundled_predictor, pool=pool))
        assert pool.started
        later = list(classify_files(files, bundled_predictor, pool=pool))
    finally:
        pool.shutdown(wait=True)
    assert early == later == list(classify_files(files, bundled_predictor, workers=1))


def test_a_file_that_crashes_its_process_costs_only_its_own_row(mixed_folder, tmp_path):
    paths, _, _ = mixed_folder
    culprit = tmp_path / f"{CRASH_MARK}.png"
    Image.fromarray(as_uint8(np.eye(28))).save(culprit)
    files = paths[:100] + [str(culprit)] + paths[100:]
    pool = pipeline.DecodingPool(2, task=crash_on_marked_files)
    try:
        assert pool.wait_started(timeout=pipeline.START_TIMEOUT_SECONDS) and pool.fallback is None
        chunks = [files[start:start + 16] for start in range(0, len(files), 16)]
        prepared = [item for chunk in pipeline.prepared_in_order(chunks, pool, False) for item in chunk]
    finally:
        pool.shutdown(wait=True)
    assert [path for path, _, _ in prepared] == files
    failed = {path: error for path, number, error in prepared if number is None}
    assert failed.pop(str(culprit)) == pipeline.CRASHED
    assert set(failed) == {paths[20], paths[21]}  # the broken and the blank file, as always


@pytest.mark.skipif("forkserver" not in multiprocessing.get_all_start_methods(), reason="no fork server here")
def test_decoding_processes_start_with_the_decoding_code_already_imported():
    """The fork server imports DECODING_MODULE once and every decoding process is forked from it, ready at once.
    multiprocessing ignores a preload it cannot import, so a stale module name would only cost speed, silently:
    a fresh process must hold the decoding code before any task has imported it (and nothing of training)."""
    assert pipeline.DECODING_MODULE == prepare_files.__module__
    pool = pipeline.DecodingPool(2, task=imported_modules)
    try:
        assert pool.wait_started(timeout=pipeline.START_TIMEOUT_SECONDS) and pool.fallback is None
        names = [pipeline.DECODING_MODULE, "digitpad.training.train"]
        assert pool.submit(names, False).result(timeout=pipeline.START_TIMEOUT_SECONDS) == [pipeline.DECODING_MODULE]
    finally:
        pool.shutdown(wait=True)


def test_without_processes_a_thread_does_the_work(mixed_folder, bundled_predictor, monkeypatch):
    paths, _, _ = mixed_folder
    files = paths * 3

    def refuse(*arguments, **keywords):
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(pipeline.concurrent.futures.ProcessPoolExecutor, "submit", refuse)
    pool = pipeline.DecodingPool(2)
    try:
        rows = list(classify_files(files, bundled_predictor, pool=pool))
    finally:
        pool.shutdown(wait=True)
    monkeypatch.undo()
    assert rows == list(classify_files(files, bundled_predictor, workers=1))
    assert "could not start" in pool.fallback and "Resource temporarily unavailable" in pool.fallback


def test_read_grey_explains_failures(tmp_path):
    text = tmp_path / "note.png"
    text.write_text("not a picture")
    with pytest.raises(ImageError, match="^not an image$"):
        read_grey(Path(text))
