"""Retrained models in `user_data_dir()/models/`: versioned files, an atomically switched `active.json`, safe fallback.

Several processes may share the store (two windows, the command line): a lock file serialises saving, activating
and pruning, and a model a process has in use (`hold`) is never pruned while that process lives.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from digitpad.inference.keras_model import ModelLoadError, load_keras_model
from digitpad.inference.predictor import KerasPredictor
from digitpad.storage import atomic, paths
from digitpad.storage.hashing import file_sha256
from digitpad.storage.locking import FileLock

MODELS_DIR_NAME = "models"
ACTIVE_FILE_NAME = "active.json"
MODEL_PREFIX = "retrained-"
MODEL_SUFFIX = ".keras"
DETAILS_SUFFIX = ".json"
# Saved models kept besides the active one; older ones are deleted.
KEEP_MODELS = 5
# Temporary files left by a killed save are removed once they are this old (a live save never takes this long).
STALE_TEMPORARY_SECONDS = 3600
# Files every .keras archive holds; a model missing one of them cannot load.
KERAS_ARCHIVE_MEMBERS = ("config.json", "model.weights.h5")
LOCK_FILE_NAME = "store.lock"
IN_USE_DIR_NAME = "in-use"
IN_USE_SEPARATOR = "@"
# A save (TensorFlow writing and reading back a model) takes seconds; waiting longer means something is stuck.
LOCK_TIMEOUT_SECONDS = 300
_VERSION_PATTERN = re.compile(rf"^{re.escape(MODEL_PREFIX)}(\d+)-")


class ModelStoreError(RuntimeError):
    """A model could not be saved or activated; str() is the reason a user reads."""


@dataclass(frozen=True)
class ActiveModel:
    """Which model to use: its path, where the choice came from, and a warning to show when something was wrong.

    source: "argument" (an explicit path), "environment" ($DIGITPAD_MODEL), "user" (a retrained model) or "bundled".
    """

    path: Path
    source: str
    warning: str | None = None

    @property
    def is_user_model(self) -> bool:
        return self.source == "user"


@dataclass(frozen=True)
class SavedModel:
    """One retrained model in the store, with the figures saved beside it."""

    path: Path
    version: int
    created: float
    details: dict = field(default_factory=dict)
    is_active: bool = False


def check_keras_archive(path: str | os.PathLike) -> str | None:
    """None when `path` is a complete, uncorrupted .keras archive (CRCs checked), else the reason it is not."""
    path = Path(path)
    if not path.is_file():
        return "the file is missing"
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            missing = [member for member in KERAS_ARCHIVE_MEMBERS if member not in names]
            if missing:
                return f"the file lacks {', '.join(missing)}"
            broken = archive.testzip()
            if broken is not None:
                return f"the file is damaged ({broken} fails its checksum)"
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        return f"the file is damaged ({error})"
    return None


class ModelHold:
    """A model this process has in use: a locked record in `models/in-use/` that pruning honours while this
    process lives (the system drops the lock of a process that dies). `release()` when done with the model."""

    def __init__(self, record: Path, lock: FileLock):
        self.record = record
        self._lock = lock

    @property
    def model_name(self) -> str:
        return self.record.name.partition(IN_USE_SEPARATOR)[2]

    def release(self) -> None:
        if self._lock.held:
            self.record.unlink(missing_ok=True)
            self._lock.release()


class ModelStore:
    """The retrained models of one user. The bundled model is only ever read, never written."""

    def __init__(self, root: str | os.PathLike | None = None, bundled_path: str | os.PathLike | None = None):
        self.root = Path(root) if root is not None else paths.user_data_dir() / MODELS_DIR_NAME
        self.bundled_path = Path(bundled_path) if bundled_path is not None else paths.bundled_model_path()
        self.warning: str | None = None

    @property
    def active_file(self) -> Path:
        return self.root / ACTIVE_FILE_NAME

    def _lock(self) -> FileLock:
        """The store's lock, for `with` (it waits for another process's save to finish)."""
        return FileLock(self.root / LOCK_FILE_NAME, timeout=LOCK_TIMEOUT_SECONDS)

    def hold(self, path: str | os.PathLike) -> ModelHold | None:
        """Mark a model of this store as in use by this process (never pruned while held); None for a model outside
        the store or when the store cannot be written (then nothing is pruned by this process either)."""
        path = Path(path)
        if path.parent.resolve() != self.root.resolve() or not path.name.startswith(MODEL_PREFIX):
            return None
        record = self.root / IN_USE_DIR_NAME / f"{os.getpid()}-{secrets.token_hex(4)}{IN_USE_SEPARATOR}{path.name}"
        try:
            with self._lock():  # a pruner never sees the record before it is locked
                lock = FileLock(record)
                lock.acquire(blocking=False)
        except OSError:
            return None
        return ModelHold(record, lock)

    def _models_in_use(self) -> set[str]:
        """Names of models that live processes hold; records of dead processes are removed. Call with the lock."""
        names = set()
        folder = self.root / IN_USE_DIR_NAME
        for record in folder.iterdir() if folder.is_dir() else []:
            probe = FileLock(record)
            try:
                if not probe.acquire(blocking=False):
                    names.add(record.name.partition(IN_USE_SEPARATOR)[2])
                    continue
                record.unlink(missing_ok=True)  # its process is gone
                probe.release()
            except OSError:
                names.add(record.name.partition(IN_USE_SEPARATOR)[2])  # cannot tell: keep its model
        return names

    # -- saving -------------------------------------------------------------------------------------------

    def save_new(self, model, details: dict | None = None) -> Path:
        """Save a Keras model as the next version (temp file, fsync, rename) and return its path; does not activate it.

        The written file is loaded back before it gets its final name, so a saved model always loads.
        `details` (JSON-able figures, e.g. RetrainResult.figures()) are stored beside it.
        """
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            lock = self._lock()
            lock.acquire(timeout=lock.timeout)
        except OSError as error:
            raise ModelStoreError(f"cannot save the model in {self.root}: {error.strerror or error}") from error
        try:
            return self._save_new_locked(model, details)
        finally:
            lock.release()

    def _save_new_locked(self, model, details: dict | None) -> Path:
        version = self._next_version()
        name = f"{MODEL_PREFIX}{version:04d}-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"
        target = self.root / f"{name}{MODEL_SUFFIX}"

        def write_and_verify(temporary: Path) -> None:
            model.save(temporary)
            try:
                load_keras_model(temporary)
            except ModelLoadError as error:
                raise ModelStoreError(f"the saved model does not load back: {error}") from error

        try:
            atomic.write_with(target, write_and_verify, suffix=MODEL_SUFFIX)
        except OSError as error:
            raise ModelStoreError(f"cannot save the model in {self.root}: {error.strerror or error}") from error
        record = {"version": version, "created": time.time(), "sha256": file_sha256(target), **(details or {})}
        try:
            atomic.write_json(target.with_suffix(DETAILS_SUFFIX), record)
        except OSError as error:  # a model without its figures is not kept: all or nothing
            target.unlink(missing_ok=True)
            raise ModelStoreError(f"cannot save the model in {self.root}: {error.strerror or error}") from error
        self._prune_locked(KEEP_MODELS)
        return target

    def _next_version(self) -> int:
        versions = [self._version_of(path) for path in self._model_files()]
        return max(versions, default=0) + 1

    @staticmethod
    def _version_of(path: Path) -> int:
        match = _VERSION_PATTERN.match(path.name)
        return int(match.group(1)) if match else 0

    def _model_files(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted(
            (path for path in self.root.glob(f"{MODEL_PREFIX}*{MODEL_SUFFIX}") if not path.name.startswith(".")),
            key=lambda path: (self._version_of(path), path.name),
        )

    # -- choosing -----------------------------------------------------------------------------------------

    def activate(self, path: str | os.PathLike) -> None:
        """Make a saved model the active one (one atomic write of active.json).

        `path` must be a model in this store (as returned by save_new or listed by history) that is intact.
        """
        path = Path(path)
        if path.resolve().parent != self.root.resolve() or not path.name.startswith(MODEL_PREFIX):
            raise ModelStoreError(f"{path} is not a model in {self.root}: save it with save_new first")
        problem = check_keras_archive(path)
        checksum = file_sha256(path) if problem is None else None
        if problem is None and self._read_details(path).get("sha256") not in (None, checksum):
            problem = "the file has changed since it was saved"
        if problem is not None:
            raise ModelStoreError(f"cannot activate {path.name}: {problem}")
        try:
            with self._lock():
                atomic.write_json(self.active_file, {"model": path.name, "sha256": checksum,
                                                     "activated": time.time()})
                self._prune_locked(KEEP_MODELS)
        except OSError as error:
            raise ModelStoreError(f"cannot switch to {path.name}: {error.strerror or error}") from error
        self.warning = None

    def reset_to_bundled(self) -> None:
        """Use the bundled model again (the retrained models stay in history)."""
        if self.root.is_dir() or self.active_file.exists():
            atomic.write_json(self.active_file, {"model": None, "activated": time.time()})
        self.warning = None

    def _read_active_record(self) -> dict | None:
        try:
            record = json.loads(self.active_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            return {"error": f"cannot read {ACTIVE_FILE_NAME} ({error})"}
        return record if isinstance(record, dict) else {"error": f"{ACTIVE_FILE_NAME} is not an object"}

    def active(self) -> ActiveModel:
        """The active retrained model when it is intact (archive complete, checksum as saved), else the bundled one.

        A missing or damaged retrained model falls back to the bundled one; `warning` (also kept in
        self.warning) says so in words a user reads. Cheap: no TensorFlow, one pass over the file.
        """
        record = self._read_active_record()
        self.warning = None
        if record is None or (record.get("model") is None and "error" not in record):
            return ActiveModel(self.bundled_path, "bundled")
        problem = record.get("error")
        name = record.get("model")
        if problem is None:
            if not isinstance(name, str) or Path(name).name != name or not name.endswith(MODEL_SUFFIX):
                problem = f"{ACTIVE_FILE_NAME} names no model"
            else:
                path = self.root / name
                problem = check_keras_archive(path)
                if problem is None and record.get("sha256") not in (None, file_sha256(path)):
                    problem = "the file has changed since it was saved"
                if problem is None:
                    return ActiveModel(path, "user")
        self.warning = f"Your retrained model could not be used ({problem}); using the bundled model instead."
        return ActiveModel(self.bundled_path, "bundled", self.warning)

    def history(self) -> list[SavedModel]:
        """Saved retrained models, newest first, with their figures and which one is active."""
        record = self._read_active_record() or {}
        active_name = record.get("model")
        saved = []
        for path in reversed(self._model_files()):
            details = self._read_details(path)
            created = float(details.get("created") or path.stat().st_mtime)
            saved.append(SavedModel(path, self._version_of(path), created, details, path.name == active_name))
        return saved

    @staticmethod
    def _read_details(path: Path) -> dict:
        try:
            details = json.loads(path.with_suffix(DETAILS_SUFFIX).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return details if isinstance(details, dict) else {}

    # -- housekeeping -------------------------------------------------------------------------------------

    def prune(self, keep: int = KEEP_MODELS) -> None:
        """Delete all but the newest `keep` models (never the active one, nor one a running process holds) and
        temporary files left by a killed save."""
        if not self.root.is_dir():
            return
        with self._lock():
            self._prune_locked(keep)

    def _prune_locked(self, keep: int) -> None:
        record = self._read_active_record() or {}
        kept = {record.get("model")} | self._models_in_use()
        for path in self._model_files()[:-keep] if keep > 0 else self._model_files():
            if path.name not in kept:
                try:
                    path.unlink(missing_ok=True)
                    path.with_suffix(DETAILS_SUFFIX).unlink(missing_ok=True)
                except OSError:
                    pass  # tried again at the next prune
        self._remove_stale_temporaries()

    def _remove_stale_temporaries(self) -> None:
        now = time.time()
        for path in self.root.glob(".*") if self.root.is_dir() else []:
            try:
                if path.is_file() and now - path.stat().st_mtime > STALE_TEMPORARY_SECONDS:
                    path.unlink()
            except OSError:
                pass


def choose_model(explicit: str | os.PathLike | None = None, store: ModelStore | None = None) -> ActiveModel:
    """The model the app and the CLI should use: `explicit`, else $DIGITPAD_MODEL, else the store's active model.

    The store's choice falls back to the bundled model (with a warning) when the retrained one is damaged.
    """
    if explicit:
        return ActiveModel(Path(explicit), "argument")
    from_environment = os.environ.get(paths.MODEL_ENV_VAR)
    if from_environment:
        return ActiveModel(Path(from_environment), "environment")
    return (store or ModelStore()).active()


def load_active_predictor(explicit: str | os.PathLike | None = None, store: ModelStore | None = None):
    """Load a KerasPredictor for choose_model(); return (predictor, warning or None).

    When a retrained model passes the cheap checks but still fails to load, the bundled model is
    loaded instead and the warning says so. Raises ModelLoadError when no model loads.
    Slow (imports TensorFlow): call it from a worker thread.
    """
    store = store or ModelStore()
    choice = choose_model(explicit, store)
    predictor = KerasPredictor(choice.path)
    try:
        predictor.load()
    except ModelLoadError as error:
        if not choice.is_user_model:
            raise
        warning = f"Your retrained model could not be loaded ({error}); using the bundled model instead."
        store.warning = warning
        fallback = KerasPredictor(store.bundled_path)
        fallback.load()
        return fallback, warning
    return predictor, choice.warning
