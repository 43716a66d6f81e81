"""Split the soft ink map of a written number into one ink map per digit, left to right (pure functions).

Pieces of ink (connected components; a component wide enough to be touching digits is also sliced at
candidate cuts) are put in left-to-right order, and a candidate digit is a run of neighbouring pieces
with a digit's geometry. The caller scores candidates (a classifier's probabilities) and
`Segmentation.choose` picks the runs that cover the ink with the best total: the sum of
log(plausibility), minus a penalty per digit and per cut through connected ink. When all the ink read as
one digit is plausible enough (`whole_is_settled`), no other reading could win: nothing else needs cutting
or scoring, so a single digit costs what reading it alone costs, and reads the same (`choose_digits`).

Ink no wider than a digit (`is_lone`) is also scored as one digit even when its pieces could not be one
(a 4 drawn as "l1", a 6 with a scratch beside it): a reading of several digits must then beat that one
digit by the evidence of a boundary between each two of them (see LONE_MAXIMUM_ASPECT).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Sequence

import numpy as np
from scipy import ndimage

from digitpad.imaging.ink import NoDigitError
from digitpad.imaging.preprocess import crop_to_ink
from digitpad.reading.cuts import slice_indices
from digitpad.reading.digit_shape import digit_shape_fit, plausibility

# Ink pixels (soft ink above this level) that touch, diagonals included, are one connected component.
INK_LEVEL = 0.5
CONNECTIVITY = np.ones((3, 3), dtype=bool)
# A component shorter than this share of the tallest one is part of a digit (a 5's bar, a 7's cross-bar,
# a broken stroke), never a digit of its own.
FRAGMENT_HEIGHT_FRACTION = 0.45
# A component wider than this times its height may be touching digits: it is also sliced at candidate cuts.
SPLIT_ASPECT = 0.8
# Separate pieces are one digit only if together they are at most this wide (times the taller of their
# own height and the tallest component), or no wider than a whole component among them ...
MAXIMUM_DIGIT_ASPECT = 1.6
# ... no column gap between them is wider than this (times the same height) ...
MAXIMUM_GAP_FRACTION = 0.3
# ... and no two tall ones are side by side: sharing less than MINIMUM_STACKED_OVERLAP of the narrower
# one's columns and at least SIDE_BY_SIDE_ROWS of the shorter one's rows (pieces of a broken digit sit
# above one another, or overlap; two digits sit side by side).
MINIMUM_STACKED_OVERLAP = 0.3
SIDE_BY_SIDE_ROWS = 0.5
# Runs of more pieces than this are candidates only when they are whole components.
MAXIMUM_PIECES_PER_DIGIT = 8
# Reading score = sum over its digits of log(plausibility), minus SPLIT_PENALTY per digit, minus the
# context's cut penalty per cut through connected ink, minus SKIP_PENALTY per small piece left out.
SPLIT_PENALTY = 0.5
SKIP_PENALTY = 2.0
MINIMUM_PLAUSIBILITY = 1e-6
# Lone ink: all of it no wider than this times its height, a digit's shape (two digits side by side are
# nearly always wider). Read as several digits, it must beat the whole read as one digit (scored like a
# digit alone) by, at each boundary between two neighbouring digits of the reading,
#     LONE_HEIGHT_WEIGHT * (LONE_HEIGHT_RATIO - shorter / taller height)
#     + LONE_ASPECT_WEIGHT * log(LONE_MAXIMUM_ASPECT / aspect of all the ink).
# Digits of a number are of like height, so a boundary beside a clearly shorter piece (a 4's arm, a
# scratch beside a 6) needs far surer parts, and like heights count for the split; the narrower the ink,
# the likelier one digit. Fitted on the MNIST digits (test and training sets) read as two without this rule,
# against 3,000 synthetic 2-digit numbers. With it, no MNIST test digit is split and 10 of the 60,000
# training digits are (wider than this, or in parts of like height); of 3,200 other synthetic 2-digit
# numbers, 4 are read as one digit (a "15" with a small 5 read as "6"); longer numbers are rarely that narrow.
LONE_MAXIMUM_ASPECT = 1.2
LONE_HEIGHT_RATIO = 0.65
LONE_HEIGHT_WEIGHT = 20.0
LONE_ASPECT_WEIGHT = 4.0
# Two holes side by side (as _side_by_side tells for digits: an 8's slanted loops are stacked), each at least
# HOLE_MINIMUM_SIDE (times the ink's height) across, are two digits however the network reads the whole: no digit
# has them (an 8's are stacked); zeros joined in one movement ("00", "000") do. Ink narrower than HOLE_MINIMUM_ASPECT
# times its height is not searched. The ink must also narrow between them, to less than HOLE_WAIST of the taller
# hole's height in some column: a slashed zero's two holes, or a zero's drawn twice, are parted by one stroke inside
# a whole outline, which spans more than either hole in every column between them.
HOLE_MINIMUM_SIDE = 0.12
HOLE_MINIMUM_ASPECT = 0.9
HOLE_WAIST = 0.9

Scorer = Callable[[Sequence[np.ndarray]], np.ndarray]
"""Candidate ink maps -> per candidate, its (10,) digit probabilities (or one confidence in (0, 1])."""


@dataclass(frozen=True)
class Context:
    """How readings are scored: cutting through ink, and a digit's unusual shape, cost more for lone ink."""

    cut_penalty: float
    free_aspect_deviations: float


