"""Numbers on paper: separators kept apart and written back; form lines and slivers of neighbouring digits erased."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage
from PIL import Image, ImageDraw

from digitpad.folders.batch import classify_files, write_csv
from digitpad.imaging.ink import ink_map
from digitpad.imaging.preprocess import crop_to_ink
from digitpad.reading.cut_neighbours import erase_cut_neighbours
from digitpad.reading.far_marks import erase_far_marks
from digitpad.reading.form_lines import erase_form_lines
from digitpad.reading.marks import find_marks, is_slash
from digitpad.reading.number import read_number
from digitpad.reading.underlines import erase_underlines
from digitpad.reading.segment import find_components
from tests.digit_images import (APART_MARKS, CELL_SIDES, DARK_THICK_CELL_SIDES, form_cell, line_crop,
                                marked_picture, page_crop)
from tests.number_scenes import MARGIN, compose, compose_in_boxes, mnist_ink, scan, underline


@pytest.fixture(scope="module")
def clear_digits(mnist_test, bundled_predictor):
    """Per digit, MNIST test digits the bundled model reads alone with at least 99.9% confidence."""
    x_test, y_test = mnist_test
    probabilities = bundled_predictor.predict_inputs(x_test[:600].astype(np.float32) / 255.0)
    sure = (probabilities.argmax(axis=1) == y_test[:600]) & (probabilities.max(axis=1) > 0.999)
    return {digit: [x_test[index] for index in np.flatnonzero(sure & (y_test[:600] == digit))] for digit in range(10)}


def _number_image(clear_digits, tokens: list[str], nuisance: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    inks = [mnist_ink(clear_digits[int(token)][index % 3]) for index, token in enumerate(tokens) if token.isdigit()]
    return scan(compose(inks, tokens, nuisance, rng), nuisance, rng)


CASES = [
    ("1.990", "separators"), ("12,50", "separators"), ("100.-", "separators"), ("74965=", "separators"),
    ("3-4", "separators"), ("2026", "background"), ("4711", "background"), ("590", "spaced"),
    ("12/05", "separators"), ("3/7", "separators"), ("590-", "separators"), ("45,3", "separators"), ("4171", "spaced"),
]


def test_separators_and_printed_backgrounds_from_real_files(tmp_path, clear_digits, bundled_predictor):
    """Each number as a PNG scan read by the folder pipeline: `digit` has the digits only, `text` the number
    with its separators as written (empty when there are none); boxes and security patterns are not ink."""
    expected = {}
    for index, (text, nuisance) in enumerate(CASES):
        path = tmp_path / f"{index:02d}.png"
        Image.fromarray(_number_image(clear_digits, list(text), nuisance, seed=index)).save(path)
        expected[path.name] = text
    rows = list(classify_files(sorted(tmp_path.glob("*.png")), bundled_predictor))
    stream_path = tmp_path / "out.csv"
    with open(stream_path, "w", encoding="utf-8", newline="") as stream:
        write_csv(rows, stream)
    with open(stream_path, newline="", encoding="utf-8") as stream:
        table = {row["path"].rsplit("/", 1)[-1]: row for row in csv.DictReader(stream)}
    for name, text in expected.items():
        digits = "".join(character for character in text if character.isdigit())
        assert table[name]["digit"] == digits, (name, text, table[name])
        assert table[name]["text"] == ("" if text == digits else text), (name, text, table[name])


def test_the_digits_beside_a_slash_are_shown_without_it(clear_digits, bundled_predictor):
    """The window shows each digit's model input ("What the model sees"): the slash the reader passed over is in
    none of them, so each digit of "12/05" is a single stroke of ink there."""
    image = _number_image(clear_digits, list("12/05"), "separators", seed=8)
    reading = read_number(image, bundled_predictor)
    assert (reading.text, reading.written) == ("1205", "12/05")
    for prediction in reading.digits:
        assert ndimage.label(prediction.model_input > 0.3, structure=np.ones((3, 3)))[1] == 1, prediction.digit


def _ink_with(draw_marks) -> np.ndarray:
    """Two tall bars (digits) 40 px high, and whatever `draw_marks` adds, as a clean ink map."""
    image = Image.new("L", (200, 80), 0)
    draw = ImageDraw.Draw(image)
    draw.line((30, 20, 30, 60), fill=255, width=5)
    draw.line((70, 20, 70, 60), fill=255, width=5)
    draw_marks(draw)
    return np.asarray(image, np.float32) / 255.0


@pytest.mark.parametrize("draw_marks, expected", [
    (lambda draw: draw.ellipse((95, 54, 101, 60), fill=255), ["."]),
    (lambda draw: draw.line((95, 40, 112, 40), fill=255, width=4), ["-"]),
    (lambda draw: [draw.line((95, 34, 112, 34), fill=255, width=4), draw.line((95, 46, 112, 46), fill=255, width=4)],
     ["="]),
    (lambda draw: [draw.ellipse((95, 54, 101, 60), fill=255), draw.line((100, 57, 96, 68), fill=255, width=3)], [","]),
    (lambda draw: draw.line((95, 40, 104, 40), fill=255, width=6), ["-"]),  # short and thick: a quick dash
    # A comma with a long tail, nearly half as tall as the digits.
    (lambda draw: [draw.ellipse((95, 50, 101, 56), fill=255), draw.line((100, 53, 96, 67), fill=255, width=3)], [","]),
    (lambda draw: draw.ellipse((95, 54, 96, 55), fill=255), []),  # a speck of dust is no separator
    (lambda draw: draw.line((60, 14, 80, 14), fill=255, width=4), []),  # a bar over a digit belongs to it
])
def test_marks_are_told_by_shape_and_place(draw_marks, expected):
    ink = crop_to_ink(_ink_with(draw_marks))
    assert [mark.character for mark in find_marks(find_components(ink))] == expected


def _stroke(points, width: int = 5, size: tuple[int, int] = (80, 80)) -> np.ndarray:
    image = Image.new("L", size, 0)
    ImageDraw.Draw(image).line(points, fill=255, width=width)
    return np.asarray(image, np.float32) / 255.0


@pytest.mark.parametrize("points, expected", [
    ([(30, 70), (50, 10)], True),  # "/" across the digits' height
    ([(25, 70), (55, 12)], True),  # leaning far
    ([(40, 70), (41, 10)], False),  # an upright 1
    ([(50, 70), (30, 10)], False),  # leaning left: "\"
    ([(30, 70), (40, 40)], False),  # half as tall as the digits: no slash between them
    ([(20, 70), (40, 10), (60, 60)], False),  # bent: a stroke of a digit
])
def test_a_slash_is_a_straight_stroke_as_tall_as_the_digits_leaning_right(points, expected):
    assert is_slash(_stroke(points), tallest=61) is expected


def test_a_printed_box_goes_and_the_digits_stay():
    image = Image.new("L", (240, 100), 0)
    draw = ImageDraw.Draw(image)
    draw.rectangle((5, 5, 234, 94), outline=255, width=2)
    draw.line((60, 25, 60, 75), fill=255, width=6)
    draw.ellipse((100, 25, 140, 75), outline=255, width=6)
    ink = np.asarray(image, np.float32) / 255.0
    erased = erase_form_lines(ink)
    assert erased[:8].max() == 0 and erased[:, :8].max() == 0 and erased[:, -8:].max() == 0
    assert np.array_equal(erased[15:85, 40:160] > 0.5, ink[15:85, 40:160] > 0.5)


def _seven(draw: ImageDraw.ImageDraw, left: float, top: float, right: float, bottom: float) -> None:
    draw.line([(left, top), (right, top), (left + 0.4 * (right - left), bottom)], fill=40, width=6, joint="curve")


def _two(draw: ImageDraw.ImageDraw, left: float, top: float, right: float, bottom: float) -> None:
    draw.arc((left, top, right, top + 0.6 * (bottom - top)), 180, 30, fill=40, width=6)
    draw.line([(right - 0.1 * (right - left), top + 0.45 * (bottom - top)), (left, bottom), (right, bottom)],
              fill=40, width=6, joint="curve")


def _three(draw: ImageDraw.ImageDraw, left: float, top: float, right: float, bottom: float) -> None:
    middle = (top + bottom) / 2
    draw.arc((left, top, right, middle + 2), 200, 90, fill=40, width=6)
    draw.arc((left, middle - 2, right, bottom), 270, 160, fill=40, width=6)


@pytest.mark.parametrize("cell", ["corner", "box", "three sides"])
@pytest.mark.parametrize("digit,draw_digit", [(7, _seven), (2, _two), (3, _three)])
def test_a_digit_cropped_with_its_cells_lines_is_read_without_them(bundled_predictor, tmp_path, cell, digit,
                                                                   draw_digit):
    """A digit cropped from a form with its cell's printed lines along the edges: two thick ones meeting at a corner
    (as thick as the writing: a line alone along one edge must be thinner to be printed), or a box or three sides of
    it that the digit touches (one piece of ink with it). Read with the lines: "17", "12", "171", 4, 6 or 8."""
    width, height = 60, 76
    image = Image.new("L", (width, height), 238)
    draw = ImageDraw.Draw(image)
    if cell == "corner":
        draw.line([(2, 0), (2, height)], fill=110, width=5)
        draw.line([(0, height - 3), (width, height - 3)], fill=110, width=5)
        draw_digit(draw, 14, 12, width - 10, height - 14)
    else:
        draw.line([(1, 0), (1, height)], fill=110, width=3)
        draw.line([(width - 2, 0), (width - 2, height)], fill=110, width=3)
        draw.line([(0, height - 2), (width, height - 2)], fill=110, width=3)
        if cell == "box":
            draw.line([(0, 1), (width, 1)], fill=110, width=3)
        draw_digit(draw, 2, 12, width - 12, height - 14)  # its left end on the left line
    path = tmp_path / f"{digit}_{cell}.png"
    image.save(path)
    assert read_number(Image.open(path), bundled_predictor).text == str(digit)
    assert read_number(Image.open(path), bundled_predictor, single_digit=True).text == str(digit)


@pytest.mark.parametrize("width,thickness,gap", [(60, 6, 14), (60, 6, 10), (50, 7, 11), (56, 8, 12)])
@pytest.mark.parametrize("digit,draw_digit", [(7, _seven), (2, _two), (3, _three)])
def test_a_digit_between_a_table_rows_thick_rules_is_read_without_them(bundled_predictor, tmp_path, digit,
                                                                        draw_digit, width, thickness, gap):
    """A digit cropped from a ledger's row with the row's printed rules above and below it, as dark as the ink and
    as thick as its strokes or thicker (each alone could be a writer's bar: two, with the writing between them and
    reaching past it, are rules), apart from the writing or touching it (read 1, 3 or 4)."""
    height = 76
    image = Image.new("L", (width, height), 238)
    draw = ImageDraw.Draw(image)
    draw.line([(0, 3), (width, 3)], fill=50, width=thickness)
    draw.line([(0, height - 4), (width, height - 4)], fill=50, width=thickness)
    draw_digit(draw, 14, gap, width - 14, height - gap)
    path = tmp_path / f"{digit}_row.png"
    image.save(path)
    assert read_number(Image.open(path), bundled_predictor).text == str(digit)
    assert read_number(Image.open(path), bundled_predictor, single_digit=True).text == str(digit)


def test_an_empty_cell_is_no_digit_and_a_written_one_is_read(tmp_path, bundled_predictor, clear_digits):
    """A form's cells cropped with their printed lines, of every kind (a box, three sides, a corner, one side, a
    bottom line; a table's thick rules), left empty: "no digit found" (before, 318 of 360 such cells were read as a 1,
    a 0 or a 7); the same cells with a digit in them are read. One real PNG each, through a folder's path."""
    rng = np.random.default_rng(4)
    kinds = [(sides, False) for sides in CELL_SIDES.values()] + [(sides, True) for sides in DARK_THICK_CELL_SIDES.values()]
    expected = {}
    for index, (sides, dark_thick) in enumerate(kinds * 3):
        Image.fromarray(form_cell(None, rng, sides, dark_thick)).save(tmp_path / f"empty{index}.png")
        expected[f"empty{index}.png"] = ""
        digit = index % 10
        Image.fromarray(form_cell(clear_digits[digit][0], rng, sides, dark_thick)).save(tmp_path / f"digit{index}.png")
        expected[f"digit{index}.png"] = str(digit)
    rows = {Path(row.path).name: row for row in classify_files(sorted(map(str, tmp_path.iterdir())), bundled_predictor)}
    for name, digit in expected.items():
        assert rows[name].digit == digit, (name, rows[name])
        assert digit or rows[name].error == "no digit found"


