"""Executable benchmarks: size, start to visible window, start to model ready; the same for the source install.

Build first (pyinstaller --noconfirm --clean build.spec), then run under a display (a virtual one is fine):
    xvfb-run -a -s '-screen 0 1280x1024x24' .venv/bin/python tests/bench/bench_executable.py
"Model ready" is `digitpad classify ONE.png`: the time until its CSV row is printed (the model loaded and
answered once), and until the process has exited (for the one-file executable that includes deleting what it
unpacked). The first launch after a build is reported apart: it reads the executable from disk, later ones
from the page cache (true cold starts need `--drop-caches`, root only).
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
WINDOW_TITLE_PATTERN = "^digitpad$"
SPLASH_CLASS_PATTERN = "^tk$"  # PyInstaller's splash screen window
TIMEOUT_SECONDS = 180
POLL_SECONDS = 0.05


def drop_page_caches() -> bool:
    """Empty the OS file cache so the next start reads everything from disk (root on Linux only)."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def _visible(kind: str, pattern: str) -> bool:
    found = subprocess.run(["xdotool", "search", "--onlyvisible", kind, pattern], capture_output=True)
    return found.returncode == 0 and bool(found.stdout.strip())


def time_window(command: list[str], environment: dict[str, str]) -> tuple[float, float | None]:
    """(seconds to the visible main window, seconds to the first visible splash screen or None)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPOSITORY, env=environment, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    splash_at = None
    try:
        while True:
            elapsed = time.perf_counter() - started
            if splash_at is None and _visible("--classname", SPLASH_CLASS_PATTERN):
                splash_at = elapsed
            if _visible("--name", WINDOW_TITLE_PATTERN):
                return time.perf_counter() - started, splash_at
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} exited with status {process.returncode} before its window showed")
            if elapsed > TIMEOUT_SECONDS:
                raise RuntimeError(f"no window after {TIMEOUT_SECONDS} s")
            time.sleep(POLL_SECONDS)
    finally:
        process.terminate()  # the one-file bootloader passes it on to the app, then deletes what it unpacked
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def time_model_ready(command: list[str], image: Path, environment: dict[str, str]) -> tuple[float, float]:
    """(seconds until `classify IMAGE` printed its row, seconds until the process exited).

    Standard output is a pseudo-terminal so the row is written as soon as it exists, not when the
    process exits and flushes its buffers.
    """
    main_side, child_side = pty.openpty()
    started = time.perf_counter()
    process = subprocess.Popen([*command, "classify", str(image)], cwd=REPOSITORY, env=environment,
                               stdout=child_side, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    os.close(child_side)
    output, answered = b"", None
    try:
        while answered is None:
            readable, _, _ = select.select([main_side], [], [], 0.5)
            if readable:
                try:
                    chunk = os.read(main_side, 65536)
                except OSError:  # the child closed the terminal
                    chunk = b""
                output += chunk
                if image.name.encode() in output:
                    answered = time.perf_counter() - started
                elif not chunk:
                    break
            if process.poll() is not None and not readable:
                break
            if time.perf_counter() - started > TIMEOUT_SECONDS:
                raise RuntimeError(f"no answer after {TIMEOUT_SECONDS} s")
        process.wait(TIMEOUT_SECONDS)
        exited = time.perf_counter() - started
    finally:
        os.close(main_side)
        if process.poll() is None:
            process.kill()
    if answered is None or process.returncode != 0:
        raise RuntimeError(f"classify failed (status {process.returncode}): {output.decode(errors='replace')}")
    return answered, exited


def write_test_image(folder: Path) -> Path:
    """One MNIST test digit ($DIGITPAD_MNIST or ../shared/data/mnist.npz), else a drawn 1."""
    import numpy as np
    from PIL import Image, ImageDraw

    target = folder / "digit.png"
    mnist = Path(os.environ.get("DIGITPAD_MNIST") or REPOSITORY.parent / "shared" / "data" / "mnist.npz")
    if mnist.is_file():
        with np.load(mnist) as data:
            Image.fromarray(255 - data["x_test"][0]).save(target)
    else:
        image = Image.new("L", (280, 280), 255)
        ImageDraw.Draw(image).line([(140, 40), (140, 240)], fill=0, width=24)
        image.save(target)
    return target


def describe(values: list[float]) -> str:
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.2f} s"
    return f"{statistics.median(values):.2f} s (min {min(values):.2f}, max {max(values):.2f}, n={len(values)})"


def bench(name: str, command: list[str], runs: int, image: Path, environment: dict[str, str], windows: bool,
          drop_caches: bool) -> None:
    print(f"\n{name}: {' '.join(command)}")
    for label, measure in (("model ready (classify one image)", "model"), ("visible window", "window")):
        if measure == "window" and not windows:
            print(f"  {label}: skipped (needs DISPLAY and xdotool)")
            continue
        first, later, extra, exits = None, [], [], []
        for run in range(runs + 1):
            if drop_caches and not drop_page_caches():
                print("  (cannot drop page caches: not root)")
                drop_caches = False
            if measure == "window":
                seconds, splash = time_window(command, environment)
                if splash is not None:
                    extra.append(splash)
            else:
                seconds, exited = time_model_ready(command, image, environment)
                exits.append(exited)
            if run == 0:
                first = seconds
            else:
                later.append(seconds)
        print(f"  {label}: first {first:.2f} s, then {describe(later)}")
        if extra:
            print(f"    splash screen visible after {describe(extra)}")
        if exits:
            print(f"    process exited after {describe(exits)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executable", type=Path, default=REPOSITORY / "dist" / "digitpad")
    parser.add_argument("--source", default=str(REPOSITORY / ".venv" / "bin" / "digitpad"),
                        help="the source install's digitpad command (may have arguments: '.venv/bin/python -m digitpad')")
    parser.add_argument("--runs", type=int, default=3, help="timed runs after the first (default 3)")
    parser.add_argument("--drop-caches", action="store_true", help="drop the page cache before every run (root)")
    arguments = parser.parse_args()

    executable = arguments.executable.resolve()
    if not executable.is_file():
        print(f"no executable at {executable}; build it: pyinstaller --noconfirm --clean build.spec", file=sys.stderr)
        return 2
    size = executable.stat().st_size
    print(f"executable: {executable}")
    print(f"  size: {size / 1e6:.1f} MB ({size / 2**20:.1f} MiB)")
    windows = bool(os.environ.get("DISPLAY")) and shutil.which("xdotool") is not None
    with tempfile.TemporaryDirectory(prefix="digitpad-bench-") as scratch:
        scratch = Path(scratch)
        (scratch / "tmp").mkdir()
        environment = dict(os.environ, DIGITPAD_DATA_DIR=str(scratch / "data"), TMPDIR=str(scratch / "tmp"))
        image = write_test_image(scratch)
        bench("one-file executable", [str(executable)], arguments.runs, image, environment, windows,
              arguments.drop_caches)
        source = shlex.split(arguments.source)
        if source and (shutil.which(source[0]) or Path(source[0]).is_file()):
            bench("source install", source, arguments.runs, image, environment, windows, arguments.drop_caches)
        else:
            print(f"\nsource install: skipped ({arguments.source} not found; pip install -e . first)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
