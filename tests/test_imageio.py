"""Opening image files: real formats by content, and a specific reason for every bad file."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from digitpad.imaging import imageio
from digitpad.imaging.imageio import ImageError, is_candidate_image, open_image


@pytest.fixture
def good_png(tmp_path):
    path = tmp_path / "seven.png"
    Image.fromarray(np.eye(40, dtype=np.uint8) * 255).save(path)
    return path


def test_opens_a_real_png(good_png):
    image = open_image(good_png)
    assert image.size == (40, 40)


def test_image_recognised_by_content_without_extension(good_png, tmp_path):
    renamed = tmp_path / "scan_0001"
    renamed.write_bytes(good_png.read_bytes())
    assert is_candidate_image(renamed)
    assert open_image(renamed).size == (40, 40)


def test_text_file_is_not_a_candidate_but_misnamed_png_is(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image")
    assert not is_candidate_image(notes)
    assert is_candidate_image(tmp_path / "photo.JPG")


@pytest.mark.parametrize("name,content,reason", [
    ("empty.png", b"", "empty file"),
    ("text.png", b"hello, I am text pretending to be a PNG", "not an image"),
    ("random.jpg", bytes(range(256)) * 4, "not an image"),
])
def test_bad_files_have_specific_errors(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImageError, match=reason):
        open_image(path)


def test_truncated_file(tmp_path):
    path = tmp_path / "cut.png"
    Image.fromarray((np.random.default_rng(0).random((200, 200)) * 255).astype(np.uint8)).save(path)
    path.write_bytes(path.read_bytes()[:600])
    with pytest.raises(ImageError, match="truncated file"):
        open_image(path)


def test_truncated_jpeg(tmp_path):
    path = tmp_path / "cut.jpg"
    Image.fromarray((np.random.default_rng(0).random((300, 300)) * 255).astype(np.uint8)).save(path, quality=90)
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(ImageError, match="truncated file"):
        open_image(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ImageError, match="file not found"):
        open_image(tmp_path / "nope.png")
    with pytest.raises(ImageError, match="folder"):
        open_image(tmp_path)


def png_claiming(width: int, height: int) -> bytes:
    """A small, valid-looking PNG whose header claims width x height pixels (a decompression bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 4096)) + chunk(b"IEND", b"")


def test_decompression_bomb_is_refused(tmp_path):
    # A 4 KB file that claims 30,000 x 30,000 pixels (900 MP): refused from the header, never decoded.
    path = tmp_path / "bomb.png"
    path.write_bytes(png_claiming(30000, 30000))
    with pytest.raises(ImageError, match="image too large: 900000000 pixels"):
        open_image(path)


def test_limit_is_what_is_enforced(tmp_path, monkeypatch):
    monkeypatch.setattr(imageio, "MAX_PIXELS", 1000)
    path = tmp_path / "big.png"
    Image.new("L", (50, 50)).save(path)
    with pytest.raises(ImageError, match="image too large: 2500 pixels"):
        open_image(path)
