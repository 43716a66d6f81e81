"""Retrained models: versioned atomic saves, activation, history, pruning, fallback from damage, and SIGKILL safety."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest

from digitpad.inference.keras_model import load_keras_model
from digitpad.storage.hashing import file_sha256
from digitpad.userdata import model_store
from digitpad.userdata.model_store import ModelStore, ModelStoreError, choose_model, load_active_predictor

KILL_ROUNDS = 4
KILL_SEED = 7
# How long after the killed process is ready (TensorFlow imported) it may run before SIGKILL.
KILL_DELAY_RANGE_SECONDS = (0.0, 3.0)
READY_TIMEOUT_SECONDS = 120


@pytest.fixture
def bundled(tmp_path, tiny_model):
    """A stand-in for the bundled model (it must load, and must never change)."""
    path = tmp_path / "assets" / "model.keras"
    path.parent.mkdir()
    tiny_model.save(path)
    return path


@pytest.fixture
def store(isolated_user_data, bundled):
    return ModelStore(bundled_path=bundled)


def test_a_fresh_store_uses_the_bundled_model(store, bundled, isolated_user_data):
    assert store.root == isolated_user_data / "models"
    active = store.active()
    assert active.path == bundled and active.source == "bundled" and active.warning is None
    assert store.history() == []


def test_save_new_is_versioned_complete_and_not_active(store, tiny_model, bundled):
    first = store.save_new(tiny_model, {"user_after": 0.9})
    second = store.save_new(tiny_model)
    assert first.parent == store.root and first.suffix == ".keras"
    assert first.name.startswith("retrained-0001-") and second.name.startswith("retrained-0002-")
    details = json.loads(first.with_suffix(".json").read_text())
    assert details["user_after"] == 0.9 and details["sha256"] == file_sha256(first) and details["version"] == 1
    assert load_keras_model(first).count_params() == tiny_model.count_params()
    assert store.active().path == bundled
    assert [saved.path for saved in store.history()] == [second, first]
    assert not [path for path in store.root.iterdir() if path.name.startswith(".")]


def test_activate_reset_and_history(store, tiny_model, bundled):
    path = store.save_new(tiny_model)
    store.activate(path)
    active = store.active()
    assert active.path == path and active.is_user_model and active.warning is None
    assert [saved.is_active for saved in store.history()] == [True]
    store.reset_to_bundled()
    assert store.active().path == bundled and store.active().warning is None
    assert [saved.path for saved in store.history()] == [path]


def test_choose_model_order_argument_environment_store(store, tiny_model, bundled, monkeypatch, tmp_path):
    path = store.save_new(tiny_model)
    store.activate(path)
    monkeypatch.delenv("DIGITPAD_MODEL", raising=False)
    assert choose_model(store=store).path == path
    monkeypatch.setenv("DIGITPAD_MODEL", str(tmp_path / "env.keras"))
    assert choose_model(store=store).source == "environment"
    assert choose_model(tmp_path / "given.keras", store=store).path == tmp_path / "given.keras"
    monkeypatch.delenv("DIGITPAD_MODEL")
    assert choose_model().path == path  # without a store: the user's own, where `store` keeps its models


def test_only_the_newest_few_are_kept_and_never_the_active_one_deleted(store, tiny_model):
    oldest = store.save_new(tiny_model)
    store.activate(oldest)
    saved = [store.save_new(tiny_model) for _ in range(model_store.KEEP_MODELS + 1)]
    remaining = {entry.path for entry in store.history()}
    assert remaining == {oldest, *saved[-model_store.KEEP_MODELS:]}
    assert not saved[0].exists() and not saved[0].with_suffix(".json").exists()
    assert store.active().path == oldest


def test_activate_refuses_outside_and_damaged_files(store, tiny_model, tmp_path):
    outside = tmp_path / "elsewhere.keras"
    tiny_model.save(outside)
    with pytest.raises(ModelStoreError, match="save it with save_new"):
        store.activate(outside)
    path = store.save_new(tiny_model)
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ModelStoreError, match="damaged"):
        store.activate(path)
    assert store.active().source == "bundled"


@pytest.mark.parametrize("damage", ["truncate", "garbage", "flip_bytes", "delete", "active_json"])
def test_a_damaged_user_model_falls_back_to_the_bundled_one_with_a_warning(store, tiny_model, bundled, damage):
    bundled_hash = file_sha256(bundled)
    path = store.save_new(tiny_model)
    store.activate(path)
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"garbage" * 100)
    elif damage == "flip_bytes":
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes(255 - byte for byte in data[middle:middle + 64]) + data[middle + 64:])
    elif damage == "delete":
        path.unlink()
    else:
        store.active_file.write_text("{ half a json")
    active = store.active()
    assert active.path == bundled and active.source == "bundled"
    assert active.warning and "bundled model" in active.warning and store.warning == active.warning
    predictor, warning = load_active_predictor(store=store)
    assert predictor.model_path == bundled and warning == active.warning
    assert predictor.predict_inputs(np.zeros((1, 28, 28), np.float32)).shape == (1, 10)
    assert file_sha256(bundled) == bundled_hash


def test_a_model_that_passes_the_checks_but_does_not_load_falls_back_when_loading(store, bundled):
    impostor = store.root / "retrained-0001-20250101-000000-abcd.keras"
    store.root.mkdir(parents=True)
    with zipfile.ZipFile(impostor, "w") as archive:
        archive.writestr("config.json", json.dumps({"class_name": "Nothing"}))
        archive.writestr("model.weights.h5", b"not hdf5")
    store.activate(impostor)
    assert store.active().path == impostor
    predictor, warning = load_active_predictor(store=store)
    assert predictor.model_path == bundled
    assert warning and "could not be loaded" in warning


_SAVE_FOREVER = """
import sys
import numpy as np
from digitpad.inference.keras_model import load_keras_model
from digitpad.userdata.model_store import ModelStore

store = ModelStore(sys.argv[1], bundled_path=sys.argv[2])
model = load_keras_model(sys.argv[2])  # the tiny model standing in for the bundled one
print("ready", flush=True)
round = 0
while True:
    round += 1
    kernel = model.get_layer("probabilities").kernel
    kernel.assign(np.asarray(kernel) + np.float32(0.01))
    store.activate(store.save_new(model, {"round": round}))
"""


def test_saves_killed_at_random_moments_always_leave_a_loadable_active_model(tmp_path, bundled):
    root = tmp_path / "models"
    bundled_hash = file_sha256(bundled)
    chooser = random.Random(KILL_SEED)
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    rounds_seen = set()
    for _ in range(KILL_ROUNDS):
        process = subprocess.Popen([sys.executable, "-c", _SAVE_FOREVER, str(root), str(bundled)],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=environment)
        try:
            assert process.stdout.readline().strip() == "ready"
            time.sleep(chooser.uniform(*KILL_DELAY_RANGE_SECONDS))
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=READY_TIMEOUT_SECONDS)
        store = ModelStore(root, bundled_path=bundled)
        active = store.active()
        assert active.warning is None, active.warning
        model = load_keras_model(active.path)
        assert model.output_shape == (None, 10)
        if active.is_user_model:
            rounds_seen.add(json.loads(active.path.with_suffix(".json").read_text())["round"])
        for saved in store.history():
            load_keras_model(saved.path)
    assert rounds_seen, "the killed process never got to activate a model: raise KILL_DELAY_RANGE_SECONDS"
    assert file_sha256(bundled) == bundled_hash