# Several tall components: a number. Touching digits are common, and a digit about twice as wide as its
# kind is two digits.
IN_NUMBER = Context(cut_penalty=0.0, free_aspect_deviations=1.0)
# One tall component (and maybe small bits): most likely one digit, however wide or odd. The cut penalty keeps
# a digit twice as wide as tall whole even when the network reads its slices confidently (MNIST test digit
# 3,520, a flat 6, with the network that reads the world's styles; 2.0 split it): the same 300 touching
# 2-digit numbers lose one reading (86.0% -> 85.7% whole), 4 and 6 digits and spaced numbers none.
ALONE = Context(cut_penalty=3.0, free_aspect_deviations=2.0)


@dataclass(frozen=True)
class Piece:
    """A connected component of ink, or a slice of one: its box (end-exclusive) and its component."""

    top: int
    bottom: int
    left: int
    right: int
    component: int
    is_slice: bool = False

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def centre(self) -> float:
        return (self.left + self.right) / 2.0


@dataclass(frozen=True)
class Components:
    """The connected components of an ink map: a label map (0 = paper), their boxes, and a summary."""

    labels: np.ndarray
    boxes: tuple[Piece, ...]
    tallest: int
    main: frozenset[int]
    """The components tall enough to be (part of) a digit, not a fragment of one."""
    aspect: float
    """Width / height of the box around all the ink."""

    @property
    def context(self) -> Context:
        return IN_NUMBER if len(self.main) > 1 else ALONE

    @cached_property
    def has_holes_side_by_side(self) -> bool:
        return self.aspect >= HOLE_MINIMUM_ASPECT and holes_side_by_side(self.labels > 0)

    @property
    def is_lone(self) -> bool:
        """Is all the ink no wider than a digit (LONE_MAXIMUM_ASPECT)?"""
        return self.aspect <= LONE_MAXIMUM_ASPECT


def find_components(ink: np.ndarray) -> Components:
    """Label the ink's connected components. Raises NoDigitError when there is no ink."""
    labels, count = ndimage.label(ink > INK_LEVEL, structure=CONNECTIVITY)
    if count == 0:
        raise NoDigitError()
    boxes = tuple(Piece(rows.start, rows.stop, columns.start, columns.stop, component)
                  for component, (rows, columns) in enumerate(ndimage.find_objects(labels, count), start=1))
    if count == 1:
        box = boxes[0]
        return Components(labels, boxes, box.height, frozenset((1,)), (box.right - box.left) / box.height)
    tallest = max(box.height for box in boxes)
    main = frozenset(box.component for box in boxes if box.height >= FRAGMENT_HEIGHT_FRACTION * tallest)
    return Components(labels, boxes, tallest, main, _aspect(boxes))


def whole_is_candidate(components: Components) -> bool:
    """Could all the ink be one digit? Always for one component; for several, if their union is."""
    return len(components.boxes) == 1 or _is_plausible_digit(components.boxes, _Layout.of(components, components.boxes))


