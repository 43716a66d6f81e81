"""One running window per user: a local socket in the user data folder that a second launch hands its paths to.

On POSIX an AF_UNIX socket file; on Windows (or when the path is too long for one) a TCP socket on 127.0.0.1
whose port and a secret token are in a file beside it. A lock file makes two launches at once take turns; a
socket left by a copy that died (nothing answers) is removed and taken over, never waited on for long.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import threading
from pathlib import Path
from typing import Callable

from digitpad.storage import paths
from digitpad.storage.locking import FileLock

SOCKET_NAME = "instance.sock"
PORT_FILE_NAME = "instance.port"
LOCK_FILE_NAME = "instance.lock"
CONNECT_TIMEOUT_SECONDS = 2.0
"""How long a second launch waits for the running copy to answer before it takes over."""
LOCK_TIMEOUT_SECONDS = 10.0
MAXIMUM_UNIX_PATH = 100  # sockaddr_un holds 104-108 bytes, depending on the system
MAXIMUM_MESSAGE_BYTES = 1 << 20
ACKNOWLEDGEMENT = b"ok\n"

PathsHandler = Callable[[list[str]], None]


def _uses_unix_socket(folder: Path) -> bool:
    return hasattr(socket, "AF_UNIX") and os.name != "nt" and len(os.fsencode(folder / SOCKET_NAME)) < MAXIMUM_UNIX_PATH


class InstanceServer:
    """The running copy's end: accepts hand-overs in a daemon thread and passes each list of paths to the handler
    (in that thread: the handler must only queue them for the window). Paths that arrive before a handler is set
    are kept for it."""

    def __init__(self, listener: socket.socket, address_file: Path, token: str):
        self._listener = listener
        self._address_file = address_file
        self._token = token
        self._handler: PathsHandler | None = None
        self._waiting: list[list[str]] = []
        self._guard = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._serve, name="digitpad-instance", daemon=True)
        self._thread.start()

    def set_handler(self, handler: PathsHandler | None) -> None:
        with self._guard:
            self._handler = handler
            waiting, self._waiting = self._waiting, []
        for paths_given in waiting if handler is not None else []:
            handler(paths_given)

    def close(self) -> None:
        """Stop accepting and remove the socket (or port file), so the next launch becomes the server at once."""
        if self._closed:
            return
        self._closed = True
        self.set_handler(None)
        try:
            self._listener.close()
        finally:
            self._address_file.unlink(missing_ok=True)

    def _serve(self) -> None:
        while not self._closed:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return  # closed
            with connection:
                try:
                    connection.settimeout(CONNECT_TIMEOUT_SECONDS)
                    message = _read_line(connection)
                    if message.get("token") != self._token:
                        continue
                    given = [str(path) for path in message.get("paths", [])]
                    connection.sendall(ACKNOWLEDGEMENT)
                except (OSError, ValueError, AttributeError):
                    continue
            with self._guard:
                handler = self._handler
                if handler is None:
                    self._waiting.append(given)
            if handler is not None:
                handler(given)


def _read_line(connection: socket.socket) -> dict:
    data = b""
    while not data.endswith(b"\n"):
        chunk = connection.recv(65536)
        if not chunk:
            break
        data += chunk
        if len(data) > MAXIMUM_MESSAGE_BYTES:
            raise ValueError("message too long")
    message = json.loads(data.decode("utf-8"))
    if not isinstance(message, dict):
        raise ValueError("not a message")
    return message


def _hand_over(folder: Path, given: list[str]) -> bool:
    """Send `given` to a running copy; True when it acknowledged them. False (quickly) when none answers."""
    try:
        if _uses_unix_socket(folder):
            address, family, token = os.fspath(folder / SOCKET_NAME), socket.AF_UNIX, ""
            if not os.path.exists(address):
                return False
        else:
            port_text, _, token = (folder / PORT_FILE_NAME).read_text(encoding="utf-8").strip().partition(" ")
            address, family = ("127.0.0.1", int(port_text)), socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as connection:
            connection.settimeout(CONNECT_TIMEOUT_SECONDS)
            connection.connect(address)
            connection.sendall(json.dumps({"token": token, "paths": given}).encode("utf-8") + b"\n")
            answer = b""
            while len(answer) < len(ACKNOWLEDGEMENT):
                chunk = connection.recv(len(ACKNOWLEDGEMENT) - len(answer))
                if not chunk:
                    break
                answer += chunk
            return answer == ACKNOWLEDGEMENT
    except (OSError, ValueError):  # no socket, refused (stale), timed out, a damaged port file
        return False


def _serve(folder: Path) -> InstanceServer:
    if _uses_unix_socket(folder):
        address_file = folder / SOCKET_NAME
        address_file.unlink(missing_ok=True)  # stale: nobody answered on it
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(os.fspath(address_file))
            os.chmod(address_file, 0o600)
            listener.listen(8)
        except OSError:
            listener.close()
            raise
        return InstanceServer(listener, address_file, "")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        token = secrets.token_hex(16)  # any local user can connect to a port: only the token's reader counts
        address_file = folder / PORT_FILE_NAME
        address_file.write_text(f"{listener.getsockname()[1]} {token}\n", encoding="utf-8")
    except OSError:
        listener.close()
        raise
    return InstanceServer(listener, address_file, token)


def hand_over_or_serve(given: list[str], folder: str | os.PathLike | None = None) -> tuple[bool, InstanceServer | None]:
    """(True, None) when a running copy took `given` (this launch should exit); else (False, server) with this
    process now the one others hand over to, or (False, None) when the data folder cannot hold the socket (then
    every launch runs on its own)."""
    folder = Path(folder) if folder is not None else paths.user_data_dir()
    lock = FileLock(folder / LOCK_FILE_NAME)
    try:
        lock.acquire(timeout=LOCK_TIMEOUT_SECONDS)
    except OSError:  # a read-only or vanished folder, or a launch stuck holding the lock
        return _hand_over(folder, given), None
    try:
        if _hand_over(folder, given):
            return True, None
        try:
            return False, _serve(folder)
        except OSError:
            return False, None
    finally:
        lock.release()
