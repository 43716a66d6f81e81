"""Written numbers as they appear on real paper, for tests and benchmarks: digits of unseen writers with separators,
printed backgrounds, touching or broken digits, uneven sizes, and comb fields, scanned dark on light (reproducible)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from digitpad.reading.strokes import Stroke, render_strokes

# Digit height in pixels, before each digit's own random size: a number written about 5 mm tall, scanned at
# 240 dpi.
DIGIT_HEIGHT = 48
MARGIN = 14
PAPER = 238
NUISANCES = ("spaced", "touching", "separators", "background", "broken", "uneven", "all", "boxes", "underlined")
# "boxes": a form's comb field, one printed box per digit or a baseline with a tick between each two digits;
# "underlined": spaced digits underlined by hand once or twice (neither part of "all", whose scenes stay as they were).
SEPARATOR_MARKS = ".,-/="


@dataclass(frozen=True)
class Scene:
    """A number image (uint8 grey, dark ink on light paper), its digits, and its text with separators."""

    image: np.ndarray
    digits: str
    text: str


# --- the digits -------------------------------------------------------------------------------------------------

def mnist_ink(image: np.ndarray) -> np.ndarray:
    """An MNIST digit (uint8, white on black) cropped to its ink, as float 0..1."""
    values = image.astype(np.float32) / 255.0
    rows, columns = np.flatnonzero(values.max(axis=1) > 0), np.flatnonzero(values.max(axis=0) > 0)
    return values[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1]


def pen_ink(strokes: list[np.ndarray], rng: np.random.Generator, broken: bool = False) -> np.ndarray:
    """A pen digit's strokes drawn at DIGIT_HEIGHT with a random pen, cropped to its ink; `broken` pulls its
    strokes apart (a 4, 5 or 7 written in two strokes that do not meet)."""
    every = np.concatenate(strokes)
    low, high = every.min(axis=0), every.max(axis=0)
    scale = (DIGIT_HEIGHT * 3.0) / max(float(high[1] - low[1]), 1e-6)
    moved = [(points - low) * scale + DIGIT_HEIGHT for points in strokes]
    if broken and len(moved) > 1:
        gap = DIGIT_HEIGHT * 3.0 * rng.uniform(0.06, 0.12)
        for index in range(1, len(moved)):
            direction = rng.choice([-1.0, 1.0])
            moved[index] = moved[index] + np.array([direction * gap, -gap * 0.5])
    side = int(max(np.concatenate(moved).max(), 1) + DIGIT_HEIGHT * 2)
    width = rng.uniform(0.07, 0.14) * DIGIT_HEIGHT * 3.0
    drawn = render_strokes([Stroke(tuple(map(tuple, points.tolist())), width) for points in moved], side)
    small = drawn.resize((side // 3, side // 3), Image.LANCZOS)
    values = np.asarray(small, dtype=np.float32) / 255.0
    rows, columns = np.flatnonzero(values.max(axis=1) > 0.1), np.flatnonzero(values.max(axis=0) > 0.1)
    return values[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1]


def _scaled(ink: np.ndarray, height: float) -> np.ndarray:
    scale = height / ink.shape[0]
    size = (max(1, round(ink.shape[1] * scale)), max(1, round(height)))
    return np.clip(np.asarray(Image.fromarray(ink, mode="F").resize(size, Image.BILINEAR), np.float32), 0.0, 1.0)


def _mark(mark: str, height: float, stroke: float, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """A separator drawn as ink, and its top relative to the digits' top (in pixels)."""
    size = int(height * 1.1) + 4
    image = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(image)
    radius = stroke * rng.uniform(0.6, 0.9)
    middle = size / 2
    if mark == ".":
        draw.ellipse((middle - radius, height - 2 * radius, middle + radius, height), fill=255)
    elif mark == ",":
        draw.ellipse((middle - radius, height - 2 * radius, middle + radius, height), fill=255)
        draw.line((middle + radius * 0.6, height - radius, middle - radius, height + height * 0.22), fill=255,
                  width=max(1, round(stroke * 0.8)))
    elif mark == "-":
        length, level = height * rng.uniform(0.3, 0.45), height * rng.uniform(0.45, 0.6)
        draw.line((middle - length / 2, level, middle + length / 2, level + rng.uniform(-2, 2)), fill=255,
                  width=max(1, round(stroke)))
    elif mark == "=":
        length = height * rng.uniform(0.35, 0.5)
        for level in (height * 0.4, height * 0.62):
            draw.line((middle - length / 2, level, middle + length / 2, level), fill=255, width=max(1, round(stroke)))
    elif mark == "/":
        lean = height * rng.uniform(0.25, 0.4)
        draw.line((middle - lean / 2, height * 1.02, middle + lean / 2, 0), fill=255, width=max(1, round(stroke)))
    values = np.asarray(image, dtype=np.float32) / 255.0
    rows, columns = np.flatnonzero(values.max(axis=1) > 0), np.flatnonzero(values.max(axis=0) > 0)
    return values[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1], float(rows[0])


