"""Entry script of the PyInstaller executable: fixes frozen-app details, then runs `digitpad.cli.main.main()`."""

from __future__ import annotations

import multiprocessing
import os
import sys

ATTACH_PARENT_PROCESS = -1  # AttachConsole argument: the console of the process that started us
STD_OUTPUT_HANDLE, STD_ERROR_HANDLE = -11, -12
INVALID_HANDLE_VALUE = 2**64 - 1 if sys.maxsize > 2**32 else 2**32 - 1  # (HANDLE)-1 as ctypes.c_void_p reads it
FILE_TYPE_DISK, FILE_TYPE_CHAR, FILE_TYPE_PIPE = 1, 2, 3


def strip_macos_process_serial_number(argv: list[str]) -> list[str]:
    """Drop the `-psn_0_12345` argument that macOS Finder (Launch Services) adds to apps it opens."""
    return [argument for argument in argv if not argument.startswith("-psn_")]


def attach_parent_console() -> bool:
    """Windows, windowed build: connect missing sys.stdout/sys.stderr to where the caller wants output.

    A console=False executable has no console, so `digitpad classify` started from cmd.exe or PowerShell
    would print nothing. First, standard handles the parent redirected (`> out.csv`, a pipe) are used;
    then AttachConsole(ATTACH_PARENT_PROCESS) joins the terminal we were started from. It fails (and we
    stay silent) when started from Explorer. True when every stream is connected.
    """
    if sys.platform != "win32" or (sys.stdout is not None and sys.stderr is not None):
        return False
    try:
        import ctypes  # noqa: PLC0415
        import msvcrt  # noqa: PLC0415

        kernel32 = ctypes.windll.kernel32
        kernel32.GetStdHandle.restype = ctypes.c_void_p
        kernel32.GetFileType.argtypes = [ctypes.c_void_p]
        kernel32.GetConsoleMode.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_ulong)]
    except Exception:
        return False
    for name, handle_id in (("stdout", STD_OUTPUT_HANDLE), ("stderr", STD_ERROR_HANDLE)):
        if getattr(sys, name) is not None:
            continue
        try:
            handle = kernel32.GetStdHandle(handle_id)
            if handle in (None, INVALID_HANDLE_VALUE):
                continue
            file_type = kernel32.GetFileType(handle)
            if file_type == FILE_TYPE_CHAR:  # NUL, or a console we are not attached to (then: attach below)
                if kernel32.GetConsoleMode(handle, ctypes.byref(ctypes.c_ulong())):
                    continue
            elif file_type not in (FILE_TYPE_DISK, FILE_TYPE_PIPE):
                continue
            descriptor = msvcrt.open_osfhandle(handle, os.O_WRONLY)
            setattr(sys, name, open(descriptor, "w", encoding="utf-8", errors="replace", buffering=1, closefd=False))
        except Exception:
            continue
    if sys.stdout is not None and sys.stderr is not None:
        return True
    try:
        if not kernel32.AttachConsole(ATTACH_PARENT_PROCESS):
            return False
    except Exception:
        return False
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            try:
                setattr(sys, name, open("CONOUT$", "w", encoding="utf-8", errors="replace", buffering=1))
            except OSError:
                pass
    return sys.stdout is not None and sys.stderr is not None


def prepare_streams() -> None:
    """Give every missing standard stream (None in a windowed app) a stand-in that discards writes.

    Keras progress bars, print() and logging write to sys.stdout/sys.stderr unconditionally; with None
    they raise AttributeError. os.devnull is a real file: write, flush, isatty and fileno all work.
    """
    for name, mode in (("stdin", "r"), ("stdout", "w"), ("stderr", "w")):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, mode, encoding="utf-8"))


def run(argv: list[str] | None = None) -> int:
    """Prepare the process for a frozen app and run the command line (no arguments, images or a folder: the window)."""
    from digitpad.cli.main import main, window_paths  # noqa: PLC0415 - light: argparse only

    argv = strip_macos_process_serial_number(sys.argv[1:] if argv is None else argv)
    command = bool(argv) and window_paths(argv) is None  # `digitpad a.png` (Open with) opens the window
    if command:
        attach_parent_console()
    prepare_streams()
    if command:
        from digitpad.bundle.splash import close_splash  # noqa: PLC0415

        close_splash()  # a command: no window will come, and the terminal is where output goes
    else:
        from digitpad.gui.splash_watch import close_splash_when_window_visible  # noqa: PLC0415

        close_splash_when_window_visible()
    return main(argv)


if __name__ == "__main__":
    multiprocessing.freeze_support()  # must come first: in a worker process it runs the worker and exits
    sys.exit(run())
