"""The number reader's input and decoding (reading/line.py) and its synthetic training numbers (training/number_lines.py)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PIL import Image, ImageDraw

from digitpad.reading.line import (BLANK, FRAME_STRIDE, FRAMES, LINE_HEIGHT, LINE_INK_HEIGHT, LINE_MARGIN, LINE_WIDTH,
                                   NUMBER_CLASSES, decode_frames, likeliest_reading, line_input,
                                   reading_log_likelihoods, reading_sureness)
from digitpad.imaging.preprocess import crop_to_ink, stroke_width
from digitpad.training.number_lines import (COMPOSING_HEIGHT, SLASH_LEAN, LineLayout, compose_line, digit_inks,
                                            make_lines, mark_ink, separator_places)
from digitpad.training.training_data import LabelledDigits


def _ink(width: int, height: int, stroke: int) -> np.ndarray:
    """Two vertical bars drawn with a pen `stroke` pixels wide, as a soft ink map."""
    image = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(image)
    draw.line((width * 0.2, 2, width * 0.2, height - 3), fill=255, width=stroke)
    draw.line((width * 0.8, 2, width * 0.8, height - 3), fill=255, width=stroke)
    return np.asarray(image, np.float32) / 255.0


def _frames(classes: list[int]) -> np.ndarray:
    frames = np.full((FRAMES, NUMBER_CLASSES), 0.01, np.float32)
    for index, label in enumerate(classes + [BLANK] * (FRAMES - len(classes))):
        frames[index, label] = 0.9
    return frames


def test_line_input_scales_the_ink_to_the_line_height_from_the_left_margin():
    ink = np.pad(_ink(300, 120, 12), ((30, 10), (50, 20)))
    line = line_input(ink)
    assert line.image.shape == (LINE_HEIGHT, LINE_WIDTH) and line.image.dtype == np.float32
    rows = np.flatnonzero(line.image.max(axis=1) > 0)
    columns = np.flatnonzero(line.image.max(axis=0) > 0)
    assert rows[-1] - rows[0] + 1 == pytest.approx(LINE_INK_HEIGHT, abs=1)
    assert columns[0] == LINE_MARGIN
    assert line.image.max() == pytest.approx(1.0)
    assert line.scale == pytest.approx(LINE_INK_HEIGHT / crop_to_ink(ink).shape[0], rel=0.02)


def test_a_long_number_is_narrowed_to_fit_the_line():
    ink = _ink(3000, 100, 10)
    line = line_input(ink)
    columns = np.flatnonzero(line.image.max(axis=0) > 0)
    assert columns[-1] < LINE_WIDTH - LINE_MARGIN + 1
    assert line.scale == pytest.approx((LINE_WIDTH - 2 * LINE_MARGIN) / crop_to_ink(ink).shape[1], rel=0.02)


def test_a_hairline_is_thickened_to_a_pen_stroke():
    thin, normal = line_input(_ink(200, 400, 3)), line_input(_ink(200, 400, 40))
    assert stroke_width(thin.image > 0.5) > 1.5
    assert stroke_width(thin.image > 0.5) == pytest.approx(stroke_width(normal.image > 0.5), rel=0.5)


def test_frames_map_back_to_the_ink_columns_under_them():
    ink = crop_to_ink(_ink(240, 120, 10))
    width = ink.shape[1]
    line = line_input(ink)
    assert line.ink_columns(0, FRAMES - 1, width) == (0, width)
    first = LINE_MARGIN // FRAME_STRIDE
    start, stop = line.ink_columns(first, first + 1, width)
    assert start == 0 and 0 < stop <= 2 * FRAME_STRIDE / line.scale + 1
    # The last frames over the ink reach its right edge.
    last = (LINE_MARGIN + int(round(width * line.scale))) // FRAME_STRIDE
    assert line.ink_columns(last - 1, last, width)[1] == width


def test_decoding_merges_repeats_and_needs_a_blank_between_equal_digits():
    assert [digit.digit for digit in decode_frames(_frames([1, 1, BLANK, 2, 2, 2, BLANK, BLANK, 0]))] == [1, 2, 0]
    assert [digit.digit for digit in decode_frames(_frames([0, 0, BLANK, 0]))] == [0, 0]
    assert [digit.digit for digit in decode_frames(_frames([0, 0, 0, 0]))] == [0]
    assert decode_frames(_frames([])) == []


def test_decoded_digits_carry_their_frames_and_doubt():
    frames = _frames([BLANK, 7, 7, BLANK, 3])
    frames[4, 3], frames[4, 8] = 0.5, 0.45
    found = decode_frames(frames)
    assert [(digit.first_frame, digit.last_frame) for digit in found] == [(1, 2), (4, 4)]
    assert found[0].probabilities.shape == (10,)
    assert found[1].probabilities.max() == pytest.approx(0.5)


def _doubtful(classes: list[int], doubts: dict[int, float]) -> np.ndarray:
    """_frames(classes), with the frame at each index of `doubts` that sure of its digit (half as much on a 9)."""
    frames = _frames(classes)
    for index, top in doubts.items():
        label = classes[index]
        frames[index, label] = top
        frames[index, 9 if label != 9 else 8] = top / 2
    return frames


def test_reading_log_likelihoods_are_ctcs_distribution_over_readings():
    """Over every reading a few frames can spell, the likelihoods sum to one (each path of frames spells exactly
    one reading); a repeated digit needs a blank between its two frames; a class a reader never gives is -inf."""
    generator = np.random.default_rng(5)
    frames = generator.random((2, 3, NUMBER_CLASSES)) ** 2
    frames /= frames.sum(axis=2, keepdims=True)
    readings = [reading for length in range(4) for reading in itertools.product(range(10), repeat=length)]
    likelihoods = np.exp(reading_log_likelihoods(frames, readings))
    assert likelihoods.shape == (2, len(readings))
    assert likelihoods.sum(axis=1) == pytest.approx([1.0, 1.0])
    # "33" in three frames: only 3, blank, 3.
    three_three = readings.index((3, 3))
    assert likelihoods[:, three_three] == pytest.approx(frames[:, 0, 3] * frames[:, 1, BLANK] * frames[:, 2, 3])
    frames[1, :, 4] = 0.0
    assert reading_log_likelihoods(frames, [(4,)])[1, 0] < -20


def test_readers_give_the_whole_reading_they_together_find_likeliest():
    """Per line, the reading all readers together find likeliest wins, with all its digits and the frames of the
    surest reader giving it; a reader that drops a doubtful digit is surer of what it keeps, but loses to two that
    read it; a reader that finds nothing loses to one that finds something; readers that agree give the surest's."""
    dropped = [_doubtful([3, BLANK, 1, BLANK, 7], {2: 0.5}),   # "317", its 1 doubtful
               _doubtful([3, BLANK, BLANK, BLANK, 7], {}),      # "37", sure of both
               _doubtful([3, BLANK, 1, BLANK, 7], {2: 0.6})]    # "317", surer of its 1 than the first
    assert reading_sureness(dropped[1]) > reading_sureness(dropped[2]) > reading_sureness(dropped[0])
    assert likeliest_reading(dropped) is dropped[2]
    nothing = [_frames([]), _doubtful([8], {0: 0.3})]
    assert reading_sureness(nothing[0]) < 0 and likeliest_reading(nothing) is nothing[1]
    sure = [_doubtful([7, BLANK, 1], {}), _doubtful([7, BLANK, 7], {2: 0.6})]
    assert likeliest_reading(sure) is sure[0]
    agreeing = [_doubtful([4, BLANK, 2], {0: 0.5}), _doubtful([4, BLANK, 2], {})]
    assert likeliest_reading(agreeing) is agreeing[1] and likeliest_reading(agreeing[:1]) is agreeing[0]