def settled_plausibility(components: Components) -> float:
    """The plausibility above which reading all the ink as one digit beats every other reading.

    Plausibilities are at most 1, so the whole scores log(plausibility) - SPLIT_PENALTY, while a reading
    of k >= 2 digits scores at most -k * SPLIT_PENALTY (less a cut penalty per cut: one component can
    only be read as several digits by cutting it), and one that leaves a piece out at most
    -SPLIT_PENALTY - SKIP_PENALTY.
    """
    if len(components.boxes) == 1:
        return math.exp(-(SPLIT_PENALTY + components.context.cut_penalty))
    return math.exp(-min(SPLIT_PENALTY, SKIP_PENALTY))


def holes_side_by_side(mask: np.ndarray) -> bool:
    """Does this ink (a boolean map) enclose two holes side by side (see HOLE_MINIMUM_SIDE)?"""
    if not mask.any():
        return False
    mask = crop_to_ink(mask)
    paper, count = ndimage.label(np.pad(~mask, 1, constant_values=True))
    if count < 3:  # the outside and at most one hole
        return False
    least = HOLE_MINIMUM_SIDE * mask.shape[0]
    holes = []
    for rows_slice, columns_slice in ndimage.find_objects(paper)[1:]:  # (the outside is label 1: it holds the corner)
        if rows_slice.stop - rows_slice.start >= least and columns_slice.stop - columns_slice.start >= least:
            holes.append((columns_slice.start, columns_slice.stop, rows_slice.start, rows_slice.stop))
    inked = mask.any(axis=0)
    tops = np.where(inked, np.argmax(mask, axis=0), 0)
    bottoms = np.where(inked, mask.shape[0] - 1 - np.argmax(mask[::-1], axis=0), 0)
    extents = (bottoms - tops + 1) * inked

    def waisted(first, second) -> bool:
        left, right = sorted((first, second))
        start, stop = min(left[1], right[0]), max(left[1], right[0]) + 1
        taller = max(first[3] - first[2], second[3] - second[2])
        return float(extents[start:stop].min()) < HOLE_WAIST * taller

    return any(_side_by_side(first, second) and waisted(first, second)
               for index, first in enumerate(holes) for second in holes[index + 1:])


def never_one_digit(components: Components) -> bool:
    """True when the ink cannot be read as one digit whatever it scores (see whole_is_settled): it must be cut."""
    return not whole_is_candidate(components) or components.has_holes_side_by_side


def whole_is_settled(components: Components, whole_scores) -> bool:
    """True when all the ink read as one digit, scored so ((10,) probabilities, or a confidence), beats
    every other reading: `Segmentation.choose` would pick it whatever the other candidates scored."""
    if never_one_digit(components):
        return False
    threshold = settled_plausibility(components)
    aspect = components.aspect
    free_deviations = components.context.free_aspect_deviations
    scores = np.asarray(whole_scores, dtype=np.float64)
    if scores.ndim == 1 and scores.size > 1:
        # Plausibility is the best of probability x shape fit over the digits: the likeliest digit alone
        # often settles it, without the other nine.
        likeliest = int(scores.argmax())
        if float(scores[likeliest]) * digit_shape_fit(likeliest, aspect, free_deviations) > threshold:
            return True
    whole = plausibility(np.atleast_1d(scores)[np.newaxis], [aspect], free_deviations)[0]
    return float(whole) > threshold