# --- composing --------------------------------------------------------------------------------------------------

def _texts(digits: str, nuisance: str, rng: np.random.Generator) -> list[str]:
    """The tokens written: digits, and separators where the nuisance puts them ("1.990", "12,50", "100.-")."""
    tokens = list(digits)
    if nuisance not in ("separators", "all") or len(digits) < 2:
        return tokens
    kind = rng.integers(0, 4)
    if kind == 0:  # thousands or decimals
        position = int(rng.integers(1, len(digits)))
        tokens.insert(position, str(rng.choice([".", ","])))
    elif kind == 1:  # trailing marks
        tokens += [".", "-"] if rng.random() < 0.5 else ["="]
    elif kind == 2:  # dates and ranges
        position = int(rng.integers(1, len(digits)))
        tokens.insert(position, str(rng.choice(["/", "-"])))
    else:
        tokens += ["-"]
    return tokens


def compose(inks: list[np.ndarray], tokens: list[str], nuisance: str, rng: np.random.Generator) -> np.ndarray:
    """Lay out digit inks (one per digit token) and separator marks; return the white-on-black ink canvas."""
    touching = nuisance in ("touching", "all")
    uneven = nuisance in ("uneven", "all")
    placed, position, digit_index = [], 0.0, 0
    slant = rng.uniform(-0.06, 0.06) if uneven else 0.0
    stroke = DIGIT_HEIGHT * 0.14  # marks with the pen of the digits beside them (MNIST strokes, as scanned)
    for token_index, token in enumerate(tokens):
        if token.isdigit():
            height = DIGIT_HEIGHT * (rng.uniform(0.8, 1.15) if uneven else rng.uniform(0.9, 1.1))
            piece = _scaled(inks[digit_index], height)
            digit_index += 1
            top = DIGIT_HEIGHT - height + rng.uniform(-0.2 if uneven else -0.06, 0.2 if uneven else 0.06) * DIGIT_HEIGHT
        else:
            piece, top = _mark(token, DIGIT_HEIGHT, stroke, rng)
        if token_index:
            previous_is_digit = tokens[token_index - 1].isdigit()
            if touching and token.isdigit() and previous_is_digit:
                gap = rng.uniform(-0.12, 0.0) * DIGIT_HEIGHT
            else:
                gap = rng.uniform(0.12, 0.4) * DIGIT_HEIGHT
            position += gap
        left = int(round(position))
        top = int(round(top + slant * left))
        placed.append((piece, top, left))
        position = left + piece.shape[1]
    top_most = min(top for _, top, _ in placed)
    left_most = min(left for _, _, left in placed)
    height = max(top + piece.shape[0] for piece, top, _ in placed) - top_most + 2 * MARGIN
    width = max(left + piece.shape[1] for piece, _, left in placed) - left_most + 2 * MARGIN
    canvas = np.zeros((height, width), np.float32)
    for piece, top, left in placed:
        row, column = top - top_most + MARGIN, left - left_most + MARGIN
        region = canvas[row:row + piece.shape[0], column:column + piece.shape[1]]
        np.maximum(region, piece, out=region)
    return canvas


