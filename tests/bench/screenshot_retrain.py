"""Screenshots of teaching and retraining: the corrections row under an answer, and a real retrain's result window.

Run under a virtual display (uses the bundled model, MNIST from $DIGITPAD_MNIST, a temporary user data folder):
    xvfb-run -a -s '-screen 0 1280x1024x24' .venv/bin/python tests/bench/screenshot_retrain.py OUTPUT_FOLDER
Writes OUTPUT_FOLDER/teach.png and OUTPUT_FOLDER/retrain.png. The synthetic user writes with a strong slant
(tests/synthetic_user.py), so the fine-tune has something to learn.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import tkinter as tk
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPOSITORY))
DATA = tempfile.TemporaryDirectory(prefix="digitpad-screenshot-")
os.environ["DIGITPAD_DATA_DIR"] = DATA.name
os.environ.setdefault("DIGITPAD_MNIST", str(REPOSITORY.parent / "shared" / "data" / "mnist.npz"))

import numpy as np  # noqa: E402

from digitpad.gui.app import DigitpadApp  # noqa: E402
from tests.bench.screenshot_gui import template_strokes, wrapper_window  # noqa: E402
from tests.gui.gui_helpers import draw_digit, wait_until  # noqa: E402

SAMPLE_COUNT = 200
WINDOW_SIZE = "1000x760"


def settle(root: tk.Misc, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        root.update()
        time.sleep(0.01)


def add_user_samples(count: int) -> None:
    from digitpad.userdata.samples import SampleStore  # noqa: PLC0415
    from tests.synthetic_user import user_digit_indices, user_drawings  # noqa: PLC0415

    with np.load(os.environ["DIGITPAD_MNIST"]) as data:
        x_test, y_test = data["x_test"], data["y_test"]
    drawings, labels = user_drawings(x_test, y_test, user_digit_indices(len(x_test), count, seed=11))
    store = SampleStore()
    for drawing, label in zip(drawings, labels):
        store.add(drawing, int(label))


def main(output: Path) -> int:
    output.mkdir(parents=True, exist_ok=True)
    root = tk.Tk(className="digitpad")
    app = DigitpadApp(root, settings_path=Path(DATA.name) / "settings.json")
    root.geometry(WINDOW_SIZE)
    root.update()
    app.load_active_model()
    wait_until(root, lambda: app.model_state != "loading", timeout=120)
    add_user_samples(SAMPLE_COUNT)
    draw_digit(app.pad, template_strokes("4"))
    wait_until(root, lambda: app.teach_row.enabled and not app.live.is_busy, timeout=30)
    settle(root, 0.5)
    subprocess.run(["import", "-window", wrapper_window(root.winfo_id()), str(output / "teach.png")], check=True)
    app.teach_row.press(4)
    app.retrain()
    window = app.retrain_window
    window.start_fine_tune()
    wait_until(root, lambda: window.outcome is not None, timeout=600)
    print("outcome:", window.outcome, window.setup_message.cget("text"))
    settle(root, 0.5)
    subprocess.run(["import", "-window", wrapper_window(window.winfo_id()), str(output / "retrain.png")], check=True)
    app.close()
    DATA.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="digitpad-shots-"))))