@dataclass(frozen=True)
class Segmentation:
    """The candidate digits of one ink map and how they may cover it.

    `piece_labels` gives every ink pixel its piece (1-based, in left-to-right order). Candidate k is the
    run of pieces `candidates[k]` = (first, stop); pieces in `skippable` (small marks) may be left out.
    For lone ink, `lone_whole` is the candidate that is all the ink, scored to weigh readings of several
    digits against it; it is a run of a reading only if its pieces could be one digit (else it is in
    `whole_only`).
    """

    ink: np.ndarray
    piece_labels: np.ndarray
    pieces: tuple[Piece, ...]
    candidates: tuple[tuple[int, int], ...]
    skippable: frozenset[int]
    context: Context
    lone_whole: int | None = None
    whole_only: frozenset[int] = frozenset()

    @property
    def is_single(self) -> bool:
        """True when the only possible reading is one digit: nothing needs scoring."""
        return len(self.candidates) == 1 and not self.skippable

    def candidate_ink(self, index: int) -> np.ndarray:
        """The soft ink map of candidate `index` (the input's shape, all other ink removed)."""
        first, stop = self.candidates[index]
        if first == 0 and stop == len(self.pieces):
            return self.ink
        keep = (self.piece_labels > first) & (self.piece_labels <= stop)
        return np.where(keep, self.ink, 0.0).astype(np.float32)

    def candidate_inks(self) -> list[np.ndarray]:
        return [self.candidate_ink(index) for index in range(len(self.candidates))]

    def choose(self, scores=None) -> list[int]:
        """The candidates (indices, left to right) that together read the ink best, given per candidate its
        (10,) digit probabilities (or a confidence)."""
        if self.is_single:
            return [0]
        if scores is None or len(scores) != len(self.candidates):
            raise ValueError("one score per candidate is needed")
        aspects = [_aspect(self.pieces[first:stop]) for first, stop in self.candidates]
        plausibilities = plausibility(scores, aspects, self.context.free_aspect_deviations)
        cuts = frozenset(index for index in range(1, len(self.pieces))
                         if self.pieces[index].component == self.pieces[index - 1].component)
        runs = [index for index in range(len(self.candidates)) if index not in self.whole_only]
        try:
            chosen, score = _cover(len(self.pieces), [self.candidates[index] for index in runs],
                                   [plausibilities[index] for index in runs], self.skippable, cuts,
                                   self.context.cut_penalty)
        except ValueError:
            if self.lone_whole is None:
                raise
            return [self.lone_whole]
        chosen = [runs[index] for index in chosen]
        if self.lone_whole is not None and len(chosen) > 1:
            whole = self.lone_whole
            alone = plausibility(np.asarray(scores)[whole:whole + 1], aspects[whole:whole + 1],
                                 ALONE.free_aspect_deviations)[0]
            one_digit = math.log(max(float(alone), MINIMUM_PLAUSIBILITY)) - SPLIT_PENALTY
            if one_digit > score - self._lone_evidence(chosen, aspects[whole]):
                return [whole]
        return chosen

    def _lone_evidence(self, chosen: Sequence[int], aspect: float) -> float:
        """How much likelier lone ink is one digit than the digits `chosen` (see LONE_MAXIMUM_ASPECT)."""
        heights = [_height(self.pieces[slice(*self.candidates[index])]) for index in chosen]
        narrowness = LONE_ASPECT_WEIGHT * math.log(LONE_MAXIMUM_ASPECT / max(aspect, 1e-6))
        return sum(LONE_HEIGHT_WEIGHT * (LONE_HEIGHT_RATIO - min(left, right) / max(left, right)) + narrowness
                   for left, right in zip(heights, heights[1:]))


def _cover(
    piece_count: int,
    candidates: Sequence[tuple[int, int]],
    plausibilities: Sequence[float],
    skippable: frozenset[int],
    cuts: frozenset[int],
    cut_penalty: float,
) -> tuple[list[int], float]:
    """Dynamic programming over pieces: the runs that cover every piece (skippable ones may be left out)
    with the highest sum of log(plausibility) - SPLIT_PENALTY per run - SKIP_PENALTY per piece left out -
    `cut_penalty` per run that starts at a cut (a piece whose left neighbour is of the same component);
    returns their indices and that sum."""
    starting: dict[int, list[int]] = {}
    for index, (first, _) in enumerate(candidates):
        starting.setdefault(first, []).append(index)
    best = np.full(piece_count + 1, -np.inf)
    best[0] = 0.0
    came_from: list[tuple[int, int | None]] = [(0, None)] * (piece_count + 1)
    for position in range(piece_count):
        if best[position] == -np.inf:
            continue
        opening = best[position] - SPLIT_PENALTY - (cut_penalty if position in cuts else 0.0)
        for index in starting.get(position, ()):
            stop = candidates[index][1]
            score = opening + math.log(max(float(plausibilities[index]), MINIMUM_PLAUSIBILITY))
            if score > best[stop]:
                best[stop], came_from[stop] = score, (position, index)
        if position in skippable and best[position] - SKIP_PENALTY > best[position + 1]:
            best[position + 1], came_from[position + 1] = best[position] - SKIP_PENALTY, (position, None)
    if best[piece_count] == -np.inf:
        raise ValueError("no run of candidates covers the ink")
    chosen, position = [], piece_count
    while position > 0:
        position, index = came_from[position]
        if index is not None:
            chosen.append(index)
    return chosen[::-1], float(best[piece_count])


