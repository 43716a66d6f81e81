"""Screenshot of review mode: a folder of real MNIST test digits classified, then reviewed least sure first.

Run under a virtual display (uses the bundled model, MNIST from $DIGITPAD_MNIST, a temporary user data folder):
    xvfb-run -a -s '-screen 0 1280x1024x24' .venv/bin/python tests/bench/screenshot_review.py [assets/screenshot-review.png]
The folder holds the MNIST test digits the model is least sure of among the first 2,000 and some it reads
easily; the review accepts the right answers, corrects the first wrong one (to MNIST's label) and stops on the
next wrong one, the right answer typed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import tkinter as tk
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPOSITORY))
DATA = tempfile.TemporaryDirectory(prefix="digitpad-screenshot-review-")
os.environ["DIGITPAD_DATA_DIR"] = DATA.name

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from tests.bench.bench_review import UPSCALE, pump  # noqa: E402
from tests.bench.screenshot_gui import wrapper_window  # noqa: E402
from tests.data_paths import MNIST  # noqa: E402

DEFAULT_OUTPUT = REPOSITORY / "assets" / "screenshot-review.png"
WINDOW_SIZE = "1000x720"  # the window's own size: the review grows it if it must
SEARCHED = 2000
UNSURE = 12
EASY = 60


def make_folder(folder: Path, predictor) -> dict[str, int]:
    """The least sure digits and some easy ones, as PNG files; returns their MNIST labels by file name."""
    with np.load(MNIST) as data:
        images, labels = data["x_test"][:SEARCHED], data["y_test"][:SEARCHED]
    confidences = predictor.predict_inputs(images.astype(np.float32) / 255.0).max(axis=1)
    order = np.argsort(confidences)
    chosen = list(order[:UNSURE]) + list(order[-EASY:])
    folder.mkdir(parents=True)
    names = {}
    for index in chosen:
        name = f"scan-{index:04d}.png"
        Image.fromarray(255 - np.kron(images[index], np.ones((UPSCALE, UPSCALE), np.uint8))).save(folder / name)
        names[name] = int(labels[index])
    return names


def main(output: Path) -> int:
    from digitpad.gui.app import DigitpadApp  # noqa: PLC0415
    from digitpad.inference.predictor import KerasPredictor  # noqa: PLC0415

    predictor = KerasPredictor()
    predictor.load()
    folder = Path(DATA.name) / "form-scans"
    labels = make_folder(folder, predictor)
    root = tk.Tk(className="digitpad")
    app = DigitpadApp(root, predictor, settings_path=Path(DATA.name) / "settings.json")
    root.update()
    app.start_loading_model()
    pump(root, lambda: app.model_state != "loading", timeout=120)
    app.classify_folder(folder)
    window = app.batch_window
    window.geometry(WINDOW_SIZE)
    pump(root, lambda: window.is_complete, timeout=120)
    window.start_review()
    panel = window.review_panel
    panel.focus_force()
    review = panel.review
    corrected = 0
    while review.current is not None:  # accept right answers, correct one wrong one, stop typing the next
        pump(root, lambda: panel.shown_index == review.current)
        row = review.rows[review.current]
        truth = str(labels[Path(row.path).name])
        if truth != row.digit and corrected:
            panel.event_generate("<KeyPress>", keysym=truth)  # the user is typing the right answer
            break
        corrected += truth != row.digit
        for key in ([truth] if truth != row.digit else []) + ["Return"]:
            panel.event_generate("<KeyPress>", keysym=key)
            root.update()
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline:
        root.update()
        time.sleep(0.01)
    subprocess.run(["import", "-window", wrapper_window(window.winfo_id()), str(output)], check=True)
    print(f"{output}: {panel.counter_label.cget('text')}; showing {Path(review.rows[review.current].path).name}")
    app.close()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", type=Path, default=DEFAULT_OUTPUT)
    sys.exit(main(parser.parse_args().output))
