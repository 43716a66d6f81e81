"""Window benchmarks: launch-to-visible-window time, and stroke-end-to-answer latency with the real model, for
single digits and for 4-digit numbers written on the pad.

Run under a display (a virtual one is fine):
    xvfb-run -a -s '-screen 0 1280x900x24' .venv/bin/python tests/bench/bench_gui.py
Targets: window visible in about 1.5 s or less; answer within 50 ms of the debounce ending (a 4-digit number
included).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
import tkinter as tk
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPOSITORY))

WINDOW_TITLE_PATTERN = "^digitpad$"
WINDOW_TIMEOUT_SECONDS = 30
LAUNCHES = 5
STROKES = 30
NUMBERS = 20
NUMBER_LENGTH = 4
NUMBER_PEN_WIDTH = 12.0
WINDOW_TARGET_SECONDS = 1.5
ANSWER_TARGET_SECONDS = 0.050
DIGITS = ("0", "1", "2", "3", "4", "5", "6", "7 bar", "8", "9")


def launch_command() -> list[str]:
    """`python -m digitpad` once the command line opens the window, else run_app directly."""
    cli = (REPOSITORY / "digitpad" / "cli" / "main.py").read_text(encoding="utf-8")
    if "run_app" in cli:
        return [sys.executable, "-m", "digitpad"]
    return [sys.executable, "-c", "import sys; from digitpad.gui.app import run_app; sys.exit(run_app())"]


def time_to_visible_window(command: list[str]) -> float:
    """Seconds from starting the process to its window being mapped (xdotool search --sync --onlyvisible)."""
    environment = dict(os.environ, DIGITPAD_DATA_DIR=str(Path("/tmp") / "digitpad-bench-user-data"))
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPOSITORY, env=environment, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        search = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name", WINDOW_TITLE_PATTERN],
                                capture_output=True, text=True, timeout=WINDOW_TIMEOUT_SECONDS)
        elapsed = time.perf_counter() - started
        if search.returncode != 0:
            raise RuntimeError(f"window not found: {search.stderr.strip()}")
        return elapsed
    finally:
        process.terminate()
        process.wait(10)


def bench_launch(launches: int) -> None:
    if shutil.which("xdotool") is None:
        print("launch: skipped (xdotool not installed)")
        return
    command = launch_command()
    times = [time_to_visible_window(command) for _ in range(launches)]
    print(f"launch to visible window ({' '.join(command[1:3])}…, {launches} runs): "
          f"median {statistics.median(times):.2f} s, best {min(times):.2f} s, worst {max(times):.2f} s "
          f"(target <= {WINDOW_TARGET_SECONDS} s)")


def open_app_with_the_model():
    """The window with the real model loaded, or None when the model file is missing."""
    from digitpad.gui.app import DigitpadApp  # noqa: PLC0415
    from digitpad.inference.predictor import KerasPredictor  # noqa: PLC0415
    from tests.gui.gui_helpers import wait_until  # noqa: PLC0415

    model = REPOSITORY / "assets" / "model.keras"
    if not model.is_file():
        return None
    root = tk.Tk(className="digitpad")
    app = DigitpadApp(root, KerasPredictor(model), settings_path=Path("/tmp/digitpad-bench-settings-numbers.json"))
    root.update()
    app.start_loading_model()
    wait_until(root, lambda: app.model_state == "ready", timeout=60)
    return app


def bench_numbers(count: int) -> None:
    """Stroke-end-to-answer latency for 4-digit numbers: the number's last stroke ends, its reading shows."""
    import numpy as np  # noqa: PLC0415

    from digitpad.gui.main.live import DEBOUNCE_MS  # noqa: PLC0415
    from tests.gui.gui_helpers import draw_digit, number_strokes, wait_until  # noqa: PLC0415

    app = open_app_with_the_model()
    if app is None:
        print("number latency: skipped (assets/model.keras not found)")
        return
    root = app.window
    app.set_single_digit(False)
    app.toolbar.set_pen_width(NUMBER_PEN_WIDTH)
    rng = np.random.default_rng(2026)
    correct, total, after_debounce = 0, [], []
    for _ in range(count):
        text = "".join(str(digit) for digit in rng.integers(0, 10, NUMBER_LENGTH))
        shown = app.live.answers_shown
        draw_digit(app.pad, number_strokes(text, slants=(0.1, 0.05), names={"7": "7 bar"}))  # all strokes, then
        wait_until(root, lambda: app.live.answers_shown > shown and not app.live.is_busy, timeout=10, interval=0.001)
        edit_to_answer, debounce_to_answer = app.live.timings[-1]  # the answer to the last stroke
        total.append(edit_to_answer)
        after_debounce.append(debounce_to_answer)
        correct += app.answer.number_text == text
        app.clear()
    app.close()
    print(f"stroke end to answer shown, {count} numbers of {NUMBER_LENGTH} digits written on the pad "
          f"({correct} read correctly):")
    print(f"  after the {DEBOUNCE_MS} ms debounce: median {statistics.median(after_debounce) * 1000:.1f} ms, "
          f"90th percentile {statistics.quantiles(after_debounce, n=10)[-1] * 1000:.1f} ms "
          f"(target < {ANSWER_TARGET_SECONDS * 1000:.0f} ms)")
    print(f"  including the debounce: median {statistics.median(total) * 1000:.1f} ms")