@dataclass(frozen=True)
class _Layout:
    """What deciding whether a run of pieces may be one digit needs to know about all the pieces."""

    tallest: int
    slice_counts: dict[int, int]
    main_components: frozenset[int]

    @staticmethod
    def of(components: Components, pieces: Sequence[Piece]) -> _Layout:
        slice_counts: dict[int, int] = {}
        for piece in pieces:
            slice_counts[piece.component] = slice_counts.get(piece.component, 0) + 1
        return _Layout(components.tallest, slice_counts, components.main)


def _is_plausible_digit(pieces: Sequence[Piece], layout: _Layout) -> bool:
    """Could this run of pieces be one digit? Tall enough; and unless it is one whole component (always
    possible, however wide): no wider than a digit, no wide gap between its pieces, and no two tall
    components side by side (see MAXIMUM_DIGIT_ASPECT and what follows it)."""
    height = max(piece.bottom for piece in pieces) - min(piece.top for piece in pieces)
    if height < FRAGMENT_HEIGHT_FRACTION * layout.tallest:
        return False
    boxes: dict[int, tuple[int, int, int, int]] = {}
    counts: dict[int, int] = {}
    for piece in pieces:
        counts[piece.component] = counts.get(piece.component, 0) + 1
        left, right, top, bottom = boxes.get(piece.component, (piece.left, piece.right, piece.top, piece.bottom))
        boxes[piece.component] = (min(left, piece.left), max(right, piece.right),
                                  min(top, piece.top), max(bottom, piece.bottom))
    complete = {component for component, count in counts.items() if count == layout.slice_counts[component]}
    if len(counts) == 1 and complete:
        return True
    reference = max(height, layout.tallest)
    widest_complete = max((boxes[component][1] - boxes[component][0] for component in complete), default=0)
    if _span_width(pieces) > max(MAXIMUM_DIGIT_ASPECT * reference, widest_complete):
        return False
    spans = sorted((piece.left, piece.right) for piece in pieces)
    reach = spans[0][1]
    for start, stop in spans[1:]:
        if start - reach > MAXIMUM_GAP_FRACTION * reference:
            return False
        reach = max(reach, stop)
    tall = [box for component, box in boxes.items() if component in layout.main_components]
    return not any(_side_by_side(first, second) for index, first in enumerate(tall) for second in tall[index + 1:])


def _side_by_side(first: tuple[int, int, int, int], second: tuple[int, int, int, int]) -> bool:
    """Are two (left, right, top, bottom) boxes beside each other, as two digits are, rather than stacked?"""
    columns = min(first[1], second[1]) - max(first[0], second[0])
    rows = min(first[3], second[3]) - max(first[2], second[2])
    narrower = min(first[1] - first[0], second[1] - second[0])
    shorter = min(first[3] - first[2], second[3] - second[2])
    return columns < MINIMUM_STACKED_OVERLAP * narrower and rows >= SIDE_BY_SIDE_ROWS * shorter


def _span_width(pieces: Sequence[Piece]) -> int:
    return max(piece.right for piece in pieces) - min(piece.left for piece in pieces)


def _height(pieces: Sequence[Piece]) -> int:
    return max(piece.bottom for piece in pieces) - min(piece.top for piece in pieces)


def _aspect(pieces: Sequence[Piece]) -> float:
    """Width / height of the box around some pieces."""
    return _span_width(pieces) / _height(pieces)


