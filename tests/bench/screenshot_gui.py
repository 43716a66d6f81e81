"""Draw a digit (or a number) in the real window and save a screenshot of it (assets/screenshot.png by default).

Run under a virtual display:
    xvfb-run -a -s '-screen 0 1280x900x24' .venv/bin/python tests/bench/screenshot_gui.py [output.png]
    xvfb-run -a -s '-screen 0 1280x900x24' .venv/bin/python tests/bench/screenshot_gui.py \
        assets/screenshot-number.png --number 2026
    xvfb-run -a -s '-screen 0 1920x1080x24 -dpi 144' .venv/bin/python tests/bench/screenshot_gui.py \
        assets/screenshot-hidpi.png --number 2026    # a 150% screen: the window is sized for it
Uses the bundled model when assets/model.keras exists, else a stand-in predictor (layout checks only).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
import tkinter as tk
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPOSITORY))

from digitpad.gui.app import DigitpadApp  # noqa: E402
from tests.gui.gui_helpers import FakePredictor, draw_digit, number_strokes, wait_until  # noqa: E402
from tests.synthetic_strokes import TEMPLATES  # noqa: E402

DEFAULT_OUTPUT = REPOSITORY / "assets" / "screenshot.png"
DIGIT_TEMPLATE = "4"
DIGIT_BOX = (70.0, 40.0, 200.0)  # left, top, height in pad units
NUMBER_HEIGHT = 88.0  # pad units per digit of a number: four digits side by side fill the pad
NUMBER_GAP = 12.0
NUMBER_PEN_WIDTH = 13.0
NUMBER_SLANTS = (0.12, 0.08)  # a little slant, like handwriting


def template_strokes(name: str) -> list[list[tuple[float, float]]]:
    left, top, height = DIGIT_BOX
    return [[(left + x * height, top + y * height) for x, y in stroke] for stroke in TEMPLATES[name]]


def wrapper_window(window_id: int) -> str:
    """The X window holding the toplevel and its menu bar (the toplevel's parent)."""
    tree = subprocess.run(["xwininfo", "-tree", "-id", str(window_id)], capture_output=True, text=True).stdout
    match = re.search(r"Parent window id: (0x[0-9a-f]+)", tree)
    return match.group(1) if match and "(the root window)" not in match.group(0) else str(window_id)


def main(output: Path, number: str | None = None, image: Path | None = None) -> int:
    model = REPOSITORY / "assets" / "model.keras"
    if model.is_file():
        from digitpad.inference.predictor import KerasPredictor  # noqa: PLC0415

        predictor = KerasPredictor(model)
    else:
        print(f"{model} missing: using a stand-in predictor", file=sys.stderr)
        predictor = FakePredictor(digit=4, confidence=0.97)
    root = tk.Tk(className="digitpad")
    settings_folder = tempfile.TemporaryDirectory(prefix="digitpad-screenshot-")  # default settings every time
    app = DigitpadApp(root, predictor, settings_path=Path(settings_folder.name) / "settings.json")
    root.geometry("")  # the window's own size: the pad as tall as the answer column, at any screen scale
    root.update()
    app.start_loading_model()
    wait_until(root, lambda: app.model_state != "loading", timeout=120)
    if image is not None:
        app.open_image(image)
    elif number:
        app.toolbar.set_pen_width(NUMBER_PEN_WIDTH)
        draw_digit(app.pad, number_strokes(number, NUMBER_HEIGHT, NUMBER_GAP, slants=NUMBER_SLANTS))
    else:
        draw_digit(app.pad, template_strokes(DIGIT_TEMPLATE))
    wait_until(root, lambda: app.answer.state in ("certain", "uncertain") and not app.live.is_busy, timeout=30)
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline:
        root.update()
        time.sleep(0.01)
    target = wrapper_window(root.winfo_id())
    subprocess.run(["import", "-window", target, str(output)], check=True)
    print(f"{output}: answer {app.answer.digit_text} ({app.answer.confidence_text})")
    app.close()
    settings_folder.cleanup()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--number", help="write these digits side by side instead of one digit")
    parser.add_argument("--image", type=Path, help="open this image instead of writing on the pad")
    arguments = parser.parse_args()
    sys.exit(main(arguments.output, arguments.number, arguments.image))
