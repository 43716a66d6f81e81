"""What the answer panel says about a prediction: wording, certainty and the model's-eye picture (no widgets)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PIL import Image

if TYPE_CHECKING:
    import numpy as np

LOW_CONFIDENCE_THRESHOLD = 0.6
MODEL_VIEW_SCALE = 4
DIGIT_COUNT = 10
EMPTY_PAD_HINT = "Draw a digit (0-9) on the pad:\nthe answer appears when you lift the pen."
LOADING_HINT = "Loading the model…\nYou can start drawing meanwhile."
UNCERTAIN_WORDING = "not sure"


@dataclass(frozen=True)
class AnswerText:
    """The words shown for one prediction."""

    digit_text: str
    confidence_text: str
    is_uncertain: bool


def is_uncertain(confidence: float) -> bool:
    return confidence < LOW_CONFIDENCE_THRESHOLD


def format_percent(value: float) -> str:
    """0.987 -> '98.7%', 1.0 -> '100%', tiny values -> '<0.1%'."""
    percent = value * 100.0
    if percent >= 99.95:
        return "100%"
    if 0 < percent < 0.05:
        return "<0.1%"
    return f"{percent:.1f}%"


def describe(digit: int, confidence: float) -> AnswerText:
    """The big digit, its confidence line, and whether to show it as uncertain."""
    if is_uncertain(confidence):
        return AnswerText(f"{digit}?", f"{format_percent(confidence)} \u2013 {UNCERTAIN_WORDING}", True)
    return AnswerText(str(digit), f"{format_percent(confidence)} sure", False)


def model_view_image(model_input: np.ndarray | None, scale: int = MODEL_VIEW_SCALE) -> Image.Image:
    """The 28x28 model input as a grayscale picture, enlarged with nearest-neighbour (black when None)."""
    if model_input is None:
        return Image.new("L", (28 * scale, 28 * scale), 0)
    import numpy as np  # noqa: PLC0415 - not needed to open the window

    pixels = np.clip(np.asarray(model_input, dtype=np.float32), 0.0, 1.0)
    image = Image.fromarray((pixels * 255.0 + 0.5).astype(np.uint8))
    return image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)


def thumbnail(image: Image.Image, side: int) -> Image.Image:
    """A copy of `image` fitting in a side x side square, in RGB, keeping its aspect ratio."""
    copy = image.convert("RGBA") if image.mode in ("P", "LA", "PA") else image.copy()
    if copy.mode == "RGBA":
        background = Image.new("RGB", copy.size, (255, 255, 255))
        background.paste(copy, mask=copy.getchannel("A"))
        copy = background
    elif copy.mode not in ("RGB", "L"):
        copy = copy.convert("RGB")
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    return copy