def test_ruler_straight_ones_at_both_ends_of_a_tight_crop_are_digits(bundled_predictor):
    """"1231" cropped tight, its 1s drawn with a ruler along the left and right edges: they run along the edges like
    a box's sides with writing between them, but reach no further than the writing, and are digits."""
    width, height = 132, 60
    image = Image.new("L", (width, height), 238)
    draw = ImageDraw.Draw(image)
    draw.line([(2, 0), (2, height)], fill=40, width=5)
    draw.line([(width - 3, 0), (width - 3, height)], fill=40, width=5)
    _two(draw, width * 0.15, 2, width * 0.45, height - 3)
    _three(draw, width * 0.55, 2, width * 0.85, height - 3)
    assert read_number(image, bundled_predictor).text == "1231"


def test_a_fours_stem_along_the_edge_of_a_tight_crop_is_writing():
    """A 4 cropped tight, its stem along the right edge from top to bottom and reaching past the rest of the digit
    at both ends, as a table's rule would: in a picture this small (under RULE_MIN_ACROSS) it is no rule."""
    ink = np.zeros((20, 12), np.float32)
    ink[:, 10:12] = 1.0  # the stem
    ink[4:12, 0:2] = 1.0  # the left arm
    ink[11:13, 0:12] = 1.0  # the bar
    assert np.array_equal(erase_form_lines(ink), ink)


