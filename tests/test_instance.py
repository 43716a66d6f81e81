"""One copy per user, below the window: the local socket a second launch hands over to, and a model store that
two processes share (a lock around versions and pruning, models in use never pruned)."""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from digitpad.storage import instance
from digitpad.storage.locking import FileLock
from digitpad.userdata import model_store
from tests.read_only import read_only_folder

REPOSITORY = Path(__file__).resolve().parents[1]
HANDOVER_TIMEOUT_SECONDS = 10


@pytest.fixture(params=["unix", "tcp"])
def transport(request, monkeypatch):
    """Both ways to the running copy: the AF_UNIX socket file (POSIX) and TCP with a port file (Windows)."""
    if request.param == "unix" and (not hasattr(socket, "AF_UNIX") or os.name == "nt"):
        pytest.skip("no AF_UNIX sockets here")
    if request.param == "tcp":
        monkeypatch.setattr(instance, "_uses_unix_socket", lambda folder: False)
    return request.param


def test_the_first_launch_serves_and_a_second_hands_its_paths_over(tmp_path, transport):
    received = queue.Queue()
    handed, server = instance.hand_over_or_serve([], tmp_path)
    assert not handed and server is not None
    try:
        assert instance.hand_over_or_serve(["/early.png"], tmp_path) == (True, None)  # before the window is up
        server.set_handler(received.put)
        assert received.get(timeout=HANDOVER_TIMEOUT_SECONDS) == ["/early.png"]
        assert instance.hand_over_or_serve(["/a.png", "/b"], tmp_path) == (True, None)
        assert received.get(timeout=HANDOVER_TIMEOUT_SECONDS) == ["/a.png", "/b"]
    finally:
        server.close()
    assert not (tmp_path / instance.SOCKET_NAME).exists() and not (tmp_path / instance.PORT_FILE_NAME).exists()
    handed, server = instance.hand_over_or_serve([], tmp_path)  # closed: the next launch serves at once
    assert not handed and server is not None
    server.close()


def test_a_stale_socket_left_by_a_dead_copy_is_taken_over_without_hanging(tmp_path, transport):
    if transport == "unix":
        stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        stale.bind(os.fspath(tmp_path / instance.SOCKET_NAME))
        stale.close()  # the file stays, nobody listens: connecting is refused
    else:
        with socket.socket() as unused:
            unused.bind(("127.0.0.1", 0))
            port = unused.getsockname()[1]
        (tmp_path / instance.PORT_FILE_NAME).write_text(f"{port} secret\n")
    started = time.monotonic()
    handed, server = instance.hand_over_or_serve(["/x.png"], tmp_path)
    assert not handed and server is not None
    assert time.monotonic() - started < instance.CONNECT_TIMEOUT_SECONDS  # refused at once, not timed out
    server.close()


def test_a_copy_that_accepts_but_never_answers_is_given_up_after_the_timeout(tmp_path, monkeypatch):
    monkeypatch.setattr(instance, "CONNECT_TIMEOUT_SECONDS", 0.5)
    monkeypatch.setattr(instance, "_uses_unix_socket", lambda folder: False)
    with socket.socket() as hung:  # listens (the kernel accepts), never reads or answers: a frozen copy
        hung.bind(("127.0.0.1", 0))
        hung.listen(1)
        (tmp_path / instance.PORT_FILE_NAME).write_text(f"{hung.getsockname()[1]} secret\n")
        started = time.monotonic()
        handed, server = instance.hand_over_or_serve(["/x.png"], tmp_path)
        assert not handed and server is not None and time.monotonic() - started < 5
        server.close()


def test_a_read_only_data_folder_runs_without_the_one_copy_rule(tmp_path):
    with read_only_folder(tmp_path / "data") as folder:
        assert instance.hand_over_or_serve([], folder) == (False, None)


# -- the model store shared by two processes ----------------------------------------------------------------------
class FakeModel:
    """Saves a small file; the store's load-back check is switched off for it (no TensorFlow here)."""

    def save(self, path):
        Path(path).write_bytes(os.urandom(64))


def test_a_held_model_is_never_pruned_and_a_dead_holder_stops_counting(isolated_user_data, monkeypatch):
    monkeypatch.setattr(model_store, "load_keras_model", lambda path: None)
    store = model_store.ModelStore()
    first = store.save_new(FakeModel())
    hold = store.hold(first)
    assert hold is not None and hold.model_name == first.name
    assert store.hold(Path("/elsewhere/retrained-0001-x.keras")) is None
    for _ in range(model_store.KEEP_MODELS + 2):
        store.save_new(FakeModel())
    assert first.exists()  # held (neither active nor among the newest): kept
    dead = FileLock(hold.record)
    hold._lock.release()  # as if its process had died: the record stays, its lock is gone
    del dead
    store.prune()
    assert not first.exists() and not hold.record.exists()


CONCURRENT_SAVER = """
    import json, sys
    sys.path.insert(0, {repository!r})
    from pathlib import Path
    from digitpad.userdata import model_store
    from tests.test_instance import FakeModel

    model_store.load_keras_model = lambda path: None
    store = model_store.ModelStore()
    mine = store.save_new(FakeModel())
    hold = store.hold(mine)
    print("READY", flush=True)
    sys.stdin.readline()  # both are ready: go
    saved = [store.save_new(FakeModel()).name for _ in range({rounds})]
    print(json.dumps({{"mine": mine.name, "mine_exists": mine.exists(), "saved": saved}}), flush=True)
    sys.stdin.readline()  # the other one has finished too
    hold.release()
"""


def test_two_processes_retraining_at_once_get_distinct_versions_and_keep_each_others_models(isolated_user_data):
    rounds = model_store.KEEP_MODELS + 3
    script = textwrap.dedent(CONCURRENT_SAVER.format(repository=str(REPOSITORY), rounds=rounds))
    environment = dict(os.environ, PYTHONPATH=str(REPOSITORY))
    processes = [subprocess.Popen([sys.executable, "-c", script], cwd=REPOSITORY, env=environment, text=True,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(2)]
    try:
        for process in processes:
            assert process.stdout.readline().strip() == "READY", process.stderr.read()
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        reports = [json.loads(process.stdout.readline()) for process in processes]
        store = model_store.ModelStore()
        names = {path.name for path in store.root.glob("retrained-*.keras")}
        for report in reports:  # each one's model in use survived the other's pruning
            assert report["mine_exists"] and report["mine"] in names
        for process in processes:
            process.stdin.write("done\n")
            process.stdin.flush()
            assert process.wait(60) == 0, process.stderr.read()
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    versions = [model_store.ModelStore._version_of(Path(name))
                for report in reports for name in [report["mine"], *report["saved"]]]
    assert sorted(versions) == list(range(1, 2 * (rounds + 1) + 1))  # no version given out twice