def _digits() -> LabelledDigits:
    images = np.zeros((20, 28, 28), np.float32)
    for index in range(20):
        images[index, 4:24, 10:18] = 1.0
        images[index, 4:8, 10:18 + index % 4] = 1.0
    return LabelledDigits(images, np.arange(20) % 10)


def test_synthetic_numbers_are_reproducible_and_labelled():
    inks, labels = digit_inks(_digits())
    first, second = make_lines(inks, labels, 30, seed=5), make_lines(inks, labels, 30, seed=5)
    assert np.array_equal(first.x, second.x) and np.array_equal(first.digits, second.digits)
    assert not np.array_equal(first.x, make_lines(inks, labels, 30, seed=6).x)
    layout = LineLayout()
    assert all(layout.lengths[0] <= len(text) <= layout.lengths[1] for text in first.texts())
    assert first.x.shape == (30, LINE_HEIGHT, LINE_WIDTH) and first.x.dtype == np.uint8


def test_touching_lines_overlap_their_digits():
    inks, _ = digit_inks(_digits())
    rng = np.random.default_rng(0)
    touching = LineLayout(touching_share=1.0, touching_gap=(-0.2, -0.1))
    spaced = LineLayout(touching_share=0.0, spaced_gap=(0.5, 0.6))
    narrow = compose_line(inks[:4], rng, touching)
    wide = compose_line(inks[:4], np.random.default_rng(0), spaced)
    assert narrow.shape[1] < wide.shape[1]
    gaps = np.flatnonzero(wide.max(axis=0) == 0)
    assert gaps.size > 0 and np.flatnonzero(narrow.max(axis=0) == 0).size < gaps.size


def test_slashes_go_only_between_digits_and_stand_apart_from_a_written_one():
    """A "/" to pass over is never the last mark (it would teach the reader to drop a final 1), and is taller and
    leans further than a 1."""
    rng = np.random.default_rng(8)
    for _ in range(300):
        count = int(rng.integers(1, 9))
        assert all(before < count for before, mark in separator_places(count, rng) if mark == "/")
    for _ in range(20):
        slash, top = mark_ink("/", rng)
        assert slash.shape[0] >= 1.1 * COMPOSING_HEIGHT and top < 0
        assert slash.shape[1] >= SLASH_LEAN[0] * COMPOSING_HEIGHT


