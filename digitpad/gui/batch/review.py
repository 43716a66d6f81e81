"""Reviewing a folder's results (no widgets): which rows to look at and in what order, the keys, the verdicts, the samples.

The rows under a confidence threshold (and those with errors) are reviewed least confident first. Enter or Space
accepts the answer shown; digits typed replace it (one key per image in single-digit mode, else Enter ends the
number); Backspace erases a typed digit, or goes back one image; Escape forgets what was typed, or leaves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from digitpad.folders.results import ACCEPTED, CORRECTED, NOT_REVIEWED, ReviewedRow
from digitpad.gui.batch.table_data import sort_key
from digitpad.gui.wording import LOW_CONFIDENCE_THRESHOLD, format_percent, plural

DEFAULT_THRESHOLD = 0.90
"""Review every answer less sure than this (and every error)."""
MAXIMUM_TYPED_DIGITS = 40

# What a key press did, for the window to show.
TYPED, COMMITTED, ERASED, WENT_BACK, CLEARED, LEAVE, NOTHING = (
    "typed", "committed", "erased", "went back", "cleared", "leave", "nothing")
DIGIT_KEYSYM = re.compile(r"^(?:KP_)?([0-9])$")
ACCEPT_KEYSYMS = frozenset({"Return", "KP_Enter", "space"})


def review_order(rows: Sequence, threshold: float, skip: frozenset[int] = frozenset()) -> list[int]:
    """Indices of the rows to review: errors first, then answers under `threshold` (all of them at 100%), least
    confident first; rows in `skip` (their images are missing) never."""
    everything = threshold >= 1.0
    chosen = [index for index, row in enumerate(rows) if index not in skip
              and (everything or row.error or row.confidence is None or row.confidence < threshold)]
    key = sort_key("confidence")  # the table's order: no confidence (an error) first
    return sorted(chosen, key=lambda index: key(rows[index]))


def parse_threshold(text: str) -> float | None:
    """'90', '90%' or '87.5' (percent) -> 0.9, 0.875; None when it is not a percentage from 1 to 100."""
    try:
        value = float(text.strip().rstrip("%").strip())
    except ValueError:
        return None
    return value / 100.0 if 1.0 <= value <= 100.0 else None


@dataclass(frozen=True)
class Change:
    """A verdict given: the row, what it was before (None if never reviewed) and after."""

    index: int
    before: ReviewedRow | None
    after: ReviewedRow


class Review:
    """The review of one set of rows: the queue, where the user is, what was typed, every verdict given.

    `verdicts` holds only rows a user reviewed (here or in a CSV read back); the others keep the model's answer.
    """

    def __init__(self, rows: Sequence, threshold: float = DEFAULT_THRESHOLD, skip: Sequence[int] = (),
                 verdicts: dict[int, ReviewedRow] | None = None, single_digit: bool = False):
        self.rows = rows
        self.skip = frozenset(skip)
        self.single_digit = single_digit
        """One key per image: a digit typed is the answer at once (for rows read as one digit)."""
        self.verdicts: dict[int, ReviewedRow] = verdicts if verdicts is not None else {}
        """Shared with the caller when given (the table shows them)."""
        self.typed = ""
        self.unexported = False
        """Verdicts were given since the last export (closing would lose them)."""
        self.threshold = threshold
        self.queue: list[int] = []
        self.position = 0
        self.set_threshold(threshold)

    # -- where we are -----------------------------------------------------------------------------------------
    @property
    def current(self) -> int | None:
        """The row shown now, or None once every row in the queue is reviewed (or there is none)."""
        return self.queue[self.position] if self.position < len(self.queue) else None

    @property
    def finished(self) -> bool:
        return self.current is None

    def upcoming(self, count: int) -> list[int]:
        """The rows after the current one (the next to show), at most `count`."""
        return self.queue[self.position + 1:self.position + 1 + count]

    def answer(self, index: int) -> str:
        """The answer a row has now: the verdict's, else the model's."""
        verdict = self.verdicts.get(index)
        return verdict.digit if verdict is not None else self.rows[index].digit

    def state(self, index: int) -> str:
        verdict = self.verdicts.get(index)
        return verdict.reviewed if verdict is not None else NOT_REVIEWED

    def set_threshold(self, threshold: float) -> None:
        """Review everything under `threshold`; verdicts are kept, and the review goes on at the first row of the
        new queue not reviewed yet."""
        self.threshold = threshold
        self.queue = review_order(self.rows, threshold, self.skip)
        self.typed = ""
        self.position = next((position for position, index in enumerate(self.queue) if index not in self.verdicts),
                             len(self.queue))

    # -- counts -----------------------------------------------------------------------------------------------
    @property
    def reviewed_count(self) -> int:
        """Rows of the queue reviewed."""
        return sum(index in self.verdicts for index in self.queue)

    @property
    def corrected_count(self) -> int:
        """Rows corrected (in the queue or not: a correction stays when the threshold moves)."""
        return sum(verdict.reviewed == CORRECTED for verdict in self.verdicts.values())

    def counter_text(self) -> str:
        """'38 of 350 reviewed, 9 corrected'."""
        return f"{self.reviewed_count:,} of {len(self.queue):,} reviewed, {self.corrected_count:,} corrected"

    def threshold_text(self) -> str:
        return f"Review everything under {format_percent(self.threshold)}"

    # -- keys -------------------------------------------------------------------------------------------------
    def press(self, keysym: str) -> tuple[str, Change | None]:
        """Apply one key (a Tk keysym); returns what it did and, when a verdict was given, the Change."""
        digit = DIGIT_KEYSYM.match(keysym)
        if digit is not None:
            if self.finished:
                return NOTHING, None
            if self.single_digit and not self.typed and len(self.rows[self.current].digit) <= 1:
                return COMMITTED, self.commit(digit.group(1))
            if len(self.typed) < MAXIMUM_TYPED_DIGITS:
                self.typed += digit.group(1)
            return TYPED, None
        if keysym in ACCEPT_KEYSYMS:
            change = self.commit()
            return (COMMITTED, change) if change is not None else (NOTHING, None)
        if keysym == "BackSpace":
            if self.typed:
                self.typed = self.typed[:-1]
                return ERASED, None
            return (WENT_BACK, None) if self.back() else (NOTHING, None)
        if keysym == "Escape":
            if self.typed:
                self.typed = ""
                return CLEARED, None
            return LEAVE, None
        return NOTHING, None

    def commit(self, typed: str | None = None) -> Change | None:
        """The current row gets the answer typed (else the one shown); then on to the next row."""
        index = self.current
        if index is None:
            return None
        answer = typed if typed is not None else (self.typed or self.answer(index))
        state = ACCEPTED if answer == self.rows[index].digit else CORRECTED
        before = self.verdicts.get(index)
        after = ReviewedRow(self.rows[index], answer, state)
        self.verdicts[index] = after
        self.typed = ""
        self.position += 1
        self.unexported = self.unexported or before != after
        return Change(index, before, after)

    def back(self) -> bool:
        """Back one row (its verdict stays until it is given again); False at the first row."""
        if self.position == 0:
            return False
        self.typed = ""
        self.position -= 1
        return True


def reviewed_rows(rows: Sequence, verdicts: dict[int, ReviewedRow]) -> list[ReviewedRow]:
    """Every row, in arrival order, with its answer now and its review state (what Export CSV writes)."""
    return [verdicts.get(index) or ReviewedRow.unreviewed(row) for index, row in enumerate(rows)]


# -- what is shown ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReviewItem:
    """One row ready to show: its picture (fitted to the review's size; None if unreadable), what the model reads
    in it now (a NumberReading, or None) and why not."""

    image: object | None
    reading: object | None
    error: str = ""


def load_item(path: str, predictor, single_digit: bool, side: int) -> ReviewItem:
    """Worker thread: read one image the way the batch read it, and fit it in a `side` square for showing."""
    from PIL.Image import LANCZOS  # noqa: PLC0415

    from digitpad.gui.main.answer import thumbnail  # noqa: PLC0415 - PIL only
    from digitpad.gui.main.files import read_and_predict  # noqa: PLC0415

    answer = read_and_predict(path, predictor, single_digit)
    image = None
    if answer.image is not None:
        image = thumbnail(answer.image, side)  # RGB or L, at most side x side
        if max(image.size) < side:  # a small scan is enlarged: the point is to see it well
            scale = side / max(image.size)
            image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                                 LANCZOS)
    return ReviewItem(image, answer.reading, "" if answer.error is None else str(answer.error))


def reads_single_digit(row, single_digit: bool) -> bool:
    """Whether to read a row's image as one digit: in single-digit mode, unless its answer is a longer number
    (a CSV made in the other mode)."""
    return single_digit and len(row.digit) <= 1


# -- corrections that teach -----------------------------------------------------------------------------------
def teaching_labels(reading, answer: str) -> list[int]:
    """The digit each piece the model read should have been: one per piece when the answer has as many digits
    as the reading has pieces (a single digit, or a number cut right), else none (nothing to learn from)."""
    if reading is None or not answer.isdigit() or len(answer) != len(reading.digits):
        return []
    return [int(digit) for digit in answer]


def should_teach(change: Change, keep_accepted: bool) -> bool:
    """Corrections teach; accepted answers that were unsure teach too when the user chose so."""
    if change.after.reviewed == CORRECTED:
        return True
    confidence = change.after.row.confidence
    return keep_accepted and confidence is not None and confidence < LOW_CONFIDENCE_THRESHOLD


def store_correction(image_path: str, reading, answer: str, store=None) -> list[str]:
    """Worker thread: save what the user said the image shows as samples (with their source path); returns
    the sample ids. One digit keeps the whole image; each digit of a number keeps the piece the model saw."""
    from digitpad.imaging.imageio import open_image  # noqa: PLC0415 - the engine, loaded off the Tk thread
    from digitpad.userdata.samples import SampleStore  # noqa: PLC0415

    labels = teaching_labels(reading, answer)
    if not labels:
        return []
    store = store or SampleStore()
    if len(labels) == 1:
        prediction = reading.digits[0]
        return [store.add(open_image(image_path), labels[0], model_input=prediction.model_input,
                          source=image_path).sample_id]
    return [store.add(1.0 - prediction.model_input, label, model_input=prediction.model_input,
                      source=image_path).sample_id
            for prediction, label in zip(reading.digits, labels)]


def retrain_offer_text(count: int) -> str:
    """'Retrain with 9 corrections'."""
    return f"Retrain with {plural(count, 'correction')}"
