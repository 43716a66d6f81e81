"""Read a data set's named arrays from its .npz file, with errors that say what is wrong with the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def read_arrays(path: Path, keys: tuple[str, ...], kind: str, error: type[Exception]) -> list[np.ndarray]:
    """The arrays `keys` of the .npz at `path` (a `kind` file, e.g. "MNIST"); raises `error` with a sentence
    when the file is missing, unreadable or lacks a key."""
    if not path.is_file():
        raise error(f"{kind} file not found: {path}")
    try:
        with np.load(path) as data:
            missing = [key for key in keys if key not in data]
            if missing:
                raise error(f"{path} is not {'an' if kind[0] in 'AEIMOU' else 'a'} {kind} .npz file "
                            f"(missing {', '.join(missing)})")
            return [np.asarray(data[key]) for key in keys]
    except (OSError, ValueError) as failure:
        raise error(f"cannot read {kind} file {path}: {failure}") from failure