def test_some_lines_are_written_on_a_printed_line():
    inks, _ = digit_inks(_digits())
    ruled = LineLayout(rules_share=1.0, touching_share=0.0, uneven_share=0.0, slant_share=0.0)
    found = 0
    for seed in range(10):
        canvas = compose_line(inks[:3], np.random.default_rng(seed), ruled)
        plain = compose_line(inks[:3], np.random.default_rng(seed), LineLayout(rules_share=0.0, touching_share=0.0,
                                                                           uneven_share=0.0, slant_share=0.0))
        rows = (canvas > 0.3).mean(axis=1)
        found += rows.max() >= 0.9  # (30% of rules are only pieces of a line)
        assert canvas.shape[0] > plain.shape[0] or canvas.shape[1] > plain.shape[1] or rows.max() > 0.5
    assert found >= 4


def test_the_reader_learns_from_synthetic_lines_with_ctc():
    """A few steps of `digitpad train-reader`'s fit on a tiny set: the CTC loss is wired to the network and falls;
    the lines made in worker processes are those made in one."""
    import keras

    from digitpad.training.reader_model import build_reader
    from digitpad.training.train_reader import LINES_PER_CHUNK, _inputs, _targets, ctc_loss, lines_from

    digits = _digits()
    count = LINES_PER_CHUNK + 50  # two chunks: two worker processes
    lines = lines_from(digits, count, seed=3, processes=2)
    assert np.array_equal(lines.x, lines_from(digits, count, seed=3, processes=1).x)
    keras.utils.set_random_seed(0)
    model = build_reader(base_filters=8, context_filters=32)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss=ctc_loss)
    history = model.fit(_inputs(lines.x[:256]), _targets(lines)[:256], batch_size=32, epochs=6, verbose=0)
    losses = history.history["loss"]
    assert np.isfinite(losses).all() and losses[-1] < 0.5 * losses[0]


def test_train_reader_writes_new_lines_every_epoch(mnist_path, tmp_path, monkeypatch):
    """`digitpad train-reader` (tiny): each epoch is fitted on lines it has never seen (one set seen epoch after
    epoch is learnt by heart), none of them the validation lines; `--same-lines-every-epoch` fits every epoch on one
    set, as the earlier readers were trained; the model and its report are written."""
    import json

    from digitpad.training import train_reader as module
    from digitpad.training.config import DataConfig, ReaderConfig

    small = DataConfig(mnist_as_read_share=0.0, pen_renders=1, style_from_mnist=10, style_from_pen=10,
                       style_from_templates=10, font_renders=1, evaluation_renders=1, evaluation_style_count=10)
    real_world, real_lines = module.build_world_data, module.lines_from
    monkeypatch.setattr(module, "build_world_data", lambda mnist, pen, config, seed, training_seed: real_world(
        mnist, pen, small, seed, training_seed=training_seed, limit=200, processes=1))
    made = []  # (seed, the lines) of every set of lines made

    def recorded(digits, count, seed, processes=2):
        lines = real_lines(digits, count, seed, processes=1)
        made.append((seed, lines))
        return lines

    monkeypatch.setattr(module, "lines_from", recorded)
    config = ReaderConfig(training_lines=64, validation_lines=32, epochs=3, batch_size=32, seed=11, member=1)
    output = tmp_path / "reader.keras"
    summary = module.train_reader(output, mnist_path, None, config, verbose=0)
    (validation_seed, validation), *epochs = made
    assert validation_seed == config.seed + 1 and len(validation) == 32
    assert [len(lines) for _, lines in epochs] == [64, 64, 64]
    assert len({seed for seed, _ in made}) == 4 and config.training_seed not in {seed for seed, _ in made}
    pictures = [lines.x for _, lines in made]
    for index, first in enumerate(pictures):
        assert not any(np.array_equal(first, other) for other in pictures[index + 1:])
    assert len(summary["history"]["loss"]) == len(summary["history"]["val_loss"]) == 3
    assert summary["trained_on"]["lines"] == 3 * 64
    assert output.is_file() and output.with_suffix(".tflite").is_file()
    report = json.loads((tmp_path / "reader_report" / "report.json").read_text())
    assert report["config"]["epochs"] == 3 and report["config"]["new_lines_every_epoch"] is True

    made.clear()
    same = ReaderConfig(training_lines=64, validation_lines=32, epochs=2, batch_size=32, seed=11, member=1,
                        new_lines_every_epoch=False)
    summary = module.train_reader(tmp_path / "same.keras", mnist_path, None, same, verbose=0)
    assert [seed for seed, _ in made] == [same.seed + 1, same.training_seed]
    assert summary["trained_on"]["lines"] == 64 and len(summary["history"]["loss"]) == 2
