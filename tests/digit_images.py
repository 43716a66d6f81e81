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


PAGES = ("dark corners", "lamp to one side", "dim room", "squared page")


def page_photo(ink: np.ndarray, rng: np.random.Generator, page: str, shape=(600, 800)) -> Image.Image:
    """A small digit somewhere on a phone photo of a page, saved through JPEG: paper lit unevenly, its darker part
    the larger (a camera's dark corners: 0.88 in the middle, 0.44 in the corners; a lamp to one side: 0.85 near
    it, 0.35 far; a dim room: 0.45 to 0.70), dark ink; or a squared page (light blue lines every 25 px, which
    outnumber the ink) written in red."""
    height, width = shape
    rows, columns = np.mgrid[0:height, 0:width].astype(np.float32)
    pen = np.array([0.1, 0.1, 0.1], np.float32)
    if page == "dark corners":
        paper = 0.88 - 0.22 * (((rows - height / 2) / (height / 2)) ** 2 + ((columns - width / 2) / (width / 2)) ** 2)
    elif page == "lamp to one side":
        paper = 0.35 + 0.5 * np.exp(-((columns - width) ** 2 + rows ** 2) / (2 * (0.45 * width) ** 2))
    elif page == "dim room":
        paper = 0.45 + 0.25 * (columns / width) * (rows / height)
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
    photo = paper * (1 - canvas) + pen * canvas + rng.normal(0, 0.02, (height, width, 1))
    buffer = io.BytesIO()
    Image.fromarray(as_uint8(photo)).filter(ImageFilter.GaussianBlur(0.8)).save(buffer, "JPEG", quality=75)
    buffer.seek(0)
    return Image.open(buffer)


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
