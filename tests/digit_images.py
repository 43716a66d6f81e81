"""Helpers that turn MNIST test digits into realistic image files: big, inverted, transparent, photographed."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont


def high_resolution(digit: np.ndarray, size: int = 140) -> np.ndarray:
    """An MNIST digit (uint8 28x28) upscaled smoothly and re-binarised: a crisp 'original' drawing, ink = 1."""
    image = Image.fromarray(digit).resize((size, size), Image.BICUBIC).filter(ImageFilter.GaussianBlur(size / 140))
    return (np.asarray(image, dtype=np.float32) / 255.0 > 0.45).astype(np.float32)


def on_canvas(ink: np.ndarray, canvas_shape: tuple[int, int], top: int, left: int) -> np.ndarray:
    """Place an ink map on a bigger empty canvas at (top, left)."""
    canvas = np.zeros(canvas_shape, dtype=np.float32)
    canvas[top:top + ink.shape[0], left:left + ink.shape[1]] = ink
    return canvas


def paper_photo(ink: np.ndarray, rng: np.random.Generator, ink_grey: float = 0.15, noise: float = 0.03) -> np.ndarray:
    """Dark ink on uneven, noisy light paper (a phone photo), as uint8 greyscale."""
    height, width = ink.shape
    rows, columns = np.mgrid[0:height, 0:width]
    paper = 0.92 - 0.25 * (columns / width) * (rows / height) - 0.08 * (rows / height)
    image = paper * (1 - ink) + ink_grey * ink
    image = image + rng.normal(0, noise, ink.shape)
    return (np.clip(image, 0, 1) * 255).astype(np.uint8)


def dusty_blank_page(rng: np.random.Generator, shape=(1754, 1240)) -> Image.Image:
    """A scan of a page with nothing written on it (A4 at 150 dpi by default): paper grain and 2 to 8 specks of dust,
    2 to 8 px across, anywhere on it."""
    height, width = shape
    page = 0.93 + rng.normal(0, 0.015, shape)
    for _ in range(int(rng.integers(2, 9))):
        top, left, across = int(rng.integers(0, height - 9)), int(rng.integers(0, width - 9)), int(rng.integers(2, 9))
        page[top:top + across, left:left + across] = rng.uniform(0.2, 0.6)
    return Image.fromarray(as_uint8(page))


def small_digit_on_scan(digit: np.ndarray, rng: np.random.Generator, shape=(1754, 1240)) -> Image.Image:
    """A scan of a page (A4 at 150 dpi by default) with one digit on it written at an everyday size: an MNIST digit
    (uint8 28x28, its ink about 20 px tall) 1.2-3% of the page's height (4-9 mm) (see written_small_on_scan)."""
    return written_small_on_scan(digit, 20, rng, shape)


def written_small_on_scan(writing: np.ndarray, ink_height: int, rng: np.random.Generator,
                          shape=(1754, 1240)) -> Image.Image:
    """A scan of a page (A4 at 150 dpi by default) with writing on it at an everyday size: `writing` (uint8, white ink
    on black, its ink `ink_height` px tall) scaled so that its ink is 1.2-3% of the page's height (4-9 mm), anywhere
    but the margins, dark grey on paper with grain, its edges soft as a scanner's."""
    height, width = shape
    scale = rng.uniform(0.012, 0.03) * height / ink_height
    size = (max(1, round(writing.shape[1] * scale)), max(1, round(writing.shape[0] * scale)))
    ink = np.clip(np.asarray(Image.fromarray(writing).resize(size, Image.BICUBIC), dtype=np.float32) / 255, 0, 1)
    page = 0.93 + rng.normal(0, 0.015, shape)
    top, left = int(rng.integers(100, height - 100 - size[1])), int(rng.integers(100, width - 100 - size[0]))
    window = page[top:top + size[1], left:left + size[0]]
    page[top:top + size[1], left:left + size[0]] = window * (1 - ink) + 0.15 * ink
    return Image.fromarray(as_uint8(page))


PAGES = ("dark corners", "lamp to one side", "dim room", "squared page", "shadow across it")


