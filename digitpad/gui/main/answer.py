"""What the answer panel says about a digit or a number read (no widgets).

Its wording and certainty, the model's-eye picture and the layout of the per-digit strip.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from PIL import Image

from digitpad.gui.wording import format_percent, is_uncertain

if TYPE_CHECKING:
    import numpy as np

MODEL_VIEW_SCALE = 4
DIGIT_COUNT = 10
EMPTY_PAD_HINT = ("Write a digit, or a number like 2026 (digits side by side), on the pad:\n"
                  "the answer appears when you lift the pen.")
SINGLE_DIGIT_PAD_HINT = ("Draw one digit (0-9) on the pad:\nthe answer appears when you lift the pen.\n"
                         "(Model > Read single digits only is on.)")
LOADING_HINT = "Loading the model…\nYou can start drawing meanwhile."
UNCERTAIN_WORDING = "not sure"
WRITING_ADVICE = " Try writing it bigger or clearer."
"""Follows an unsure answer's runner-up where the user writes (not where the user reviews others' writing)."""


@dataclass(frozen=True)
class AnswerText:
    """The words shown for one prediction."""

    digit_text: str
    confidence_text: str
    is_uncertain: bool


def describe(digit: int, confidence: float) -> AnswerText:
    """The big digit, its confidence line, and whether to show it as uncertain."""
    if is_uncertain(confidence):
        return AnswerText(f"{digit}?", f"{format_percent(confidence)} \u2013 {UNCERTAIN_WORDING}", True)
    return AnswerText(str(digit), f"{format_percent(confidence)} sure", False)


@dataclass(frozen=True)
class NumberText:
    """The words shown for a number read digit by digit."""

    digits: tuple[AnswerText, ...]
    """Each digit's own words: '6' or '6?', and its confidence."""
    marked_text: str
    """The number with '?' after each uncertain digit ('20?26')."""
    confidence_text: str
    hint: str
    """What to do about the least confident digit, or '' when every digit is certain."""
    is_uncertain: bool


def describe_number(predictions: Sequence) -> NumberText:
    """Words for several digits (Predictions, left to right): the number, how sure, and a hint when unsure."""
    digits = tuple(describe(prediction.digit, prediction.confidence) for prediction in predictions)
    least = min(range(len(predictions)), key=lambda index: predictions[index].confidence)
    lowest = predictions[least].confidence
    unsure = sum(answer.is_uncertain for answer in digits)
    count = len(digits)
    hint = ""
    if unsure:
        confidence_text = (f"{unsure} of {count} digits \u2013 {UNCERTAIN_WORDING}" if unsure > 1
                           else f"Digit {least + 1} of {count}: {format_percent(lowest)} \u2013 {UNCERTAIN_WORDING}")
        second_digit, second_probability = predictions[least].top(2)[1]
        hint = f"Digit {least + 1} may be a {second_digit} ({format_percent(second_probability)}).{WRITING_ADVICE}"
    elif format_percent(lowest) == "100%":
        confidence_text = f"{count} digits, all 100% sure"
    else:
        confidence_text = f"{count} digits, each \u2265 {format_percent(lowest)} sure"
    return NumberText(digits, "".join(answer.digit_text for answer in digits), confidence_text, hint, bool(unsure))


# The per-digit strip: each digit's model's-eye view, its answer and confidence, in rows under the number.
STRIP_WIDTH = 270
"""Pixels the strip may take at 96 dpi (as wide as the probability bars it replaces)."""
STRIP_CELL_PADDING = 4
"""Pixels around each cell's picture (its border and the gap to the next cell)."""


def strip_scale(count: int) -> int:
    """How much the 28x28 views are enlarged for `count` digits: big for a few, small for many."""
    return 3 if count <= 3 else 2 if count <= 8 else 1


def strip_rows(count: int, scale: int, width: int = STRIP_WIDTH, minimum_cell: int = 0,
               cell_padding: int = STRIP_CELL_PADDING) -> list[int]:
    """How many cells go in each row of the strip: as few rows as fit `width`, filled evenly. A cell is as wide
    as its enlarged view, or `minimum_cell` pixels (its text) if that is wider."""
    if count <= 0:
        return []
    per_row = max(1, width // (max(28 * scale, minimum_cell) + 2 * cell_padding))
    rows = -(-count // per_row)
    base, extra = divmod(count, rows)
    return [base + 1 if row < extra else base for row in range(rows)]


def model_view_image(model_input: np.ndarray | None, scale: int = MODEL_VIEW_SCALE) -> Image.Image:
    """The 28x28 model input as a grayscale picture, enlarged with nearest-neighbour (black when None)."""
    if model_input is None:
        return Image.new("L", (28 * scale, 28 * scale), 0)
    import numpy as np  # noqa: PLC0415 - not needed to open the window

    pixels = np.clip(np.asarray(model_input, dtype=np.float32), 0.0, 1.0)
    image = Image.fromarray((pixels * 255.0 + 0.5).astype(np.uint8))
    return image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)


def thumbnail(image: Image.Image, side: int, width: int | None = None) -> Image.Image:
    """A copy of `image` fitting in a side x side square (width x side with `width`), in RGB or L, keeping its aspect
    ratio: a bigger picture shrunk smoothly; one at most half as big enlarged a whole number of times, each pixel a
    square block (an 8x8 or 28x28 file's digit stays visible and its pixels crisp, as the model's view shows its
    input)."""
    copy = image.convert("RGBA") if image.mode in ("P", "LA", "PA") else image.copy()
    if copy.mode == "RGBA":
        background = Image.new("RGB", copy.size, (255, 255, 255))
        background.paste(copy, mask=copy.getchannel("A"))
        copy = background
    elif copy.mode not in ("RGB", "L"):
        copy = copy.convert("RGB")
    box_width = width or side
    factor = min(box_width // max(copy.width, 1), side // max(copy.height, 1))
    if factor >= 2:
        return copy.resize((copy.width * factor, copy.height * factor), Image.Resampling.NEAREST)
    copy.thumbnail((box_width, side), Image.Resampling.LANCZOS)
    return copy
