"""Review mode benchmark: how long after a key press the next image is on screen, with the real model and real files.

Run under a display (a virtual one is fine):
    xvfb-run -a -s '-screen 0 1280x1024x24' .venv/bin/python tests/bench/bench_review.py [--count 300]
A folder of MNIST test digits saved as PNG files (3x, dark ink on paper) is classified in the window, then
reviewed with every row in the queue: Enter at a quick reviewer's pace (a key every 150 ms), Enter as fast as
the images come (back to back), and Backspace (back one). Each figure is from the key press to the new image
shown and drawn (the Tk thread idle again). Target: the next image within 50 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import tkinter as tk
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPOSITORY))
DATA = tempfile.TemporaryDirectory(prefix="digitpad-bench-review-")
os.environ["DIGITPAD_DATA_DIR"] = DATA.name  # never the user's settings or samples

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from tests.data_paths import MNIST  # noqa: E402

TARGET_SECONDS = 0.050
PACE_SECONDS = 0.150
UPSCALE = 3


def make_folder(folder: Path, count: int, start: int = 0) -> list[int]:
    """`count` MNIST test digits from `start` as PNG files in `folder` (dark ink on light paper, 3x MNIST's size);
    returns their labels."""
    with np.load(MNIST) as data:
        images, labels = data["x_test"][start:start + count], data["y_test"][start:start + count]
    folder.mkdir(parents=True, exist_ok=True)
    for index, image in enumerate(images):
        Image.fromarray(255 - np.kron(image, np.ones((UPSCALE, UPSCALE), np.uint8))).save(folder / f"{index:05d}.png")
    return [int(label) for label in labels]


def pump(root: tk.Misc, condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError("timed out")
        root.update()
        time.sleep(0.001)


def key_to_image(panel, key: str) -> tuple[float, float]:
    """Seconds from pressing `key` to the review's current image being shown and drawn: wall clock, and CPU time
    of the Tk thread (which a machine busy with other work cannot inflate)."""
    started, cpu_started = time.perf_counter(), time.thread_time()
    panel.event_generate("<KeyPress>", keysym=key)
    while panel.shown_index != panel.review.current:
        panel.update()  # the image arrives from the reader (it was read ahead: already there)
    panel.update_idletasks()  # drawn
    return time.perf_counter() - started, time.thread_time() - cpu_started


def summary(name: str, measured: list[tuple[float, float]]) -> str:
    seconds = [wall for wall, _ in measured]
    cpu = statistics.median(cpu for _, cpu in measured)
    ordered = sorted(seconds)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    within = sum(value <= TARGET_SECONDS for value in seconds) / len(seconds)
    return (f"{name:<34} median {statistics.median(seconds) * 1000:6.1f} ms   p90 {p90 * 1000:6.1f} ms   "
            f"max {max(seconds) * 1000:6.1f} ms   within 50 ms: {within:.0%}   Tk thread CPU median "
            f"{cpu * 1000:4.1f} ms  ({len(seconds)} presses)")


def main(count: int) -> int:
    from digitpad.gui.app import DigitpadApp  # noqa: PLC0415
    from digitpad.inference.predictor import KerasPredictor  # noqa: PLC0415

    folder = Path(DATA.name) / "digits"
    make_folder(folder, count)
    root = tk.Tk(className="digitpad")
    app = DigitpadApp(root, KerasPredictor(), settings_path=Path(DATA.name) / "settings.json")
    root.update()
    app.start_loading_model()
    pump(root, lambda: app.model_state != "loading", timeout=120)
    app.classify_folder(folder)
    window = app.batch_window
    pump(root, lambda: window.is_complete, timeout=300)
    window.review_threshold = 1.0  # every row
    window.start_review()
    panel = window.review_panel
    panel.focus_force()
    pump(root, lambda: panel.shown_index == panel.review.current)
    steps = (len(panel.review.queue) - 2) // 3
    paced, back_to_back, back = [], [], []
    for _ in range(steps):
        deadline = time.monotonic() + PACE_SECONDS
        while time.monotonic() < deadline:  # the reviewer looks at the image meanwhile
            root.update()
            time.sleep(0.002)
        paced.append(key_to_image(panel, "Return"))
    for _ in range(steps):
        back_to_back.append(key_to_image(panel, "Return"))
    for _ in range(min(steps, 3)):  # going back shows images kept after they were shown
        back.append(key_to_image(panel, "BackSpace"))
    print(f"{len(window.rows)} files, {len(panel.review.queue)} rows in the review")
    print(summary("Enter, a key every 150 ms", paced))
    print(summary("Enter, back to back", back_to_back))
    print(summary("Backspace (back one)", back))
    app.close()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300, help="files in the folder (default 300)")
    sys.exit(main(parser.parse_args().count))
