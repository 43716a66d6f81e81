"""The user's sample store: layout, atomic adds, counts, deletion, damaged files, export, and plain sample folders."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from digitpad.imaging.ink import NoDigitError
from digitpad.imaging.preprocess import mnist_input
from digitpad.userdata.samples import LoadedSamples, SampleFolderError, SampleStore, load_sample_folder


def drawing_of(digit_image: np.ndarray, scale: int = 6) -> np.ndarray:
    """An MNIST digit as a pad drawing: enlarged, dark ink on white paper."""
    size = digit_image.shape[0] * scale
    return 255 - np.asarray(Image.fromarray(digit_image).resize((size, size), Image.BICUBIC))


@pytest.fixture
def store(isolated_user_data):
    return SampleStore()


@pytest.fixture(scope="module")
def digits(mnist_test):
    x_test, y_test = mnist_test
    return x_test[:40], y_test[:40].astype(int)


def test_default_store_is_in_the_user_data_folder(store, isolated_user_data):
    assert store.root == isolated_user_data / "samples"


def test_add_writes_the_image_and_its_model_input_in_the_digit_layout(store, digits):
    x, y = digits
    sample = store.add(drawing_of(x[0]), int(y[0]))
    assert sample.image_path == store.root / str(y[0]) / f"{sample.sample_id}.png"
    assert sample.input_path == store.root / ".inputs" / str(y[0]) / f"{sample.sample_id}.png"
    with Image.open(sample.image_path) as image:
        assert image.mode == "L" and image.size == (168, 168)
    with Image.open(sample.input_path) as cached:
        assert cached.mode == "L" and cached.size == (28, 28)
        np.testing.assert_allclose(np.asarray(cached) / 255.0, mnist_input(drawing_of(x[0])), atol=1 / 255 + 1e-6)
    assert not [path for path in store.root.rglob("*") if ".tmp" in path.name]


def test_add_accepts_pil_images_and_a_precomputed_input(store, digits):
    x, y = digits
    given = np.zeros((28, 28), np.float32)
    given[10:18, 12:16] = 1.0
    sample = store.add(Image.fromarray(drawing_of(x[1])).convert("RGBA"), int(y[1]), model_input=given)
    loaded = store.load_dataset()
    assert loaded.ids == [sample.sample_id]
    np.testing.assert_allclose(loaded.x[0], given, atol=1e-6)


def test_a_sample_remembers_where_it_came_from(store, digits, tmp_path):
    x, y = digits
    source = str(tmp_path / "scans" / "formulaire n\u00b03.png")  # any path, non-ASCII too
    sample = store.add(drawing_of(x[2]), int(y[2]), source=source)
    assert store.source_of(sample) == source
    assert store.source_of(store.add(drawing_of(x[3]), int(y[3]))) is None
    assert store.load_dataset().ids == [sample.sample_id, store.list()[-1].sample_id]


def test_add_refuses_bad_labels_and_blank_drawings(store, digits):
    x, _ = digits
    for label in (-1, 10, 2.5, True, "3"):
        with pytest.raises((ValueError, TypeError)):
            store.add(drawing_of(x[0]), label)
    with pytest.raises(NoDigitError):
        store.add(np.full((200, 200), 255, np.uint8), 3)
    assert store.counts() == dict.fromkeys(range(10), 0)


def test_counts_list_delete_and_dataset(store, digits):
    x, y = digits
    added = [store.add(drawing_of(image), int(label)) for image, label in zip(x[:12], y[:12])]
    assert store.counts() == {digit: int((y[:12] == digit).sum()) for digit in range(10)}
    assert [sample.sample_id for sample in store.list()] == sorted(sample.sample_id for sample in added)
    sevens = store.list(7)
    assert sevens and all(sample.label == 7 for sample in sevens)
    dataset = store.load_dataset()
    assert dataset.x.shape == (12, 28, 28) and dataset.x.dtype == np.float32
    assert sorted(dataset.y.tolist()) == sorted(y[:12].tolist()) and not dataset.damaged
    victim = added[3]
    assert store.delete(victim.sample_id)
    assert not victim.image_path.exists() and not victim.input_path.exists()
    assert not store.delete(victim.sample_id)
    assert sum(store.counts().values()) == 11
    with pytest.raises(ValueError):
        store.delete("../../etc")


def test_damaged_files_are_reported_and_the_good_samples_still_load(store, digits):
    x, y = digits
    added = [store.add(drawing_of(image), int(label)) for image, label in zip(x[:6], y[:6])]
    truncated, garbage, emptied = added[0], added[1], added[2]
    truncated.image_path.write_bytes(truncated.image_path.read_bytes()[:60])
    garbage.image_path.write_bytes(b"not a png at all")
    emptied.image_path.write_bytes(b"")
    added[3].input_path.write_bytes(b"damaged cache")  # a damaged cache is recomputed silently
    added[4].input_path.unlink()  # so is a missing one
    loaded = store.load_dataset()
    assert sorted(loaded.ids) == sorted(sample.sample_id for sample in added[3:])
    reasons = {path: reason for path, reason in loaded.damaged}
    assert set(reasons) == {truncated.image_path, garbage.image_path, emptied.image_path}
    assert reasons[garbage.image_path] == "not an image" and reasons[emptied.image_path] == "empty file"
    index = loaded.ids.index(added[3].sample_id)
    np.testing.assert_allclose(loaded.x[index], mnist_input(drawing_of(x[3])), atol=1 / 255 + 1e-6)
    assert added[4].input_path.is_file()  # re-cached


def test_leftover_temporary_and_hidden_files_are_ignored(store, digits):
    x, y = digits
    store.add(drawing_of(x[0]), int(y[0]))
    folder = store.root / str(int(y[0]))
    (folder / ".abc.png.xyz.tmp").write_bytes(b"half written")
    (folder / "notes.txt").write_text("not a sample")
    assert sum(store.counts().values()) == 1
    assert len(store.load_dataset()) == 1


def test_export_round_trips_through_load_sample_folder(store, digits, tmp_path):
    x, y = digits
    for image, label in zip(x[:8], y[:8]):
        store.add(drawing_of(image), int(label))
    assert store.export(tmp_path / "exported") == 8
    assert not (tmp_path / "exported" / ".inputs").exists()
    from_folder = load_sample_folder(tmp_path / "exported")
    from_store = store.load_dataset()
    assert sorted(from_folder.y.tolist()) == sorted(from_store.y.tolist())
    order_folder, order_store = np.argsort(from_folder.ids), np.argsort([f"{label}/{sample_id}.png" for label, sample_id
                                                                         in zip(from_store.y, from_store.ids)])
    np.testing.assert_allclose(from_folder.x[order_folder], from_store.x[order_store], atol=1 / 255 + 1e-6)


def test_load_sample_folder_reads_any_digit_folder_and_reports_bad_files(tmp_path, digits):
    x, y = digits
    folder = tmp_path / "mine"
    (folder / "3" / "nested").mkdir(parents=True)
    (folder / "8").mkdir()
    (folder / "other").mkdir()
    Image.fromarray(drawing_of(x[0])).save(folder / "3" / "a.png")
    Image.fromarray(drawing_of(x[1])).convert("RGB").save(folder / "3" / "nested" / "b.jpg")
    Image.fromarray(drawing_of(x[2])).save(folder / "8" / "no_extension", format="PNG")  # recognised by content
    Image.fromarray(drawing_of(x[3])).save(folder / "other" / "ignored.png")
    Image.fromarray(drawing_of(x[4])).save(folder / "8" / "broken.png")
    (folder / "8" / "broken.png").write_bytes((folder / "8" / "broken.png").read_bytes()[:300])
    Image.new("L", (50, 50), 255).save(folder / "8" / "blank.png")
    (folder / "8" / "readme.txt").write_text("skipped")
    (folder / "8" / ".hidden.png").write_bytes(b"skipped")
    loaded = load_sample_folder(folder)
    assert sorted(loaded.ids) == ["3/a.png", "3/nested/b.jpg", "8/no_extension"]
    assert loaded.y.tolist() == [3, 3, 8]
    assert {path.name: reason for path, reason in loaded.damaged} == {"blank.png": "no digit found",
                                                                      "broken.png": "truncated file"}


def test_load_sample_folder_usage_errors(tmp_path):
    with pytest.raises(SampleFolderError, match="no such folder"):
        load_sample_folder(tmp_path / "missing")
    (tmp_path / "flat").mkdir()
    with pytest.raises(SampleFolderError, match="subfolders named 0 to 9"):
        load_sample_folder(tmp_path / "flat")
    empty = load_sample_folder(_with_digit_folder(tmp_path / "empty"))
    assert len(empty) == 0 and empty.x.shape == (0, 28, 28)


def _with_digit_folder(folder):
    (folder / "5").mkdir(parents=True)
    return folder


def test_loaded_samples_counts_and_subset():
    samples = LoadedSamples(np.zeros((4, 28, 28), np.float32), np.array([1, 1, 5, 9]), ["a", "b", "c", "d"])
    assert samples.counts() == {0: 0, 1: 2, 2: 0, 3: 0, 4: 0, 5: 1, 6: 0, 7: 0, 8: 0, 9: 1}
    part = samples.subset([0, 3])
    assert part.ids == ["a", "d"] and part.y.tolist() == [1, 9]


def test_the_sample_store_does_not_import_tensorflow():
    code = ("import sys, digitpad.userdata.samples, digitpad.userdata.model_store, digitpad.training.retrain, "
            "digitpad.cli.retrain; print('tensorflow' in sys.modules or 'keras' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
