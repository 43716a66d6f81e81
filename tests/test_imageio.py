"""Opening image files: real formats by content, and a specific reason for every bad file."""

from __future__ import annotations

import os
import struct
import threading
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


def block_means(values: np.ndarray, factor: int) -> np.ndarray:
    """Means of factor x factor blocks, the last ones partial (as Image.reduce takes them)."""
    height, width = values.shape[:2]
    padded_height, padded_width = -(-height // factor) * factor, -(-width // factor) * factor
    sums = np.zeros((padded_height, padded_width) + values.shape[2:])
    counts = np.zeros((padded_height, padded_width))
    sums[:height, :width], counts[:height, :width] = values, 1
    shape = (padded_height // factor, factor, padded_width // factor, factor)
    block_counts = counts.reshape(shape).sum(axis=(1, 3))
    block_counts = block_counts.reshape(block_counts.shape + (1,) * (values.ndim - 2))  # (per channel alike)
    return sums.reshape(shape + values.shape[2:]).sum(axis=(1, 3)) / block_counts


def picture(mode: str, width: int = 1100, height: int = 700) -> Image.Image:
    """A picture in `mode` with detail at every scale: smooth gradients and sharp-edged boxes."""
    rows, columns = np.mgrid[0:height, 0:width]
    grey = (64 + 128 * columns / width + 40 * ((rows // 37 + columns // 53) % 2)).astype(np.uint8)
    if mode == "I;16":
        return Image.fromarray(grey.astype(np.uint16) * 257)
    if mode in ("RGB", "RGBA"):
        colour = np.stack([grey, 255 - grey, (rows * 255 // height).astype(np.uint8)], axis=-1)
        if mode == "RGBA":
            colour = np.concatenate([colour, np.full((height, width, 1), 255, np.uint8)], axis=-1)
        return Image.fromarray(colour)
    image = Image.fromarray(grey)
    return image.convert(mode) if mode != "L" else image


@pytest.mark.parametrize(("mode", "name"), [
    ("L", "grey.png"), ("RGB", "colour.png"), ("RGBA", "alpha.png"), ("P", "palette.png"), ("1", "bilevel.png"),
    ("I;16", "sixteen.tif"), ("RGB", "photo.jpg"), ("L", "grey.jpg"),
])
def test_big_images_come_back_as_block_means_no_bigger_than_asked(tmp_path, mode, name):
    path = tmp_path / name
    picture(mode).save(path, **({"quality": 95} if name.endswith(".jpg") else {}))
    reduced = open_image(path, longest=400)
    # A factor of 3 (1100 / 400, rounded up), the last blocks partial; a JPEG is scaled by 2 while decoded,
    # then by 2 again: never bigger than asked, never less than half.
    factor = 4 if name.endswith(".jpg") else 3
    assert reduced.size == (-(-1100 // factor), -(-700 // factor))
    full = open_image(path)
    if full.mode == "I;16":
        expected, got = block_means(np.asarray(full, np.float64), factor), np.asarray(reduced, np.float64)
        tolerance = 257
    else:
        comparable = "RGBA" if full.mode in ("RGBA", "P") else "RGB" if full.mode == "RGB" else "L"
        expected = block_means(np.asarray(full.convert(comparable), np.float64), factor)
        got = np.asarray(reduced.convert(comparable), np.float64)
        tolerance = 6 if name.endswith(".jpg") else 1  # (JPEG: DCT scaling while decoding)
    assert np.abs(got - expected).mean() <= tolerance


def test_small_images_and_no_limit_come_back_whole(tmp_path):
    path = tmp_path / "photo.jpg"
    picture("RGB").save(path)
    assert open_image(path).size == (1100, 700)
    assert open_image(path, longest=1100).size == (1100, 700)
    assert open_image(path, longest=1099).size == (550, 350)  # DCT scaling by 2 is all it takes


def test_a_reduced_photo_is_still_turned_upright(tmp_path):
    image = Image.new("RGB", (1200, 800), "white")
    image.paste((0, 0, 0), (0, 0, 200, 100))  # a dark mark in the top-left corner, as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # stored turned: shown after a quarter turn clockwise
    path = tmp_path / "turned.jpg"
    image.save(path, exif=exif.tobytes())
    for longest in (None, 400):
        upright = np.asarray(open_image(path, longest).convert("L"), np.float32)
        height, width = upright.shape
        assert height > width  # turned upright
        # A quarter turn clockwise brings the top-left corner to the top right.
        assert upright[:height // 10, -width // 10:].mean() < 60 and upright[:height // 10, :width // 10].mean() > 200


def test_a_bomb_is_refused_before_any_reduction(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_claiming(30000, 30000))
    with pytest.raises(ImageError, match="image too large: 900000000 pixels"):
        open_image(path, longest=512)


def _heic_photo_of(digit: np.ndarray, path, turned: bool) -> None:
    """An MNIST digit written on paper, saved as a phone does: HEIC, its pixels stored sideways with the EXIF
    orientation that turns them upright (6) when `turned`."""
    import pillow_heif

    ink = np.asarray(Image.fromarray(digit).resize((600, 600), Image.BICUBIC), np.float32) / 255.0
    paper = np.full((1600, 1200), 225.0, np.float32)
    paper[500:1100, 300:900] = 225.0 - 185.0 * ink
    photo = Image.fromarray(paper.astype(np.uint8)).convert("RGB")
    exif = Image.Exif()
    if turned:
        photo = photo.rotate(90, expand=True)
        exif[0x0112] = 6
    pillow_heif.from_pillow(photo).save(path, quality=85, exif=exif.tobytes())


@pytest.mark.parametrize("name", ["IMG_0042.HEIC", "photo_without_extension"])
def test_phone_photos_in_heic_are_read_upright(tmp_path, mnist_test, bundled_predictor, name):
    from digitpad.folders.batch import classify_files

    x_test, y_test = mnist_test
    paths = []
    for index in range(3):
        paths.append(tmp_path / f"{index}_{name}")
        _heic_photo_of(x_test[index], paths[-1], turned=index != 1)
    assert all(is_candidate_image(path) for path in paths)
    assert open_image(paths[0]).size == (1200, 1600)  # upright: portrait
    rows = list(classify_files(paths, bundled_predictor))
    assert [row.digit for row in rows] == [str(digit) for digit in y_test[:3]], rows


def test_folders_of_png_never_load_the_heif_reader(good_png):
    import subprocess
    import sys

    code = ("import sys; from digitpad.imaging.imageio import open_image; open_image(sys.argv[1]); "
            "print('pillow_heif' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code, str(good_png)], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX thing")
def test_a_named_pipe_is_refused_at_once_never_waited_on(tmp_path):
    """Opening a named pipe for reading would wait for a writer forever (a folder's run, or Load image, hung)."""
    named = tmp_path / "scan.png"
    unnamed = tmp_path / "scan_0002"
    os.mkfifo(named)
    os.mkfifo(unnamed)
    outcome = {}

    def look():
        outcome["candidate"] = (is_candidate_image(named), is_candidate_image(unnamed))
        with pytest.raises(ImageError, match="not a regular file") as raised:
            open_image(named)
        outcome["error"] = str(raised.value)

    worker = threading.Thread(target=look, daemon=True)  # (a regression waits forever: this thread, not the run)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "waited on the pipe"
    assert outcome == {"candidate": (True, False), "error": "not a regular file (a pipe or device)"}


def test_a_device_is_refused():
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    with pytest.raises(ImageError, match="not a regular file"):
        open_image("/dev/zero")


def test_a_scanned_pdf_is_a_row_that_says_what_to_do(tmp_path):
    """Scanners save PDFs: in a folder each is a row saying to save its pages as images, never skipped silently."""
    pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
    for name in ("form.pdf", "scan_0004"):  # by extension, and by content
        path = tmp_path / name
        path.write_bytes(pdf)
        assert is_candidate_image(path)
        with pytest.raises(ImageError) as raised:
            open_image(path)
        assert str(raised.value) == imageio.NOT_AN_IMAGE_BUT_A_PDF
    (tmp_path / "notes.txt").write_text("scans to do: form.pdf (%PDF-1.4)")
    assert not is_candidate_image(tmp_path / "notes.txt")


def test_an_svg_drawing_is_a_row_that_says_what_to_do(tmp_path):
    """Drawing apps and web pages save SVG: a row saying to export it as PNG, never skipped silently."""
    drawing = tmp_path / "seven.svg"
    drawing.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
                       '<path d="M20 20 H80 L40 90" stroke="black" stroke-width="8" fill="none"/></svg>')
    assert is_candidate_image(drawing)
    with pytest.raises(ImageError) as raised:
        open_image(drawing)
    assert str(raised.value) == imageio.NOT_AN_IMAGE_BUT_A_DRAWING == "an SVG drawing, not an image: export it as PNG"