def optdigits_counts(ink: np.ndarray) -> np.ndarray:
    """A digit (white on black, uint8) as UCI's optdigits stores its digits and scikit-learn's `load_digits` shows
    them: a 32x32 bitmap (the ink cut at its edges, scaled to fill 32 px on its longer side keeping its aspect,
    centred, on where at least half dark), counted in 4x4 blocks (0-16), as 8x8 grey levels 0-255."""
    rows, columns = np.nonzero(ink > 30)
    crop = ink[rows.min():rows.max() + 1, columns.min():columns.max() + 1]
    scale = 32 / max(crop.shape)
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    bitmap = np.zeros((32, 32), bool)
    top, left = (32 - size[1]) // 2, (32 - size[0]) // 2
    bitmap[top:top + size[1], left:left + size[0]] = np.asarray(Image.fromarray(crop).resize(size, Image.BILINEAR)) >= 128
    counts = bitmap.reshape(8, 4, 8, 4).sum(axis=(1, 3))
    return (counts * 255 // 16).astype(np.uint8)


def page_photo(ink: np.ndarray, rng: np.random.Generator, page: str, shape=(600, 800)) -> Image.Image:
    """A small digit somewhere on a phone photo of a page, saved through JPEG: paper lit unevenly, its darker part
    the larger (a camera's dark corners: 0.88 in the middle, 0.44 in the corners; a lamp to one side: 0.85 near
    it, 0.35 far; a dim room: 0.45 to 0.70), dark ink; or a squared page (light blue lines every 25 px, which
    outnumber the ink) written in red; or a page evenly lit but for a shadow across it (a phone's or a hand's: the
    page beyond a straight edge at any angle, 25-65% of it, 0.45-0.75 as bright, the edge blurred over 2-12% of the
    width), which may fall on the digit too."""
    height, width = shape
    rows, columns = np.mgrid[0:height, 0:width].astype(np.float32)
    pen = np.array([0.1, 0.1, 0.1], np.float32)
    shade = np.ones(shape, np.float32)
    if page == "shadow across it":
        angle = rng.uniform(0, 2 * np.pi)
        across = (columns - width / 2) * np.cos(angle) + (rows - height / 2) * np.sin(angle)
        edge = float(np.quantile(across, 1 - rng.uniform(0.25, 0.65)))
        blur = rng.uniform(0.02, 0.12) * width
        darkness = 1 - rng.uniform(0.45, 0.75)
        shade = 1 - darkness * np.clip((across - edge) / blur + 0.5, 0, 1)
    if page == "dark corners":
        paper = 0.88 - 0.22 * (((rows - height / 2) / (height / 2)) ** 2 + ((columns - width / 2) / (width / 2)) ** 2)
    elif page == "lamp to one side":
        paper = 0.35 + 0.5 * np.exp(-((columns - width) ** 2 + rows ** 2) / (2 * (0.45 * width) ** 2))
    elif page == "dim room":
        paper = 0.45 + 0.25 * (columns / width) * (rows / height)
    elif page == "shadow across it":
        paper = np.full(shape, rng.uniform(0.8, 0.95), np.float32)
    else:
        paper = np.full(shape, 0.96, np.float32)
        pen = np.array([0.8, 0.1, 0.1], np.float32)
    paper = np.repeat(paper[..., np.newaxis], 3, axis=2)
    if page == "squared page":
        lines = (rows % 25 < 1) | (columns % 25 < 1)
        paper[lines] = [0.6, 0.8, 0.9]
    canvas = np.zeros(shape, np.float32)
    top, left = int(rng.integers(0, height - ink.shape[0])), int(rng.integers(0, width - ink.shape[1]))
    canvas[top:top + ink.shape[0], left:left + ink.shape[1]] = ink
    canvas = canvas[..., np.newaxis]
    photo = (paper * (1 - canvas) + pen * canvas) * shade[..., np.newaxis] + rng.normal(0, 0.02, (height, width, 1))
    buffer = io.BytesIO()
    Image.fromarray(as_uint8(photo)).filter(ImageFilter.GaussianBlur(0.8)).save(buffer, "JPEG", quality=75)
    buffer.seek(0)
    return Image.open(buffer)


CELL_SIDES = {"full box": "lrtb", "three sides": "lrb", "two sides (a corner)": "lb", "one side": "l",
              "bottom line": "b"}
# A table's rules, as dark as the ink and thicker than a box's thin printed lines (form_cell's `dark_thick`).
DARK_THICK_CELL_SIDES = {"full box": "lrtb", "three sides": "lrb", "two sides (a corner)": "lb",
                         "a table row's rules": "tb"}


def form_cell(digit: np.ndarray | None, rng: np.random.Generator, sides: str, dark_thick: bool = False) -> np.ndarray:
    """An MNIST digit written in a form's printed cell and cropped with the cell, as uint8 grey: the cell's lines on
    `sides` ("l", "r", "t", "b") lie 0 to 3 px inside the picture's edges, 1 to 3 px wide, printed light to mid grey
    (`dark_thick`: 3 to 6 px wide, nearly as dark as the ink); the digit is 40 to 90 px tall, a little off the cell's
    centre, and may touch a line. `digit` None: the cell left empty."""
    height = int(rng.integers(40, 90))
    cell_width, cell_height = int(height * rng.uniform(0.9, 1.4)), int(height * rng.uniform(1.1, 1.5))
    if digit is None:
        return _printed_lines(np.zeros((cell_height, cell_width), np.float32), rng, sides, dark_thick)
    drawing = Image.fromarray(digit).resize((height, height), Image.BICUBIC)
    ink = np.asarray(drawing, np.float32) / 255.0
    rows, columns = np.flatnonzero(ink.max(axis=1) > 0.1), np.flatnonzero(ink.max(axis=0) > 0.1)
    ink = ink[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1]
    scale = min(rng.uniform(0.75, 0.95), (cell_width - 4) / ink.shape[1] * ink.shape[0] / height)
    size = (max(1, round(ink.shape[1] * scale * height / ink.shape[0])), max(1, round(height * scale)))
    ink = np.clip(np.asarray(Image.fromarray(ink, mode="F").resize(size, Image.BILINEAR), np.float32), 0, 1)
    canvas = np.zeros((cell_height, cell_width), np.float32)
    top = min(max((cell_height - ink.shape[0]) // 2 + int(rng.integers(-3, 4)), 0), cell_height - ink.shape[0])
    left = min(max((cell_width - ink.shape[1]) // 2 + int(rng.integers(-3, 4)), 0), cell_width - ink.shape[1])
    canvas[top:top + ink.shape[0], left:left + ink.shape[1]] = ink
    return _printed_lines(canvas, rng, sides, dark_thick)


def _printed_lines(canvas: np.ndarray, rng: np.random.Generator, sides: str, dark_thick: bool) -> np.ndarray:
    """form_cell's cell: its printed lines on `sides` and its paper under the ink `canvas` (0..1), as uint8 grey."""
    cell_height, cell_width = canvas.shape
    lines = Image.new("L", (cell_width, cell_height), 0)
    draw = ImageDraw.Draw(lines)
    width, inset = int(rng.integers(3, 7) if dark_thick else rng.integers(1, 4)), int(rng.integers(0, 4))
    for side in sides:
        if side in "lr":
            column = inset if side == "l" else cell_width - 1 - inset
            draw.line((column, 0, column, cell_height), fill=255, width=width)
        else:
            row = inset if side == "t" else cell_height - 1 - inset
            draw.line((0, row, cell_width, row), fill=255, width=width)
    if dark_thick:
        page = 238.0 * (1 - np.asarray(lines, np.float32) / 255.0 * rng.uniform(0.7, 0.95))
    else:
        page = 238.0 * (1 - 0.75 * np.asarray(lines, np.float32) / 255.0 * rng.uniform(0.4, 0.85))
    page = page * (1 - canvas) + rng.uniform(20, 70) * canvas + rng.normal(0, 2, canvas.shape)
    return np.clip(page, 0, 255).astype(np.uint8)


LINE_CROPS = ("margins", "tight", "sides tight")
"""How line_crop frames its writing: a digit with margins (slivers of its neighbours at the sides), a number cropped
tight all round, or tight at the sides only."""


def line_crop(digits: list[np.ndarray], rng: np.random.Generator, crop: str = "margins",
              margin: float = 0.3, above: float = 0.2) -> np.ndarray:
    """MNIST digits (uint8 28x28) written side by side, 40 to 90 px tall, a little up and down, on light paper,
    cropped from the line as uint8 grey. "margins": three digits, the middle one cropped with up to `margin` of its
    height beside it (pieces of its neighbours come in at the sides) and up to `above` above and below; "tight":
    the whole number's ink box; "sides tight": the same with 0.15 of the height above and below."""
    height = int(rng.integers(40, 90))
    inks = []
    for digit in digits:
        values = digit.astype(np.float32) / 255.0
        rows, columns = np.flatnonzero(values.max(axis=1) > 0.1), np.flatnonzero(values.max(axis=0) > 0.1)
        tight = digit[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1]
        size = (max(2, round(tight.shape[1] * height / tight.shape[0])), height)
        inks.append(np.asarray(Image.fromarray(tight).resize(size, Image.BICUBIC), np.float32) / 255.0)
    low_gap = -0.02 if crop == "margins" else 0.05
    gaps = [int(rng.uniform(low_gap, 0.3) * height) for _ in inks]
    canvas = np.zeros((2 * height, sum(ink.shape[1] for ink in inks) + sum(gaps) + 2 * height), np.float32)
    left, boxes = height, []
    for ink, gap in zip(inks, gaps):
        top = height // 2 + int(rng.integers(-(height // 10), height // 10 + 1))
        view = canvas[top:top + height, left:left + ink.shape[1]]
        np.maximum(view, ink, out=view)
        boxes.append((top, left, top + height, left + ink.shape[1]))
        left += ink.shape[1] + gap
    if crop == "margins":
        top, left, bottom, right = boxes[len(boxes) // 2]
        beside = [int(rng.uniform(0, margin) * height) for _ in range(2)]
        over = [int(rng.uniform(0, above) * height) for _ in range(2)]
        canvas = canvas[top - over[0]:bottom + over[1], left - beside[0]:right + beside[1]]
    else:
        rows, columns = np.flatnonzero(canvas.max(axis=1) > 0.3), np.flatnonzero(canvas.max(axis=0) > 0.3)
        over = int(0.15 * height) if crop == "sides tight" else 0
        canvas = canvas[rows[0] - over:rows[-1] + 1 + over, columns[0]:columns[-1] + 1]
    page = 0.9 * (1 - canvas) + 0.15 * canvas + rng.normal(0, 0.02, canvas.shape)
    return as_uint8(page)


def page_crop(digits: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Three MNIST digits (uint8 28x28) written one under the other on lined-up lines of writing (1.05 to 1.4 times
    their 40 to 90 px height apart), the middle one cropped with up to 0.4 of its height above and below it and up
    to 0.1 beside it, so pieces of the digits above and below come in at the top and bottom; as uint8 grey."""
    height, spacing = int(rng.integers(40, 90)), rng.uniform(1.05, 1.4)
    canvas = np.zeros((int(4 * height * spacing) + 2 * height, 5 * height), np.float32)
    box = (0, 0, 0, 0)
    for line, digit in enumerate(digits):
        values = digit.astype(np.float32) / 255.0
        rows, columns = np.flatnonzero(values.max(axis=1) > 0.1), np.flatnonzero(values.max(axis=0) > 0.1)
        tight = digit[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1]
        size = (max(2, round(tight.shape[1] * height / tight.shape[0])), height)
        ink = np.asarray(Image.fromarray(tight).resize(size, Image.BICUBIC), np.float32) / 255.0
        top = height + int(line * spacing * height) + int(rng.integers(-(height // 10), height // 10 + 1))
        left = 2 * height + (int(rng.integers(-(height // 3), height // 3 + 1)) if line != 1 else 0)
        view = canvas[top:top + height, left:left + ink.shape[1]]
        np.maximum(view, ink, out=view)
        if line == 1:
            box = (top, left, top + height, left + ink.shape[1])
    top, left, bottom, right = box
    above = [int(rng.uniform(0, 0.4) * height) for _ in range(2)]
    beside = [int(rng.uniform(0, 0.1) * height) for _ in range(2)]
    canvas = canvas[top - above[0]:bottom + above[1], left - beside[0]:right + beside[1]]
    return as_uint8(0.9 * (1 - canvas) + 0.15 * canvas + rng.normal(0, 0.02, canvas.shape))


def as_uint8(values: np.ndarray) -> np.ndarray:
    return (np.clip(values, 0, 1) * 255).astype(np.uint8)


def notebook_photo(ink: np.ndarray, rng: np.random.Generator, ruled: bool, margin: bool, tilt: float = 0.0) -> Image.Image:
    """Dark blue writing on cream notebook paper: light blue ruled lines every 30 px and a red margin line,
    the paper turned by `tilt` degrees (not the writing: it is compared with the upright reference)."""
    height, width = ink.shape
    paper = np.ones((2 * height, 2 * width, 3), np.float32) * np.array([0.95, 0.94, 0.9], np.float32)
    if ruled:
        paper[15::30] = paper[16::30] = [0.6, 0.7, 0.95]
    if margin:
        paper[:, width // 2 + 20:width // 2 + 23] = [0.9, 0.4, 0.4]
    turned = Image.fromarray(as_uint8(paper)).rotate(tilt, Image.BICUBIC)
    paper = np.asarray(turned, np.float32)[height // 2:height // 2 + height, width // 2:width // 2 + width] / 255
    pen = np.array([0.1, 0.1, 0.35], np.float32)
    photo = paper * (1 - ink[..., np.newaxis]) + pen * ink[..., np.newaxis] + rng.normal(0, 0.02, paper.shape)
    return Image.fromarray(as_uint8(photo))


def printed_digit(font_path, digit: int, size: int) -> Image.Image:
    """A digit printed black on white paper in a font, `size` pixels high, centred on a square twice that."""
    font = ImageFont.truetype(str(font_path), size)
    image = Image.new("L", (size * 2, size * 2), 255)
    ImageDraw.Draw(image).text((size, size), str(digit), fill=0, font=font, anchor="mm")
    return image


APART_MARKS = ("app button", "app icons", "app button and icons", "punched holes")


def marked_picture(digit: np.ndarray, rng: np.random.Generator, marks: str) -> Image.Image:
    """A digit with marks apart from it at the picture's edges (APART_MARKS): drawn big in a phone's drawing app
    (black on a white 540x960 canvas, somewhere near the middle) and screenshot with the app's blue button in the top
    corner and/or its row of tool icons along the bottom; or written on paper and scanned (a grey 600x800 page,
    the digit 160-280 px tall) with the two holes punched in its left margin."""
    scanned = marks == "punched holes"
    width, height = (600, 800) if scanned else (540, 960)
    canvas = Image.new("RGB", (width, height), (232, 230, 222) if scanned else (255, 255, 255))
    side = int(rng.integers(160, 280) if scanned else rng.integers(220, 360))
    ink = Image.fromarray(digit).resize((side, side), Image.BICUBIC)
    left = (width - side) // 2 + int(rng.integers(-60, 60))
    top = (height - side) // 2 + int(rng.integers(-80, 80))
    canvas.paste((30, 30, 40), (left, top, left + side, top + side), ink)
    draw = ImageDraw.Draw(canvas)
    if marks in ("app button", "app button and icons"):
        draw.rounded_rectangle((20, 14, 120, 54), radius=8, fill=(30, 110, 220))
    if marks in ("app icons", "app button and icons"):
        for icon_left in range(50, 500, 95):
            draw.ellipse((icon_left, 890, icon_left + 36, 926), outline=(60, 60, 60), width=4)
    if scanned:
        for middle in (height // 3, 2 * height // 3):
            draw.ellipse((18, middle - 22, 62, middle + 22), fill=(20, 20, 20))
        canvas = canvas.filter(ImageFilter.GaussianBlur(0.8))
    return canvas


SHEETS_ON_TABLES = ("table all round", "table at one side", "table in a corner", "sheet askew", "card on a desk",
                    "sheet filling the frame", "filling the frame, lit from a corner")


def sheet_on_table(ink: np.ndarray, rng: np.random.Generator, layout: str, shape=(800, 600)) -> Image.Image:
    """A phone photo (JPEG) of a sheet of paper lying on a dark, grainy table, the digit (an ink map, 1 = ink) written
    on the sheet in dark blue: the table shows all round the sheet, at one side, in a corner (two sides), or all
    round a sheet lying askew (5-15 degrees), the sheet taking 55-85% of the picture; a small card on a desk (20-45%
    of the picture, the digit filling half of it or more); or a sheet filling the frame but lying a little askew (1-5
    degrees), so the table shows only in slivers along the edges; or such a sheet lying 3-12 degrees askew, its light
    falling from one corner to 0.45-0.65 as bright at the opposite one. The paper is lit a little unevenly."""
    height, width = shape
    table = rng.uniform([40, 30, 20], [90, 60, 40])
    grain = np.asarray(Image.fromarray((rng.random((height // 8, width // 8)) * 255).astype(np.uint8))
                       .resize((width, height), Image.BILINEAR), np.float32)[..., np.newaxis] / 255.0
    photo = table * (0.8 + 0.4 * grain)
    sheet = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(sheet)
    if layout == "table all round":
        draw.rectangle((rng.uniform(0.05, 0.15) * width, rng.uniform(0.05, 0.12) * height,
                        rng.uniform(0.85, 0.95) * width, rng.uniform(0.88, 0.95) * height), fill=255)
    elif layout == "table at one side":
        draw.rectangle((0, 0, rng.uniform(0.8, 0.9) * width, height), fill=255)
    elif layout == "table in a corner":
        draw.rectangle((rng.uniform(0.05, 0.15) * width, rng.uniform(0.05, 0.12) * height, width, height), fill=255)
    elif layout == "card on a desk":
        card_height = np.sqrt(rng.uniform(0.2, 0.45) * height * width * 1.3)
        card_width = card_height / 1.3
        top = rng.uniform(0.05, 0.95) * (height - card_height)
        left = rng.uniform(0.05, 0.95) * (width - card_width)
        draw.rectangle((left, top, left + card_width, top + card_height), fill=255)
    else:
        filling = layout in ("sheet filling the frame", "filling the frame, lit from a corner")
        tilt = rng.uniform(3, 12) if layout.endswith("corner") else rng.uniform(1, 5) if filling else rng.uniform(5, 15)
        angle = np.deg2rad(tilt * rng.choice([-1, 1]))
        half_width, half_height = (0.5 * rng.uniform(1.0, 1.05) * width, 0.5 * rng.uniform(1.0, 1.05) * height) \
            if filling else (0.42 * width, 0.42 * height)
        corners = ((-half_width, -half_height), (half_width, -half_height), (half_width, half_height),
                   (-half_width, half_height))
        draw.polygon([(width / 2 + x * np.cos(angle) - y * np.sin(angle),
                       height / 2 + x * np.sin(angle) + y * np.cos(angle)) for x, y in corners], fill=255)
    on_sheet = np.asarray(sheet, np.float32)[..., np.newaxis] / 255.0
    light = np.linspace(1.0, rng.uniform(0.8, 0.95), width, dtype=np.float32)[np.newaxis, :, np.newaxis]
    if layout == "filling the frame, lit from a corner":
        rows, columns = np.mgrid[0:height, 0:width].astype(np.float32)
        across = (rows / height if rng.random() < 0.5 else 1 - rows / height) + (
            columns / width if rng.random() < 0.5 else 1 - columns / width)
        darkest = rng.uniform(0.45, 0.65)
        light = light * (1 - (1 - darkest) * np.clip((across - 0.6) / 1.4, 0, 1))[..., np.newaxis]
    photo = photo * (1 - on_sheet) + np.array([235, 232, 225], np.float32) * light * on_sheet
    if layout == "card on a desk":  # (the digit in the middle of the card, scaled to it)
        rows, columns = np.flatnonzero(on_sheet[..., 0].any(axis=1)), np.flatnonzero(on_sheet[..., 0].any(axis=0))
        side = int(min(len(rows), len(columns)) * rng.uniform(0.5, 0.8))
        ink = np.asarray(Image.fromarray(ink).resize((side, side), Image.BILINEAR))
        top, left = int(rows.mean() - side / 2), int(columns.mean() - side / 2)
    else:
        top = int(height * 0.5 - ink.shape[0] / 2 + rng.uniform(-0.1, 0.1) * height)
        left = int(width * 0.45 - ink.shape[1] / 2 + rng.uniform(-0.1, 0.1) * width)
    written = on_canvas(ink, shape, top, left)[..., np.newaxis]
    photo = photo * (1 - written) + np.array([25, 25, 60], np.float32) * written
    buffer = io.BytesIO()
    Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1.0)).save(
        buffer, "JPEG", quality=85)
    buffer.seek(0)
    return Image.open(buffer)


SHOW_THROUGH = ("old ledger", "thin paper", "form on thin paper")


def show_through(digit: np.ndarray, back: np.ndarray, rng: np.random.Generator, page: str,
                 showing: bool = True) -> Image.Image:
    """A digit scanned from a page through which the writing on its other side shows: `back` (another digit), mirrored,
    blurred by the paper and 15-40% as dark as the ink, lies somewhere under or beside the digit. An "old ledger" is a
    small JPEG crop (48-72 px) of yellowed, mottled paper written in faded brown ink; "thin paper" a 240 px scan of
    white paper in black or blue ink; a "form on thin paper" the same with a light printed line under the digit.
    Without `showing`, the same page with nothing showing through (the same draws from `rng`)."""
    small = page == "old ledger"
    side = int(rng.integers(48, 73)) if small else 240
    size = int(side * rng.uniform(0.6, 0.8))
    ink = np.asarray(Image.fromarray(digit).resize((size, size), Image.BICUBIC), np.float32) / 255
    behind = np.asarray(Image.fromarray(back[:, ::-1]).resize((size, size), Image.BICUBIC)
                        .filter(ImageFilter.GaussianBlur(size * rng.uniform(0.015, 0.04))), np.float32) / 255
    written = on_canvas(np.clip((ink - 0.3) * 2.5, 0, 1), (side, side), *rng.integers(0, side - size, 2))
    shown = on_canvas(behind, (side, side), *rng.integers(0, side - size, 2)) * rng.uniform(0.15, 0.4) * showing
    if small:
        mottle = np.asarray(Image.fromarray((rng.random((8, 8)) * 255).astype(np.uint8))
                            .resize((side, side), Image.BILINEAR), np.float32)[..., np.newaxis] / 255
        paper = rng.uniform([0.8, 0.7, 0.5], [0.9, 0.8, 0.62]) * (0.93 + 0.07 * mottle)
        pen = rng.uniform([0.25, 0.15, 0.05], [0.45, 0.3, 0.15])
    else:
        paper = np.full((side, side, 3), 0.95, np.float32) - rng.uniform(0, 0.03, 3)
        pen = np.array([0.1, 0.1, 0.1] if rng.random() < 0.5 else [0.1, 0.15, 0.5], np.float32)
        if page == "form on thin paper":
            line = int(side * rng.uniform(0.85, 0.93))
            paper[line:line + 2] = [0.7, 0.75, 0.85]
    picture = paper * (1 - shown[..., np.newaxis]) * (1 - written[..., np.newaxis]) + pen * written[..., np.newaxis]
    picture = picture + rng.normal(0, 0.015, (side, side, 1))
    buffer = io.BytesIO()
    Image.fromarray(as_uint8(picture)).save(buffer, "JPEG", quality=75 if small else 85)
    return Image.open(buffer)


def on_baseline(digit: np.ndarray, rng: np.random.Generator) -> Image.Image:
    """A digit written above a form's printed baseline that ends inside the picture (a photo or scan of the field,
    not a crop through its line): the digit 100-180 px tall, the line 2-5 px thick, 3-15% of the digit's height
    below it, spanning 70-92% of the picture's width; saved as PNG or JPEG."""
    size = int(rng.integers(100, 181))
    width, height = int(size * rng.uniform(1.4, 1.8)), int(size * rng.uniform(1.4, 1.6))
    ink = high_resolution(digit, size)
    top, left = int(rng.integers(height // 20, height - size - height // 6)), (width - size) // 2
    canvas = on_canvas(ink, (height, width), top, left)
    bottom = top + int(np.flatnonzero(ink.any(axis=1))[-1])
    row = min(height - 6, bottom + int(size * rng.uniform(0.03, 0.15)))
    span = rng.uniform(0.7, 0.92) * width
    start = int(rng.uniform(0, width - span))
    canvas[row:row + int(rng.integers(2, 6)), start:start + int(span)] = 1.0
    picture = 0.93 - 0.8 * canvas + rng.normal(0, 0.02, canvas.shape)
    buffer = io.BytesIO()
    Image.fromarray(as_uint8(picture)).save(buffer, "PNG" if rng.random() < 0.5 else "JPEG")
    return Image.open(buffer)


def circled(digit: np.ndarray, rng: np.random.Generator) -> Image.Image:
    """A digit with a ring around it (a printed circle on a form, or circled by hand in the same pen, a little
    lopsided): the digit 90-150 px tall, the ring 1.5-1.9 times that across and 2-8 px thick; a PNG scan."""
    size = int(rng.integers(90, 151))
    ring = int(size * rng.uniform(1.5, 1.9))
    side = ring + 40
    canvas = Image.fromarray(as_uint8(on_canvas(high_resolution(digit, size), (side, side), (side - size) // 2,
                                                (side - size) // 2)))
    squash = rng.uniform(0.85, 1.0)
    left, top = (side - ring) // 2, int((side - ring * squash) / 2)
    ImageDraw.Draw(canvas).ellipse((left, top, left + ring, top + int(ring * squash)), outline=255,
                                   width=int(rng.integers(2, 9)))
    picture = 0.93 - 0.8 * np.asarray(canvas, np.float32) / 255 + rng.normal(0, 0.02, (side, side))
    buffer = io.BytesIO()
    Image.fromarray(as_uint8(picture)).save(buffer, "PNG")
    return Image.open(buffer)


def dim_noisy_photo(ink: np.ndarray, rng: np.random.Generator, shape=(240, 320)) -> Image.Image:
    """A webcam's or an old phone's picture of a digit in a dim room: grey paper (0.35-0.45), dark ink (0.08-0.12)
    and sensor noise a fifth to a third as strong as the ink stands out (standard deviation 0.05-0.07), as JPEG;
    `ink` (1 = ink) somewhere near the middle."""
    height, width = shape
    top = int(rng.integers(10, height - ink.shape[0] - 10))
    left = int(rng.integers(20, width - ink.shape[1] - 20))
    written = on_canvas(ink, shape, top, left)
    paper, pen = rng.uniform(0.35, 0.45), rng.uniform(0.08, 0.12)
    picture = paper - (paper - pen) * written + rng.normal(0, rng.uniform(0.05, 0.07), shape)
    buffer = io.BytesIO()
    Image.fromarray(as_uint8(picture)).save(buffer, "JPEG", quality=80)
    return Image.open(buffer)


PEN_FILES = ("phone export", "transparent canvas", "dark canvas", "scanned paper", "dip pen ledger", "broad nib scan",
             "finger drawing", "small on a big canvas")
# Canvases a digit is drawn small on, with a stylus's thin pen: a phone's upright, a tablet's, a phone's on its side.
BIG_CANVASES = ((1080, 1920), (2048, 1536), (1920, 1080))
# Nib pens: a pointed dip pen swells on downstrokes and draws hairline upstrokes; a broad nib held at an angle draws
# thin along its edge and thick across it. The thinnest line is this share of the thickest.
NIB_HAIRLINE = (0.12, 0.35)


def _nib_widths(points: list, kind: str, pen: float, hairline: float, nib_angle: float) -> list[float]:
    """The width of each segment of a stroke drawn with a nib (see NIB_HAIRLINE), in pixels, at least 1."""
    widths = []
    for (x0, y0), (x1, y1) in zip(points[:-1], points[1:]):
        direction = np.arctan2(y1 - y0, x1 - x0)  # y down: a downstroke has a positive sine
        swell = max(0.0, np.sin(direction)) if kind == "dip pen ledger" else abs(np.sin(direction - nib_angle))
        widths.append(max(1.0, pen * (hairline + (1.0 - hairline) * swell)))
    return widths


def pen_digit_file(strokes: list, kind: str, rng: np.random.Generator) -> Image.Image:
    """A tablet writer's digit (`strokes`: point arrays, y down) drawn as a real-sized image file of one of PEN_FILES:
    a phone drawing app's 1080x1920 PNG export (the digit 300-1000 px tall, a 4-12% pen in black, blue or red),
    a 500 px PNG of black strokes on a transparent canvas, a 280 px canvas of white strokes on black, or a JPEG
    scan of paper (the digit 60-160 px tall, a thin pen, blurred and noisy); the digit somewhere inside. Written
    with a nib: a JPEG crop of an old ledger (yellowed paper, faded brown ink from a pointed dip pen, the digit
    45-90 px tall) or a scan of a broad nib's writing in black or blue (60-160 px). Drawn with a finger: a phone
    app's 280-400 px PNG, a fat brush 0.15-0.3 of the digit's height, black on white or white on black. Small on a
    big canvas: a phone's or a tablet's canvas (BIG_CANVASES) as a PNG, the digit 60-160 px tall anywhere on it,
    drawn with a stylus's 2-5 px pen."""
    every = np.concatenate([np.asarray(stroke, np.float64) for stroke in strokes])
    low, span = every.min(axis=0), np.maximum(np.ptp(every, axis=0), 1e-6)
    size, heights, pen_shares, mode, paper = {
        "phone export": ((1080, 1920), (300, 1000), (0.04, 0.12), "RGB", (255, 255, 255)),
        "transparent canvas": ((500, 500), (150, 450), (0.05, 0.12), "RGBA", (0, 0, 0, 0)),
        "dark canvas": ((280, 280), (100, 250), (0.06, 0.14), "L", 0),
        "scanned paper": (None, (60, 160), (0.03, 0.08), "L", int(rng.uniform(205, 245))),
        "dip pen ledger": (None, (45, 90), (0.07, 0.14), "RGB", None),
        "broad nib scan": (None, (60, 160), (0.07, 0.14), "L", None),
        "finger drawing": (None, (120, 220), (0.15, 0.30), "L", 255),
        "small on a big canvas": (None, (60, 160), (0.015, 0.03), "L", 255),
    }[kind]
    nib = paper is None  # (its random draws come after the others', which stay as they were)
    height = rng.uniform(*heights)
    pen = max(2.0, rng.uniform(*pen_shares) * height)
    if kind == "finger drawing":
        size = (int(rng.integers(280, 401)),) * 2
    elif kind == "small on a big canvas":
        size = BIG_CANVASES[int(rng.integers(len(BIG_CANVASES)))]
    elif size is None:
        size = (int(height * 2.2), int(height * 1.8))
    scale = min(height / span[1], (size[0] - 3 * pen) / span[0], (size[1] - 3 * pen) / span[1])
    left = rng.uniform(1.5 * pen, max(1.5 * pen, size[0] - 1.5 * pen - span[0] * scale))
    top = rng.uniform(1.5 * pen, max(1.5 * pen, size[1] - 1.5 * pen - span[1] * scale))
    ink = {"phone export": tuple(int(value) for value in rng.choice([[0, 0, 0], [20, 40, 200], [200, 20, 20]])),
           "transparent canvas": (0, 0, 0, 255), "dark canvas": 255,
           "scanned paper": int(rng.uniform(20, 110)), "finger drawing": 0, "small on a big canvas": 0}.get(kind)  # (a nib's ink: below)
    if nib:
        hairline, nib_angle = rng.uniform(*NIB_HAIRLINE), np.radians(rng.uniform(20, 50))
        if kind == "dip pen ledger":
            paper = tuple(int(rng.uniform(*band)) for band in ((215, 240), (195, 225), (150, 190)))
            ink = tuple(int(rng.uniform(*band)) for band in ((60, 130), (40, 90), (20, 60)))
        else:
            paper, ink = int(rng.uniform(215, 250)), int(rng.uniform(10, 110))
    if kind == "finger drawing" and rng.random() < 0.5:  # white on black, as many digit-drawing demos
        paper, ink = ink, paper
    image = Image.new(mode, size, paper)
    draw = ImageDraw.Draw(image)
    for stroke in strokes:
        points = [(left + (x - low[0]) * scale, top + (y - low[1]) * scale) for x, y in np.asarray(stroke, np.float64)]
        if len(points) == 1:
            points = points * 2
        if nib:
            widths = _nib_widths(points, kind, pen, hairline, nib_angle)
            for start, end, width in zip(points[:-1], points[1:], widths):
                draw.line([start, end], fill=ink, width=round(width))
                draw.ellipse((end[0] - width / 2, end[1] - width / 2, end[0] + width / 2, end[1] + width / 2), fill=ink)
            continue
        draw.line(points, fill=ink, width=int(pen), joint="curve")
        for x, y in (points[0], points[-1]):
            draw.ellipse((x - pen / 2, y - pen / 2, x + pen / 2, y + pen / 2), fill=ink)
    buffer = io.BytesIO()
    if kind == "scanned paper" or nib:
        scan = np.asarray(image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.2))), np.float32)
        scan = scan + rng.normal(0, rng.uniform(2, 9), scan.shape)
        Image.fromarray(np.clip(scan, 0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=int(rng.uniform(60, 92)))
    else:
        image.save(buffer, "PNG")
    return Image.open(buffer)


def pen_number_on_big_canvas(digits: list, rng: np.random.Generator) -> Image.Image:
    """A number written by a tablet writer (`digits`: each digit's strokes, point arrays, y down), its digits side by
    side 0.15-0.45 of their height apart, a little up and down, drawn small with a stylus's thin pen on a phone's or
    a tablet's canvas (BIG_CANVASES) as a PNG: 50-160 px tall, a 2-4 px pen, anywhere on it, anti-aliased."""
    placed, left = [], 0.0
    for strokes in digits:
        every = np.concatenate([np.asarray(stroke, np.float64) for stroke in strokes])
        low, high = every.min(axis=0), every.max(axis=0)
        tall = max(float(high[1] - low[1]), 1e-6)
        offset = np.array([left, rng.uniform(-0.05, 0.05)])
        placed += [(np.asarray(stroke, np.float64) - low) / tall + offset for stroke in strokes]
        left += float(high[0] - low[0]) / tall + rng.uniform(0.15, 0.45)
    every = np.concatenate(placed)
    low, span = every.min(axis=0), np.ptp(every, axis=0) + 1e-6
    width, height = BIG_CANVASES[int(rng.integers(len(BIG_CANVASES)))]
    pen = rng.uniform(2.0, 4.0)
    scale = min(rng.uniform(50, 160) / span[1], (width - 8 * pen) / span[0])
    left = rng.uniform(3 * pen, width - 3 * pen - span[0] * scale)
    top = rng.uniform(3 * pen, height - 3 * pen - span[1] * scale)
    image = Image.new("L", (2 * width, 2 * height), 255)  # (drawn at twice the size, then anti-aliased down)
    draw = ImageDraw.Draw(image)
    for stroke in placed:
        points = [(2 * (left + (x - low[0]) * scale), 2 * (top + (y - low[1]) * scale)) for x, y in stroke]
        draw.line(points * 2 if len(points) == 1 else points, fill=0, width=round(2 * pen), joint="curve")
    buffer = io.BytesIO()
    image.resize((width, height), Image.LANCZOS).save(buffer, "PNG")
    return Image.open(buffer)