def test_a_heavy_digit_is_not_a_box():
    """An 8 written so heavily that its holes have nearly closed covers every edge of its own box: it is writing,
    not a box around writing, and keeps its edges."""
    ink = np.zeros((40, 30), np.float32)
    ink[5:35, 5:25] = 1.0
    ink[11:15, 13:17] = ink[23:27, 13:17] = 0.0
    assert np.array_equal(erase_form_lines(ink), ink)


def test_a_box_side_beside_the_writing_goes_but_a_ruler_straight_digit_stays():
    image = Image.new("L", (240, 100), 0)
    draw = ImageDraw.Draw(image)
    draw.line((8, 6, 8, 94), fill=255, width=2)  # the side of a box, taller than the writing
    draw.line((60, 25, 60, 75), fill=255, width=6)  # a 1 drawn with a ruler
    draw.ellipse((100, 25, 140, 75), outline=255, width=6)
    ink = np.asarray(image, np.float32) / 255.0
    erased = erase_form_lines(ink)
    assert erased[:, :12].max() == 0
    assert np.array_equal(erased[:, 40:] > 0.5, ink[:, 40:] > 0.5)


@pytest.mark.parametrize("digits,scale", [("17", 1.0), ("2605", 1.0), ("82925522", 1.6)])
def test_the_line_a_number_is_written_on_goes(clear_digits, bundled_predictor, digits, scale):
    """A printed line under the writing, touching it: in a picture less than twice as wide as tall ("17": a line
    alone could be a digit's bar there, so it must run past the writing at both ends), a wide one, and one wide
    enough to be reduced to the working size before its lines are looked for."""
    rng = np.random.default_rng(5)
    canvas = compose([mnist_ink(clear_digits[int(digit)][0]) for digit in digits], list(digits), "spaced", rng)
    bottom = int(np.flatnonzero(canvas.max(axis=1) > 0.5)[-1])
    lined = Image.fromarray(canvas)
    ImageDraw.Draw(lined).line((2, bottom, canvas.shape[1] - 3, bottom), fill=0.8, width=2)
    if scale != 1.0:
        lined = lined.resize((round(lined.width * scale), round(lined.height * scale)), Image.BILINEAR)
    page = scan(np.asarray(lined, np.float32), "spaced", rng)
    ink = ink_map(page)
    size = scale * ink.shape[0] / page.shape[0]  # (big pictures' ink maps are reduced)
    line_rows = slice(int(bottom * size) - 2, int((bottom + 2) * size) + 3)
    edge = round(0.5 * MARGIN * size)  # (beside the writing)
    assert ink[line_rows, :edge].max() == 0 and ink[line_rows, -edge:].max() == 0
    assert read_number(page, bundled_predictor).text == digits


