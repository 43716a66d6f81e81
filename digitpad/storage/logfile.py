"""The error log: a rotating file in the user data folder that unexpected errors are appended to."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from digitpad import APP_NAME
from digitpad.storage import paths

LOG_DIR_NAME = "logs"
LOG_FILE_NAME = f"{APP_NAME}.log"
LOGGER_NAME = APP_NAME
MAXIMUM_LOG_BYTES = 512 * 1024
KEPT_OLD_LOGS = 3
LOG_FORMAT = "%(asctime)s %(levelname)s %(process)d %(threadName)s: %(message)s"


def log_dir() -> Path:
    """Where the log files live: `user_data_dir()/logs`."""
    return paths.user_data_dir() / LOG_DIR_NAME


def log_path() -> Path:
    return log_dir() / LOG_FILE_NAME


def open_log() -> logging.Logger | None:
    """The digitpad logger writing to the rotating log file (made once per file); None when the folder cannot be
    written (a read-only or full data folder: errors are still shown, only not kept)."""
    logger = logging.getLogger(LOGGER_NAME)
    target = log_path()
    for handler in logger.handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler) and Path(handler.baseFilename) == target:
            return logger
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(target, maxBytes=MAXIMUM_LOG_BYTES,
                                                       backupCount=KEPT_OLD_LOGS, encoding="utf-8", delay=False)
    except OSError:
        return None
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    for old in [old for old in logger.handlers if isinstance(old, logging.handlers.RotatingFileHandler)]:
        logger.removeHandler(old)  # another data folder (tests): one log file at a time
        old.close()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger
