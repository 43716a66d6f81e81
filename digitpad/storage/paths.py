"""Where things live: bundled assets (source tree or PyInstaller bundle) and the per-user data folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from digitpad import APP_NAME

MODEL_ENV_VAR = "DIGITPAD_MODEL"
DATA_DIR_ENV_VAR = "DIGITPAD_DATA_DIR"
BUNDLED_MODEL_NAME = "model.keras"
BUNDLED_READER_NAME = "number_reader.tflite"
# More readers, each trained like the first from its own seed (`train-reader --member K`): they read the lines the
# first is unsure of (inference/number_reader.py).
BUNDLED_MEMBER_READER_NAMES = ("number_reader_member1.tflite", "number_reader_member2.tflite",
                               "number_reader_member3.tflite")


def is_frozen() -> bool:
    """True inside a PyInstaller executable."""
    return bool(getattr(sys, "frozen", False))


def assets_dir() -> Path:
    """The `assets/` folder: inside the PyInstaller bundle when frozen, else the repository's."""
    if is_frozen():
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / "assets"
    return Path(__file__).resolve().parents[2] / "assets"  # digitpad/storage/paths.py -> the repository


def bundled_model_path() -> Path:
    """The model shipped with digitpad (never modified)."""
    return assets_dir() / BUNDLED_MODEL_NAME


def bundled_reader_path() -> Path:
    """The number reader shipped with digitpad: its LiteRT file (its .keras source lies beside it)."""
    return assets_dir() / BUNDLED_READER_NAME


def bundled_reader_paths() -> tuple[Path, ...]:
    """Every number reader shipped with digitpad, the first one first."""
    return bundled_reader_path(), *(assets_dir() / name for name in BUNDLED_MEMBER_READER_NAMES)


def user_data_dir() -> Path:
    """Per-user, per-OS data folder (samples, retrained models, settings); $DIGITPAD_DATA_DIR overrides."""
    override = os.environ.get(DATA_DIR_ENV_VAR)
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / APP_NAME


def user_config_dir() -> Path:
    """Per-user settings folder (last used folders, pen width, ...)."""
    override = os.environ.get(DATA_DIR_ENV_VAR)
    if override:
        return Path(override)
    if sys.platform in ("win32", "darwin"):
        return user_data_dir()
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / APP_NAME


def report_dir_for(model_path: str | os.PathLike) -> Path:
    """Where a model's training report lives: `<model>_report/` beside it."""
    model_path = Path(model_path)
    return model_path.with_name(model_path.stem + "_report")
