"""What the window says when the user data folder cannot be written (read-only, full or gone)."""

from __future__ import annotations

import errno
import os

DATA_FOLDER_TITLE = "Cannot save to the data folder"
_REASONS = {
    errno.EROFS: "the disk is read-only",
    errno.EACCES: "it is read-only for you",
    errno.EPERM: "it is read-only for you",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "your disk quota is used up",
    errno.ENOENT: "it is gone",
    errno.ENOTDIR: "it is gone (a file is in its place)",
}


def reason(error: BaseException) -> str:
    """Why a write failed, in a few plain words."""
    cause = error
    while cause is not None and not isinstance(cause, OSError):
        cause = cause.__cause__
    if isinstance(cause, OSError) and cause.errno in _REASONS:
        return _REASONS[cause.errno]
    if isinstance(cause, OSError) and cause.strerror:
        return cause.strerror[:1].lower() + cause.strerror[1:]
    return str(error)


def is_data_folder_error(error: BaseException) -> bool:
    """True for a failed write (an OSError, or an error caused by one), not for a bug."""
    cause = error
    while cause is not None:
        if isinstance(cause, OSError):
            return True
        cause = cause.__cause__
    return False


def data_folder_text(error: BaseException, folder: str | os.PathLike) -> str:
    """The one message shown the first time a write fails: what happened, what still works, what is not kept."""
    return (f"digitpad cannot save to its data folder ({reason(error)}):\n{os.fspath(folder)}\n\n"
            "The pad, Open image and Classify folder keep working. Your settings, samples and retrained models "
            "are not saved until the folder can be written again.")


def status_text(what: str, error: BaseException) -> str:
    """The status bar line for one failed save: 'Settings not saved: the disk is full.'"""
    return f"{what} not saved: {reason(error)}."