def bench_answers(strokes: int) -> None:
    from digitpad.gui.app import DigitpadApp  # noqa: PLC0415
    from digitpad.gui.main.live import DEBOUNCE_MS  # noqa: PLC0415
    from digitpad.inference.predictor import KerasPredictor  # noqa: PLC0415
    from tests.gui.gui_helpers import draw_digit, wait_until  # noqa: PLC0415
    from tests.synthetic_strokes import TEMPLATES  # noqa: PLC0415

    model = REPOSITORY / "assets" / "model.keras"
    if not model.is_file():
        print(f"answer latency: skipped ({model} not found)")
        return
    predictor = KerasPredictor(model)
    started = time.perf_counter()
    predictor.load()
    print(f"model load (done in the background by the app): {time.perf_counter() - started:.2f} s")
    root = tk.Tk(className="digitpad")
    app = DigitpadApp(root, predictor, settings_path=Path("/tmp/digitpad-bench-settings.json"))
    root.update()
    app.start_loading_model()
    wait_until(root, lambda: app.model_state == "ready", timeout=60)
    correct = 0
    for index in range(strokes):
        name = DIGITS[index % len(DIGITS)]
        shown = app.live.answers_shown
        draw_digit(app.pad, [[(70 + x * 200, 40 + y * 200) for x, y in stroke] for stroke in TEMPLATES[name]])
        wait_until(root, lambda: app.live.answers_shown > shown, timeout=10, interval=0.001)
        correct += app.answer.digit_text.rstrip("?") == name[0]
        app.clear()
    total = [edit_to_answer for edit_to_answer, _ in app.live.timings]
    after_debounce = [debounce_to_answer for _, debounce_to_answer in app.live.timings]
    app.close()
    print(f"stroke end to answer shown, {len(total)} digits ({correct} read correctly):")
    print(f"  after the {DEBOUNCE_MS} ms debounce: median {statistics.median(after_debounce) * 1000:.1f} ms, "
          f"90th percentile {statistics.quantiles(after_debounce, n=10)[-1] * 1000:.1f} ms "
          f"(target < {ANSWER_TARGET_SECONDS * 1000:.0f} ms)")
    print(f"  including the debounce: median {statistics.median(total) * 1000:.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--launches", type=int, default=LAUNCHES)
    parser.add_argument("--strokes", type=int, default=STROKES)
    parser.add_argument("--numbers", type=int, default=NUMBERS, help="4-digit numbers written (0 to skip)")
    arguments = parser.parse_args()
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
        print("no $DISPLAY: run under xvfb-run", file=sys.stderr)
        return 2
    bench_launch(arguments.launches)
    bench_answers(arguments.strokes)
    if arguments.numbers:
        bench_numbers(arguments.numbers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