@pytest.mark.parametrize("digits", ["7", "0", "8", "9", "2605", "31"])
def test_a_printed_line_under_the_writing_that_stops_inside_the_picture_goes(tmp_path, clear_digits,
                                                                            bundled_predictor, digits):
    """A form's printed baseline under the writing, not touching it and ending short of the picture's sides (a
    picture of the field, not a crop through its line), saved as a PNG file: read as the digits alone, as a number
    and as one digit (before, the line was read with the writing: a 0 above it as 2, an 8 as 3)."""
    rng = np.random.default_rng(len(digits))
    canvas = compose([mnist_ink(clear_digits[int(digit)][1]) for digit in digits], list(digits), "spaced", rng)
    canvas = np.asarray(Image.fromarray(canvas).resize((canvas.shape[1] * 5, canvas.shape[0] * 5), Image.BILINEAR))
    rows, columns = np.flatnonzero(canvas.max(axis=1) > 0.5), np.flatnonzero(canvas.max(axis=0) > 0.5)
    height = rows[-1] - rows[0]  # (about 110 px: a scan at 300 dpi)
    lined = np.zeros((canvas.shape[0] + height // 3, canvas.shape[1] + height), np.float32)
    lined[:canvas.shape[0], height // 2:height // 2 + canvas.shape[1]] = canvas
    line_row = rows[-1] + height // 12
    width = lined.shape[1]
    lined[line_row:line_row + 4, int(0.08 * width):int(0.92 * width)] = 0.9
    path = tmp_path / "field.png"
    Image.fromarray(scan(lined, "spaced", rng)).save(path)
    with Image.open(path) as image:
        assert read_number(image, bundled_predictor).text == digits
        if len(digits) == 1:
            assert read_number(image, bundled_predictor, single_digit=True).text == digits


def test_a_detached_base_or_foot_shorter_than_the_digit_stays():
    """A 2's base or a 1's foot written apart from the rest, straight and level under it, is writing: it is not as
    wide as the digit is tall, so it is never taken for a printed line under the writing."""
    for digit_strokes in ([(20, 10, 60, 10), (60, 10, 20, 70)], [(40, 10, 40, 70)]):
        image = Image.new("F", (80, 100), 0.0)
        draw = ImageDraw.Draw(image)
        for stroke in digit_strokes:
            draw.line(stroke, fill=1.0, width=6)
        draw.line((18, 82, 66, 82), fill=1.0, width=4)
        ink = np.asarray(image, np.float32)
        assert erase_form_lines(ink) is ink


@pytest.mark.parametrize("digits", ["3", "7", "4", "12"])
def test_a_circled_number_is_read_without_its_circle(tmp_path, clear_digits, bundled_predictor, digits):
    """A number with a circle drawn around it (a printed ring on a form, or circled by hand, as thick as the writing),
    saved as a PNG file: read as the digits alone (before, the circle was read: every one of them came out as 0)."""
    rng = np.random.default_rng(int(digits))
    canvas = compose([mnist_ink(clear_digits[int(digit)][2]) for digit in digits], list(digits), "spaced", rng)
    canvas = np.asarray(Image.fromarray(canvas).resize((canvas.shape[1] * 4, canvas.shape[0] * 4), Image.BILINEAR))
    height, width = canvas.shape
    ringed = Image.new("F", (int(width * 1.6), int(height * 1.6)), 0.0)
    ringed.paste(Image.fromarray(canvas), (int(width * 0.3), int(height * 0.3)))
    ImageDraw.Draw(ringed).ellipse((4, 4, ringed.width - 5, ringed.height - 5), outline=0.9,
                                   width=int(rng.integers(3, 9)))
    path = tmp_path / "circled.png"
    Image.fromarray(scan(np.asarray(ringed, np.float32), "spaced", rng)).save(path)
    with Image.open(path) as image:
        assert read_number(image, bundled_predictor).text == digits
        if len(digits) == 1:
            assert read_number(image, bundled_predictor, single_digit=True).text == digits


def test_a_zero_with_a_dot_or_a_slash_inside_stays_a_zero():
    """A zero holding a dot, or a slash drawn inside it without touching it, is writing, not a ring around a digit:
    the dot is far smaller than the zero, the slash nearly as tall."""
    for inside in ([(38, 48, 44, 54)], [(48, 18, 34, 82)]):
        image = Image.new("F", (80, 100), 0.0)
        draw = ImageDraw.Draw(image)
        draw.ellipse((12, 8, 70, 92), outline=1.0, width=6)
        for shape in inside:
            if shape[2] - shape[0] == shape[3] - shape[1]:
                draw.ellipse(shape, fill=1.0)
            else:
                draw.line(shape, fill=1.0, width=5)
        ink = np.asarray(image, np.float32)
        assert erase_form_lines(ink) is ink


def slashed_zero_picture(lean: float, slash_share: float, pen: int) -> Image.Image:
    """A narrow zero leaning `lean` degrees with a slash along its long axis inside it, `slash_share` of its height
    and not touching it (as some writers slash their zeros), dark ink on light paper, 8-bit grey."""
    image = Image.new("L", (240, 240), 0)
    draw = ImageDraw.Draw(image)
    draw.ellipse((85, 40, 155, 200), outline=255, width=pen)
    half = 80 * slash_share
    draw.line((120, 120 - half, 120, 120 + half), fill=255, width=pen)
    turned = np.asarray(image.rotate(-lean, resample=Image.BILINEAR), np.float32)
    return Image.fromarray((235 - 0.8 * turned).astype(np.uint8))


@pytest.mark.parametrize("lean, slash_share, pen", [(0, 0.5, 8), (25, 0.6, 6), (50, 0.4, 10)])
def test_a_zero_with_a_short_slash_inside_is_read_as_a_zero(tmp_path, bundled_predictor, lean, slash_share, pen):
    """A zero whose slash, inside it and not touching it, is a third to two thirds as tall as the zero is no ring
    around a 1 (before, the zero was erased as a circle drawn round the slash, read 1): saved as a PNG, read whole."""
    path = tmp_path / "zero.png"
    slashed_zero_picture(lean, slash_share, pen).save(path)
    with Image.open(path) as image:
        assert read_number(image, bundled_predictor).text == "0"
        assert read_number(image, bundled_predictor, single_digit=True).text == "0"


def test_a_circle_round_a_1_still_goes():
    """A ring about as wide as tall (or wider) around a 1 is a circle drawn round it: erased, the 1 kept."""
    image = Image.new("F", (200, 200), 0.0)
    draw = ImageDraw.Draw(image)
    draw.ellipse((20, 30, 180, 170), outline=1.0, width=5)
    draw.line((100, 65, 96, 135), fill=1.0, width=6)
    ink = np.asarray(image, np.float32)
    cleaned = erase_form_lines(ink)
    assert cleaned[100, 20:26].max() == 0.0  # the ring's left side is gone
    assert cleaned[100, 94:102].max() > 0.5  # the 1 stays


def _written_digits(draw: ImageDraw.ImageDraw, pen: int) -> None:
    """A 1, a 7 and a 0 written 60 px tall, their feet at row 80."""
    draw.line((40, 20, 34, 80), fill=255, width=pen)
    draw.line((70, 20, 110, 20), fill=255, width=pen)
    draw.line((110, 20, 84, 80), fill=255, width=pen)
    draw.ellipse((130, 20, 170, 80), outline=255, width=pen)


def _underlined_and_erased(lines: list[list[tuple[int, int]]]) -> tuple[np.ndarray, np.ndarray]:
    """"170" (_written_digits) alone, and with `lines` drawn under it in the same pen then erase_underlines'd."""
    image = Image.new("L", (200, 140), 0)
    draw = ImageDraw.Draw(image)
    _written_digits(draw, 5)
    digits = np.asarray(image, np.float32) / 255.0
    for points in lines:
        draw.line(points, fill=255, width=5, joint="curve")
    return digits, erase_underlines(np.asarray(image, np.float32) / 255.0)


@pytest.mark.parametrize("lines", [1, 2])
def test_a_number_underlined_by_hand_loses_its_lines_and_keeps_its_digits(lines):
    """A line drawn by hand under "170" (a little wavy and sloping, in the writer's pen), or two (a ledger's total),
    is erased; the digits are left as they were."""
    digits, cleaned = _underlined_and_erased([[(22, y), (60, y + 2), (100, y + 1), (140, y + 3), (182, y + 4)]
                                              for y in (92 + 14 * index for index in range(lines))])
    assert cleaned[87:].max() < 0.5  # no line left
    assert np.array_equal(cleaned[:86] > 0.5, digits[:86] > 0.5)  # every digit whole


@pytest.mark.parametrize("lower", [(44, 170), (22, 150)])
def test_a_total_underlined_twice_by_lines_of_unequal_lengths_loses_both(lower):
    """Two lines under "170" of unequal lengths, the lower one starting further right or ending further left: followed
    from the upper line's end, a jump onto the lower one across the columns passed over is no wobble of one line
    (before, the path so found bent too far to be a line, and neither line was erased)."""
    digits, cleaned = _underlined_and_erased([[(22, 92), (100, 93), (182, 95)],
                                              [(lower[0], 108), (100, 109), (lower[1], 110)]])
    assert cleaned[87:].max() < 0.5  # no line left
    assert np.array_equal(cleaned[:86] > 0.5, digits[:86] > 0.5)  # every digit whole


def test_a_number_of_two_digits_underlined_apart_loses_its_line():
    """"17" with a line drawn under it, touching neither digit: with bare paper above it only between the two digits
    (before, a second bare stretch was wanted and the line stayed)."""
    image = Image.new("L", (140, 140), 0)
    draw = ImageDraw.Draw(image)
    draw.line((36, 20, 30, 80), fill=255, width=5)
    draw.line((76, 20, 130, 20), fill=255, width=5)
    draw.line((130, 20, 104, 80), fill=255, width=5)
    digits = np.asarray(image, np.float32) / 255.0
    draw.line([(32, 92), (80, 93), (128, 95)], fill=255, width=5, joint="curve")
    cleaned = erase_underlines(np.asarray(image, np.float32) / 255.0)
    assert cleaned[87:].max() < 0.5
    assert np.array_equal(cleaned[:86] > 0.5, digits[:86] > 0.5)


def test_digits_resting_on_an_underline_keep_their_feet_and_lose_the_line_under_them():
    """"170" whose feet rest on the line drawn under it: the line goes under the digits too, not only between them
    (before, a stub of line was left under each digit: a 6 with a stub reads as a 2's base), and the digits above
    the line are whole."""
    digits, cleaned = _underlined_and_erased([[(22, 84), (100, 84), (182, 85)]])
    assert cleaned[84:].max() < 0.5  # nothing left below the line's top row
    assert np.array_equal(cleaned[:80] > 0.5, digits[:80] > 0.5)


@pytest.mark.parametrize("shape", ["a 2 with a long base", "two 2s touching at their bases"])
def test_a_digits_own_base_is_no_underline(shape):
    """A 2's base (shorter than the digit is tall), and the bases of two touching 2s joined into one long stroke (no
    bare paper between two digits above it), are the digits' own: nothing is erased."""
    image = Image.new("L", (200, 120), 0)
    draw = ImageDraw.Draw(image)
    lefts = [60] if shape == "a 2 with a long base" else [40, 96]
    for left in lefts:
        draw.arc((left, 20, left + 50, 60), 180, 20, fill=255, width=5)
        draw.line((left + 48, 48, left, 96), fill=255, width=5)
        draw.line((left, 96, left + 60, 96), fill=255, width=5)
    ink = np.asarray(image, np.float32) / 255.0
    assert erase_underlines(ink) is ink


def test_a_total_underlined_twice_is_read_whole(tmp_path, clear_digits, bundled_predictor):
    """MNIST test digits "1990" underlined twice by hand, saved as a PNG and read as `classify` reads it (before, the
    lower line and the feet of the digits were read together: "1290")."""
    rng = np.random.default_rng(3)
    inks = [mnist_ink(clear_digits[int(digit)][index % 3]) for index, digit in enumerate("1990")]
    path = tmp_path / "total.png"
    Image.fromarray(scan(underline(compose(inks, list("1990"), "spaced", rng), rng, 2), "spaced", rng)).save(path)
    with Image.open(path) as image:
        assert read_number(image, bundled_predictor).text == "1990"


def test_a_box_side_goes_when_slivers_of_its_erased_rules_are_left():
    """A big scan's box: the clean-up erased its top and bottom but left one-pixel slivers of them, below the
    writing; the sides still reach past the writing, so they go."""
    image = Image.new("L", (300, 160), 0)
    draw = ImageDraw.Draw(image)
    draw.line((10, 14, 10, 146), fill=255, width=4)
    draw.line((290, 14, 290, 146), fill=255, width=4)
    draw.line((60, 30, 60, 128), fill=255, width=10)  # a 1
    draw.ellipse((120, 30, 200, 128), outline=255, width=10)  # a 0
    draw.line((40, 150, 90, 150), fill=255, width=1)  # the slivers, lower than the sides' ends
    draw.line((180, 150, 230, 150), fill=255, width=1)
    ink = np.asarray(image, np.float32) / 255.0
    erased = erase_form_lines(ink)
    assert erased[:, :16].max() == 0 and erased[:, -16:].max() == 0
    assert np.array_equal(erased[:, 40:240] > 0.5, ink[:, 40:240] > 0.5)


@pytest.mark.parametrize("stubs", ["top", "top and bottom"])
def test_a_box_side_goes_when_stubs_of_its_erased_rules_are_left_at_its_ends(stubs):
    """A big scan's box whose top and bottom the clean-up erased as ruled lines, leaving stubs of them at the sides'
    ends, one reaching over the first digit's columns: the sides are still straight lines beside the writing, and go
    (they were read as 1s, "682" as "16821")."""
    image = Image.new("L", (300, 160), 0)
    draw = ImageDraw.Draw(image)
    for side, inwards in ((10, 1), (290, -1)):
        draw.line((side, 14, side, 146), fill=255, width=3)
        draw.line((side, 15, side + inwards * 36, 15), fill=255, width=3)
        if stubs == "top and bottom":
            draw.line((side, 145, side + inwards * 20, 145), fill=255, width=3)
    draw.ellipse((36, 30, 96, 128), outline=255, width=10)  # a 0, under the left stub's end
    draw.line((160, 30, 160, 128), fill=255, width=10)  # a 1
    ink = np.asarray(image, np.float32) / 255.0
    erased = erase_form_lines(ink)
    assert erased[:, :16].max() == 0 and erased[:, -16:].max() == 0
    assert np.array_equal(erased[25:, 34:250] > 0.5, ink[25:, 34:250] > 0.5)


@pytest.mark.parametrize("digits, ticks", [
    ("12", False), ("705", False), ("31415926", False), ("47", True), ("2903", True), ("8675309", True),
])
def test_a_number_written_in_a_comb_field_is_read_without_its_dividers(tmp_path, clear_digits, bundled_predictor,
                                                                        digits, ticks):
    """One printed box per digit, or a baseline with a tick between each two digits (a form's comb field), scanned
    to a PNG: the dividers between the digits are no 1s, also where a digit touches one."""
    rng = np.random.default_rng(len(digits))
    inks = [mnist_ink(clear_digits[int(digit)][index % 3]) for index, digit in enumerate(digits)]
    canvas, field = compose_in_boxes(inks, rng, ticks=ticks)
    path = tmp_path / "field.png"
    Image.fromarray(scan(canvas, "boxes", rng, field)).save(path)
    assert read_number(Image.open(path), bundled_predictor).text == digits


@pytest.mark.parametrize("ones", [
    ((20, 22, 78), (50, 27, 77), (80, 18, 79), (110, 24, 72)),  # spaced, as tall as a writer's 1s are (not alike)
    ((20, 22, 78), (42, 23, 78), (64, 22, 77), (86, 23, 78)),  # alike, but as close together as written digits
])
def test_ruler_straight_ones_of_a_writer_are_no_comb_field(ones):
    image = Image.new("L", (260, 100), 0)
    draw = ImageDraw.Draw(image)
    for left, top, bottom in ones:
        draw.line((left, top, left, bottom), fill=255, width=5)
    draw.ellipse((150, 22, 200, 78), outline=255, width=6)
    ink = np.asarray(image, np.float32) / 255.0
    assert erase_form_lines(ink) is ink


def test_mnist_digits_keep_every_stroke(mnist_test):
    """No MNIST test digit loses ink to the form-line eraser (a foot under a 1, a 4's straight stem), to the far-mark
    eraser (a 5's bar drawn apart) nor to the sliver and cap eraser, read as a number or as one digit."""
    x_test, _ = mnist_test
    for image in x_test[:1500]:
        ink = ink_map(image)
        assert erase_form_lines(ink) is ink and erase_far_marks(ink) is ink
        assert erase_cut_neighbours(ink) is ink and erase_cut_neighbours(ink, single_digit=True) is ink


def _sliver_scene(clear_digits, seed: int, crop: str) -> tuple[np.ndarray, str]:
    """A line_crop of clear digits, and the text it holds (the middle digit when cropped with margins)."""
    rng = np.random.default_rng(seed)
    chosen = [int(digit) for digit in rng.integers(0, 10, 3 if crop == "margins" else int(rng.integers(2, 5)))]
    if crop != "margins":
        chosen[0] = chosen[-1] = 1  # 1s at the ends, touching the sides
    image = line_crop([clear_digits[digit][index % 3] for index, digit in enumerate(chosen)], rng, crop)
    return image, str(chosen[1]) if crop == "margins" else "".join(map(str, chosen))


def _has_sliver(image: np.ndarray) -> bool:
    ink = ink_map(image)
    return bool((ink[:, :2] > 0.5).any() or (ink[:, -2:] > 0.5).any()) and erase_cut_neighbours(ink) is not ink


def test_a_digit_cropped_from_a_line_is_read_without_its_neighbours_slivers(tmp_path, clear_digits,
                                                                            bundled_predictor):
    """A digit cropped from a line of writing with pieces of its neighbours at the sides, saved as PNG files: read as
    the digit alone, as one digit and as a number (the folder's CSV too)."""
    scenes = [_sliver_scene(clear_digits, seed, "margins") for seed in range(60)]
    scenes = [(image, text) for image, text in scenes if _has_sliver(image)][:8]
    assert len(scenes) == 8
    paths = []
    for index, (image, text) in enumerate(scenes):
        paths.append(tmp_path / f"crop{index}.png")
        Image.fromarray(image).save(paths[-1])
        assert read_number(Image.open(paths[-1]), bundled_predictor).text == text
        assert read_number(Image.open(paths[-1]), bundled_predictor, single_digit=True).text == text
    with open(tmp_path / "crops.csv", "w", newline="", encoding="utf-8") as stream:
        write_csv(classify_files(paths, bundled_predictor), stream)
    with open(tmp_path / "crops.csv", newline="", encoding="utf-8") as stream:
        assert [row["digit"] for row in csv.DictReader(stream)] == [text for _, text in scenes]


def test_a_digit_cropped_tight_above_and_below_loses_its_neighbours_slivers_read_as_one_digit(clear_digits,
                                                                                         bundled_predictor):
    """Cropped to the digit's own top and bottom, slivers of its neighbours could be a number's 1s, and stay in
    number mode; read as one digit, they go."""
    scenes = []
    for seed in range(60):
        rng = np.random.default_rng(seed)
        chosen = [int(digit) for digit in rng.integers(0, 10, 3)]
        image = line_crop([clear_digits[digit][index % 3] for index, digit in enumerate(chosen)], rng, above=0.0)
        ink = ink_map(image)
        if erase_cut_neighbours(ink) is ink and erase_cut_neighbours(ink, single_digit=True) is not ink:
            scenes.append((image, str(chosen[1])))
    assert len(scenes) >= 6
    for image, text in scenes[:6]:
        assert read_number(image, bundled_predictor, single_digit=True).text == text


@pytest.mark.parametrize("crop", ["tight", "sides tight"])
def test_a_number_cropped_tight_keeps_the_ones_at_its_sides(clear_digits, bundled_predictor, crop):
    """Numbers whose first and last digits are 1s touching the picture's sides are no slivers of neighbours; a
    slanted 1 at an end, which the number reader may take for a slash ("1851" read "185"), stays too."""
    for seed in range(8):
        image, text = _sliver_scene(clear_digits, seed, crop)
        ink = ink_map(image)
        assert (ink[:, :3] > 0.25).any() and (ink[:, -3:] > 0.25).any()
        assert erase_cut_neighbours(ink) is ink
        assert read_number(image, bundled_predictor).text == text


def test_a_sliver_of_a_neighbour_is_erased_and_a_digit_apart_from_it_stays():
    """The pure rule: a short piece cut by the left edge goes, the digit beside it stays whole; a piece taller than
    the digit (a 4's stem drawn apart) stays when read as one digit."""
    image = Image.new("L", (120, 100), 0)
    draw = ImageDraw.Draw(image)
    draw.arc((-30, 30, 10, 70), -60, 60, fill=255, width=6)  # the right end of a neighbour's 0, 40 px tall
    draw.ellipse((40, 20, 90, 80), outline=255, width=7)  # the digit, 60 px tall
    ink = np.asarray(image, np.float32) / 255.0
    erased = erase_cut_neighbours(ink)
    assert erased[:, :20].max() == 0 and np.array_equal(erased[:, 20:], ink[:, 20:])
    stem = Image.new("L", (120, 100), 0)
    draw = ImageDraw.Draw(stem)
    draw.line((30, 20, 30, 60), fill=255, width=7)
    draw.line((30, 60, 80, 60), fill=255, width=7)  # an open 4's first stroke
    draw.line((115, 10, 115, 90), fill=255, width=7)  # its stem, apart, at the right edge and taller
    ink = np.asarray(stem, np.float32) / 255.0
    assert erase_cut_neighbours(ink, single_digit=True) is ink


def test_a_digit_cropped_from_a_page_is_read_without_the_lines_above_and_below(tmp_path, clear_digits,
                                                                             bundled_predictor):
    """A digit cropped from a page of writing, with pieces of the digits written above and below it at the top and
    bottom, saved as PNG files: read as the digit alone."""
    scenes = []
    for seed in range(80):
        rng = np.random.default_rng(seed)
        chosen = [int(digit) for digit in rng.integers(0, 10, 3)]
        image = page_crop([clear_digits[digit][index % 3] for index, digit in enumerate(chosen)], rng)
        ink = ink_map(image)
        if ((ink[:2] > 0.5).any() or (ink[-2:] > 0.5).any()) and erase_cut_neighbours(ink) is not ink:
            scenes.append((image, str(chosen[1])))
    assert len(scenes) >= 8
    for index, (image, text) in enumerate(scenes[:8]):
        path = tmp_path / f"page{index}.png"
        Image.fromarray(image).save(path)
        assert read_number(Image.open(path), bundled_predictor).text == text
        assert read_number(Image.open(path), bundled_predictor, single_digit=True).text == text


def test_a_cap_from_the_line_above_goes_and_a_digit_touching_both_edges_keeps_its_top():
    """The pure rule: a short piece cut by the top edge goes when the bottom is bare paper; a 5 whose flag stands
    apart and touches the top keeps it when its body reaches the bottom (a tight crop)."""
    image = Image.new("L", (100, 140), 0)
    draw = ImageDraw.Draw(image)
    draw.arc((30, -40, 70, 12), 20, 160, fill=255, width=6)  # the foot of a digit written above, 12 px tall
    draw.ellipse((25, 40, 75, 110), outline=255, width=7)  # the digit, 70 px tall
    ink = np.asarray(image, np.float32) / 255.0
    erased = erase_cut_neighbours(ink)
    assert erased[:20].max() == 0 and np.array_equal(erased[20:], ink[20:])
    five = Image.new("L", (60, 100), 0)
    draw = ImageDraw.Draw(five)
    draw.line((20, 2, 55, 2), fill=255, width=5)  # the flag, apart
    draw.line((20, 12, 18, 45), fill=255, width=5)
    draw.arc((5, 35, 55, 99), -100, 150, fill=255, width=5)  # the body, down to the bottom edge
    ink = np.asarray(five, np.float32) / 255.0
    assert erase_cut_neighbours(ink) is ink


def test_marks_apart_at_the_edges_go_and_the_digit_is_read(tmp_path, clear_digits, bundled_predictor):
    """Screenshots of a digit drawn in a phone app, with the app's button in a corner and its tool icons along the
    bottom, and scans with punched holes, saved as PNG files: the folder reads each as its digit, as a number and
    as one digit (with the marks read as ink, 14 of these 30 screenshots were misread)."""
    rng = np.random.default_rng(8)
    expected = {}
    for digit in range(10):
        for marks in APART_MARKS:
            path = tmp_path / f"{digit}_{marks.replace(' ', '_')}.png"
            marked_picture(clear_digits[digit][0], rng, marks).save(path)
            expected[str(path)] = str(digit)
            ink = ink_map(Image.open(path))
            kept = erase_far_marks(ink)
            inner = (slice(int(0.1 * ink.shape[0]), int(0.9 * ink.shape[0])),
                     slice(int(0.15 * ink.shape[1]), int(0.9 * ink.shape[1])))
            outer = np.ones(ink.shape, bool)
            outer[inner] = False
            assert (ink[outer] > 0.5).any() and not (kept[outer] > 0.5).any()  # the marks were ink, and are gone
            assert np.array_equal(kept[inner], ink[inner])  # every stroke of the digit stays
    for single_digit in (False, True):
        rows = list(classify_files(sorted(expected), bundled_predictor, single_digit=single_digit))
        assert {row.path: row.digit for row in rows} == expected


def test_digits_far_apart_in_a_wide_field_all_stay():
    """Digits of a number written 0.8 of their height apart (a comb field) are no far marks, nor is a 1 at the side
    of a two-digit number cropped tight ("16", wider apart than half the 6 is wide), nor a digit near an edge with no
    other ink beyond a gap."""
    ink = np.zeros((60, 400), np.float32)
    for left in range(10, 390, 72):
        ink[10:50, left:left + 30] = 1.0
    assert erase_far_marks(ink) is ink
    sixteen = np.zeros((48, 56), np.float32)
    sixteen[0:48, 1:10] = 1.0
    sixteen[4:48, 25:55] = 1.0
    assert erase_far_marks(sixteen) is sixteen
    holes = sixteen.copy()
    holes[:, 1:10] = 0.0
    holes[10:18, 2:9] = holes[30:38, 2:9] = 1.0  # two punched holes instead of the 1
    assert not erase_far_marks(holes)[:, :12].any()
    lone = np.zeros((200, 200), np.float32)
    lone[5:25, 5:20] = 1.0
    assert erase_far_marks(lone) is lone


def test_a_small_digit_near_a_big_canvass_edge_is_no_empty_cell(tmp_path, bundled_predictor):
    """Each digit drawn 80 px tall with a 2 px pen on a phone's 1080x1920 canvas, 40-70 px from one of its edges
    (left, right, top, bottom in turn), as a PNG: read, not erased as the stubs of an empty cell's box (before, the
    ink of a small digit lying wholly near the edges was taken for them: 8-10% of such drawings "no digit found")."""
    from tests.synthetic_strokes import TEMPLATES

    rng = np.random.default_rng(8)
    width, height, tall, pen = 1080, 1920, 80, 2
    for digit in range(10):
        strokes = [np.asarray(stroke) * tall for stroke in TEMPLATES[str(digit)]]
        extent = np.concatenate(strokes).max(axis=0)
        gap = int(rng.integers(40, 71))
        left, top = {0: (gap, 900), 1: (width - gap - extent[0], 900), 2: (500, gap), 3: (500, height - gap - tall)}[
            digit % 4]
        image = Image.new("L", (2 * width, 2 * height), 255)  # (drawn at twice the size, then anti-aliased down)
        draw = ImageDraw.Draw(image)
        for stroke in strokes:
            draw.line([(2 * (left + x), 2 * (top + y)) for x, y in stroke], fill=0, width=2 * pen, joint="curve")
        image.resize((width, height), Image.LANCZOS).save(tmp_path / f"{digit}.png")
    rows = list(classify_files(sorted(map(str, tmp_path.iterdir())), bundled_predictor))
    assert [row.digit for row in rows] == [str(digit) for digit in range(10)], rows