def _assign_soft_ink(ink: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Give every ink pixel (the faint rim below INK_LEVEL too) the label of the nearest labelled pixel."""
    _, (rows, columns) = ndimage.distance_transform_edt(labels == 0, return_indices=True)
    return np.where(ink > 0, labels[rows, columns], 0).astype(np.int32)


def _pieces(components: Components) -> tuple[list[Piece], np.ndarray]:
    """Pieces (components; wide ones sliced at candidate cuts) and a label map with one label per piece."""
    main = components.main
    pieces: list[Piece] = []
    piece_labels = np.zeros(components.labels.shape, dtype=np.int32)
    for box in components.boxes:
        rows, columns = slice(box.top, box.bottom), slice(box.left, box.right)
        mask = components.labels[rows, columns] == box.component
        is_wide = box.component in main and box.right - box.left > SPLIT_ASPECT * box.height
        slices = slice_indices(mask) if is_wide else np.zeros(mask.shape, dtype=np.int32)
        is_slice = bool(slices.any())
        for index in range(int(slices.max()) + 1):
            part = mask & (slices == index)
            part_rows = np.flatnonzero(part.any(axis=1))
            if part_rows.size == 0:
                continue
            part_columns = np.flatnonzero(part.any(axis=0))
            pieces.append(Piece(box.top + int(part_rows[0]), box.top + int(part_rows[-1]) + 1,
                                box.left + int(part_columns[0]), box.left + int(part_columns[-1]) + 1,
                                box.component, is_slice))
            piece_labels[rows, columns][part] = len(pieces)
    return pieces, piece_labels


def plan_segmentation(ink: np.ndarray, components: Components | None = None) -> Segmentation:
    """Pieces and candidate digits of a soft ink map (1 = ink). Raises NoDigitError when there is no ink."""
    components = components or find_components(ink)
    pieces, piece_labels = _pieces(components)
    # Left to right by component, then by slice: a whole component is always a run of neighbouring pieces.
    centres = {box.component: box.centre for box in components.boxes}
    order = sorted(range(len(pieces)), key=lambda index: (centres[pieces[index].component], pieces[index].component,
                                                           pieces[index].centre))
    relabel = np.zeros(len(pieces) + 1, dtype=np.int32)
    relabel[np.asarray(order) + 1] = np.arange(1, len(pieces) + 1)
    pieces = [pieces[index] for index in order]
    piece_labels = relabel[piece_labels]
    if len(pieces) > 1:
        piece_labels = _assign_soft_ink(ink, piece_labels)
    layout = _Layout.of(components, pieces)
    component_edges = {0, len(pieces)} | {index for index in range(1, len(pieces))
                                          if pieces[index].component != pieces[index - 1].component}
    candidates = []
    for first in range(len(pieces)):
        for stop in range(first + 1, len(pieces) + 1):
            whole_components = first in component_edges and stop in component_edges
            if stop - first > MAXIMUM_PIECES_PER_DIGIT and not whole_components:
                continue
            if _is_plausible_digit(pieces[first:stop], layout):
                candidates.append((first, stop))
    fragments = frozenset(index for index, piece in enumerate(pieces) if piece.component not in layout.main_components)
    if components.has_holes_side_by_side:
        # Two digits at least: no candidate may hold two holes side by side.
        possible = [(first, stop) for first, stop in candidates
                    if not holes_side_by_side((piece_labels > first) & (piece_labels <= stop))]
        try:
            _cover(len(pieces), possible, [1.0] * len(possible), fragments, frozenset(), 0.0)
            candidates = possible
        except ValueError:  # the pieces cannot be read without such a candidate: keep them all
            pass
    lone_whole, whole_only = None, frozenset()
    if components.is_lone and not components.has_holes_side_by_side:
        if (0, len(pieces)) not in candidates:
            whole_only = frozenset((len(candidates),))
            candidates.append((0, len(pieces)))
        lone_whole = candidates.index((0, len(pieces)))
    return Segmentation(ink, piece_labels, tuple(pieces), tuple(candidates), fragments, components.context,
                        lone_whole, whole_only)


def choose_digits(ink: np.ndarray, components: Components, whole_scores, score: Scorer,
                  segmentation: Segmentation | None = None) -> list[int] | None:
    """How the ink of a number reads best, given how the whole of it scored as one digit (`whole_scores`:
    its (10,) probabilities, or a confidence), and its segmentation when planned already (plan_segmentation).

    None when the whole is the one digit, settled by its scores or the only possible reading: then nothing
    was cut, and `score` was not called. Otherwise `score` rated every candidate digit once, and the chosen
    ones come back left to right, as indices into the candidate ink maps it was given.
    """
    if whole_is_settled(components, whole_scores):
        return None
    if segmentation is None:
        segmentation = plan_segmentation(ink, components)
    if segmentation.is_single:
        return None
    return segmentation.choose(score(segmentation.candidate_inks()))