def _background(shape: tuple[int, int], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Printed paper: a tint with texture, and a security pattern of fine wavy lines (what to darken by, 0..1)."""
    height, width = shape
    texture = Image.fromarray((rng.random((height, width)) * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1.5))
    paper = PAPER - rng.uniform(0, 40) + (np.asarray(texture, np.float32) - 127.0) * rng.uniform(0.1, 0.4)
    rows, columns = np.mgrid[0:height, 0:width].astype(np.float32)
    period, amplitude = rng.uniform(5.0, 9.0), rng.uniform(2.0, 6.0)
    wave = np.sin(2 * np.pi * (rows + amplitude * np.sin(columns / rng.uniform(12.0, 30.0))) / period)
    pattern = np.clip((wave - 0.6) / 0.4, 0.0, 1.0) * rng.uniform(0.12, 0.3)
    return paper, pattern


def _form_lines(canvas: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Printed form rules: a box around the field, or an underline, at a printer's thin, even width."""
    lines = Image.new("L", (canvas.shape[1], canvas.shape[0]), 0)
    draw = ImageDraw.Draw(lines)
    width = int(rng.integers(1, 3))
    inset = MARGIN // 2
    if rng.random() < 0.5:
        draw.rectangle((inset, inset, canvas.shape[1] - inset, canvas.shape[0] - inset), outline=255, width=width)
    else:
        y = canvas.shape[0] - MARGIN + int(rng.integers(-2, 4))
        draw.line((2, y, canvas.shape[1] - 2, y), fill=255, width=width)
    return np.asarray(lines, np.float32) / 255.0


def compose_in_boxes(inks: list[np.ndarray], rng: np.random.Generator,
                     ticks: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Digit inks written one per cell of a comb field: the white-on-black ink canvas, and the printed field (a box
    per digit, or with `ticks` a baseline with ticks; by chance when None), 0..1, at a printer's thin, even width."""
    cell_width = int(DIGIT_HEIGHT * rng.uniform(0.9, 1.3))
    cell_height = int(DIGIT_HEIGHT * rng.uniform(1.2, 1.5))
    margin = MARGIN // 2 + 3
    width, height = len(inks) * cell_width + 2 * margin, cell_height + 2 * margin
    canvas = np.zeros((height, width), np.float32)
    for index, ink in enumerate(inks):
        piece = _scaled(ink, DIGIT_HEIGHT * rng.uniform(0.85, 1.1))
        if piece.shape[1] > cell_width - 4:
            piece = _scaled(ink, piece.shape[0] * (cell_width - 4) / piece.shape[1])
        top = margin + int((cell_height - piece.shape[0]) / 2 + rng.uniform(-0.1, 0.1) * DIGIT_HEIGHT)
        left = margin + index * cell_width + int((cell_width - piece.shape[1]) / 2
                                                 + rng.uniform(-0.1, 0.1) * DIGIT_HEIGHT)
        top, left = min(max(top, 0), height - piece.shape[0]), min(max(left, 0), width - piece.shape[1])
        region = canvas[top:top + piece.shape[0], left:left + piece.shape[1]]
        np.maximum(region, piece, out=region)
    field = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(field)
    line_width = int(rng.integers(1, 3))
    right, bottom = margin + len(inks) * cell_width, margin + cell_height
    if ticks is None:
        ticks = rng.random() >= 0.6
    if not ticks:  # a box per digit: the outline, and a divider between each two
        draw.rectangle((margin, margin, right, bottom), outline=255, width=line_width)
        tick_top, dividers = margin, range(1, len(inks))
    else:  # a baseline with a tick at each end and between each two digits
        draw.line((margin, bottom, right, bottom), fill=255, width=line_width)
        tick_top, dividers = bottom - int(cell_height * rng.uniform(0.25, 0.4)), range(len(inks) + 1)
    for index in dividers:
        column = margin + index * cell_width
        draw.line((column, tick_top, column, bottom), fill=255, width=line_width)
    return canvas, np.asarray(field, np.float32) / 255.0 * rng.uniform(0.35, 0.85)


def scan(canvas: np.ndarray, nuisance: str, rng: np.random.Generator, lines: np.ndarray | None = None) -> np.ndarray:
    """The ink canvas printed as dark ink on paper (with a printed background for that nuisance, or the given printed
    `lines`, 0..1), as uint8 grey."""
    printed = nuisance in ("background", "all")
    if printed:
        paper, pattern = _background(canvas.shape, rng)
        lines = _form_lines(canvas, rng)
    else:
        paper, pattern = np.full(canvas.shape, PAPER, np.float32), 0.0
        lines = 0.0 if lines is None else lines
    ink_level = rng.uniform(20, 70)
    page = paper * (1.0 - pattern) * (1.0 - 0.75 * lines)
    page = page * (1.0 - canvas) + ink_level * canvas
    page += rng.normal(0, 2.0, canvas.shape)
    return np.clip(page, 0, 255).round().astype(np.uint8)


def underline(canvas: np.ndarray, rng: np.random.Generator, lines: int | None = None) -> np.ndarray:
    """The ink canvas with the number underlined by hand in the same pen, once or (a total, half the time; or `lines`
    times) twice: a
    slightly wavy, sloping line from about the first digit's left to the last one's right, touching the digits' feet
    or a little below them."""
    rows, columns = np.flatnonzero(canvas.max(axis=1) > 0.5), np.flatnonzero(canvas.max(axis=0) > 0.5)
    bottom, left, right = rows[-1], columns[0], columns[-1]
    extended = np.pad(canvas, ((0, int(DIGIT_HEIGHT * 0.6)), (0, 0)))
    image = Image.fromarray((extended * 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    width = max(2, int(round(DIGIT_HEIGHT * rng.uniform(0.06, 0.12))))
    y = bottom + DIGIT_HEIGHT * rng.uniform(0.0, 0.15)
    for _ in range(lines or (1 if rng.random() < 0.5 else 2)):
        start = left + DIGIT_HEIGHT * rng.uniform(-0.2, 0.2)
        end = right + DIGIT_HEIGHT * rng.uniform(-0.2, 0.2)
        xs = np.linspace(start, end, 8)
        ys = y + np.linspace(0.0, rng.uniform(-0.05, 0.05) * (end - start), 8) + rng.normal(0, 0.015 * DIGIT_HEIGHT, 8)
        draw.line(list(zip(xs.tolist(), ys.tolist())), fill=255, width=width, joint="curve")
        y += DIGIT_HEIGHT * rng.uniform(0.12, 0.25)
    return np.asarray(image, np.float32) / 255.0


def make_scene(digit_inks: list[np.ndarray], digits: str, nuisance: str, rng: np.random.Generator) -> Scene:
    if nuisance == "underlined":
        return Scene(scan(underline(compose(digit_inks, list(digits), "spaced", rng), rng), nuisance, rng), digits, "")
    if nuisance == "boxes":
        canvas, field = compose_in_boxes(digit_inks, rng)
        return Scene(scan(canvas, nuisance, rng, field), digits, "")
    tokens = _texts(digits, nuisance, rng)
    canvas = compose(digit_inks, tokens, nuisance, rng)
    text = "".join(tokens)
    return Scene(scan(canvas, nuisance, rng), digits, text if text != digits else "")


BREAKABLE = (4, 5, 7)


def random_scenes(mnist: tuple[np.ndarray, np.ndarray], pen, count: int, nuisance: str, seed: int,
                  lengths: tuple[int, int] = (2, 8)) -> list[Scene]:
    """`count` scenes of 2 to 8 digits, each digit from MNIST test digits or the held-out pen writers (`pen`, a
    PenDigits of unseen writers, or None); "broken" numbers use pen digits and break their 4s, 5s and 7s."""
    x_test, y_test = mnist
    rng = np.random.default_rng(seed)
    scenes = []
    pen_by_digit = None
    if pen is not None:
        pen_by_digit = {digit: np.flatnonzero(pen.labels == digit) for digit in range(10)}
    for _ in range(count):
        length = int(rng.integers(lengths[0], lengths[1] + 1))
        digits = "".join(str(int(digit)) for digit in rng.integers(0, 10, length))
        if nuisance in ("broken", "all") and pen_by_digit is not None:
            position = int(rng.integers(0, length))
            digits = digits[:position] + str(rng.choice(BREAKABLE)) + digits[position + 1:]
        inks = []
        for digit in digits:
            must_break = nuisance in ("broken", "all") and int(digit) in BREAKABLE
            use_pen = pen_by_digit is not None and (nuisance == "broken" or must_break or rng.random() < 0.5)
            if use_pen:
                index = int(rng.choice(pen_by_digit[int(digit)]))
                inks.append(pen_ink(pen.strokes[index], rng, broken=must_break))
            else:
                choices = np.flatnonzero(y_test == int(digit))
                inks.append(mnist_ink(x_test[int(rng.choice(choices))]))
        scenes.append(make_scene(inks, digits, nuisance, rng))
    return scenes
