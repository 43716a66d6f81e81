"""Teaching by correction (no widgets): what on screen can become a sample, and storing it in a worker thread."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from digitpad.gui.wording import plural
from digitpad.reading.strokes import PAD_PIXELS

TEACH_HINT = "Teach: press the right digit (0\u20139) or click it"
MULTI_DIGIT_HINT = "Teach one digit at a time: clear the pad and write a single digit."
NOTHING_TO_TEACH_HINT = "Teach: write one digit (or open an image of one), then press the right digit."
WAIT_HINT = "Teach: wait for the answer, then press the right digit."
IMAGE_TAUGHT_HINT = "Saved. Open another image, or write a digit on the pad."


@dataclass(frozen=True)
class TeachSource:
    """What a correction stores: the pad's strokes (rendered at `render_side`) or an image file, and the 28x28
    input the model saw for it."""

    model_input: object
    strokes: tuple = ()
    render_side: int = PAD_PIXELS
    image_path: str | None = None

    @property
    def from_pad(self) -> bool:
        return self.image_path is None


@dataclass(frozen=True)
class TeachState:
    """Whether the digit buttons work now, and the line shown beside them."""

    enabled: bool
    hint: str


def teach_state(reading, answer_is_current: bool, pad_is_empty: bool, image_taught: bool = False) -> TeachState:
    """`reading`: the NumberReading shown (None for a hint or an error); `answer_is_current`: it answers what is
    on the pad now (or the image shown)."""
    if reading is None:
        return TeachState(False, NOTHING_TO_TEACH_HINT if pad_is_empty else WAIT_HINT)
    if image_taught:
        return TeachState(False, IMAGE_TAUGHT_HINT)
    if not answer_is_current:
        return TeachState(False, WAIT_HINT)
    if len(reading.digits) != 1:
        return TeachState(False, MULTI_DIGIT_HINT)
    return TeachState(True, TEACH_HINT)


def saved_text(label: int, count: int) -> str:
    """The status line after a correction, e.g. 'Saved as a 7 (12 samples of 7).'"""
    return f"Saved as a {label} ({plural(count, 'sample')} of {label})."


def sample_image(strokes: Sequence, side: int):
    """The pad's strokes at full resolution, dark ink on white paper (as a scan of the pad would look)."""
    from PIL import ImageOps  # noqa: PLC0415

    from digitpad.reading.strokes import render_strokes  # noqa: PLC0415

    return ImageOps.invert(render_strokes(tuple(strokes), max(PAD_PIXELS, int(side))))


def store_sample(source: TeachSource, label: int, store=None) -> tuple[object, int]:
    """Worker thread: store the sample with `label`; returns (Sample, how many samples of `label` there are now)."""
    from digitpad.userdata.samples import SampleStore  # noqa: PLC0415 - the engine, loaded off the Tk thread

    store = store or SampleStore()
    if source.from_pad:
        image = sample_image(source.strokes, source.render_side)
    else:
        from digitpad.imaging.imageio import open_image  # noqa: PLC0415

        image = open_image(source.image_path)
    sample = store.add(image, label, model_input=source.model_input, source=source.image_path)
    return sample, len(store.list(label))
