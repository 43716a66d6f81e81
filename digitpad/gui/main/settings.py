"""The window's remembered settings (last folder, pen width, single-digit mode, clearing after teaching), atomic JSON."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from digitpad.reading.strokes import DEFAULT_PEN_WIDTH, clamp_width
from digitpad.storage import atomic, paths

SETTINGS_FILE_NAME = "gui-settings.json"


@dataclass
class Settings:
    """Everything the window remembers between runs."""

    last_folder: str = ""
    pen_width: float = DEFAULT_PEN_WIDTH
    single_digit: bool = False
    """Read the pad, opened images and folders as one digit each, never as a number of several digits."""
    clear_after_teaching: bool = True
    """Clear the pad once a drawing is stored as a sample (ready for the next one)."""

    def initial_folder(self) -> str:
        """The last used folder if it still exists, else the home folder."""
        if self.last_folder and os.path.isdir(self.last_folder):
            return self.last_folder
        return str(Path.home())

    def remember_folder(self, path: str | os.PathLike) -> None:
        """Remember `path` itself when it is a folder, else the folder holding it."""
        path = Path(path)
        self.last_folder = str(path if path.is_dir() else path.parent)


def default_settings_path() -> Path:
    return paths.user_config_dir() / SETTINGS_FILE_NAME


def load_settings(path: str | os.PathLike | None = None) -> Settings:
    """Read settings; a missing, unreadable or damaged file gives the defaults."""
    path = Path(path) if path is not None else default_settings_path()
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Settings()
    if not isinstance(stored, dict):
        return Settings()
    settings = Settings()
    if isinstance(stored.get("last_folder"), str):
        settings.last_folder = stored["last_folder"]
    if isinstance(stored.get("pen_width"), (int, float)) and not isinstance(stored.get("pen_width"), bool):
        settings.pen_width = clamp_width(stored["pen_width"])
    if isinstance(stored.get("single_digit"), bool):
        settings.single_digit = stored["single_digit"]
    if isinstance(stored.get("clear_after_teaching"), bool):
        settings.clear_after_teaching = stored["clear_after_teaching"]
    return settings


def save_settings(settings: Settings, path: str | os.PathLike | None = None) -> OSError | None:
    """Write settings atomically; None when written, else the error (the old file is kept: a read-only, full or
    vanished folder)."""
    path = Path(path) if path is not None else default_settings_path()
    try:
        atomic.write_json(path, asdict(settings))
    except OSError as error:
        return error
    return None
