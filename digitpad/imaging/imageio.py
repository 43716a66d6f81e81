"""Open image files safely: recognise them by content, refuse bombs, and explain every failure in words."""

from __future__ import annotations

import math
import os
import stat
import warnings
from pathlib import Path

from PIL import ExifTags, Image, UnidentifiedImageError

# Refuse images above this many pixels (a 50-megapixel photo is fine; decompression bombs are not).
MAX_PIXELS = 64_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

IMAGE_EXTENSIONS = frozenset({
    ".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".gif", ".bmp", ".dib", ".tif", ".tiff", ".webp",
    ".pbm", ".pgm", ".ppm", ".pnm", ".ico", ".tga", ".pcx", ".jp2", ".j2k", ".avif", ".heic", ".heif", ".hif", ".qoi",
})

# Scanned documents and drawings: not images Pillow reads, but a scanner's usual output and what drawing apps and
# web pages save. Each gets a row that says what to do (in a folder of scans, skipping them silently would leave a
# person wondering where they went).
_DRAWING_EXTENSIONS = frozenset({".svg", ".svgz"})
DOCUMENT_EXTENSIONS = frozenset({".pdf"}) | _DRAWING_EXTENSIONS
_DOCUMENT_SIGNATURES = ((0, b"%PDF-"),)
NOT_AN_IMAGE_BUT_A_PDF = "a PDF, not an image: save its pages as PNG or JPEG"
NOT_AN_IMAGE_BUT_A_DRAWING = "an SVG drawing, not an image: export it as PNG"

# (offset, signature) pairs of the formats Pillow reads, for files whose name does not say what they are.
_SIGNATURES = (
    (0, b"\x89PNG\r\n\x1a\n"), (0, b"\xff\xd8\xff"), (0, b"GIF87a"), (0, b"GIF89a"), (0, b"BM"),
    (0, b"II*\x00"), (0, b"MM\x00*"), (8, b"WEBP"), (0, b"P1"), (0, b"P2"), (0, b"P3"), (0, b"P4"),
    (0, b"P5"), (0, b"P6"), (0, b"\x00\x00\x01\x00"), (0, b"\x0a\x05\x01"), (0, b"\x00\x00\x00\x0cjP  "),
    (0, b"\xff\x4f\xff\x51"), (4, b"ftypavif"), (0, b"qoif"),
)
# HEIF/HEIC, what phones save photos as: read by pillow-heif, made known to Pillow the first time a file named or
# starting like one is opened (its import costs about 40 ms that folders of PNGs never pay).
_HEIF_EXTENSIONS = frozenset({".heic", ".heif", ".hif"})
_HEIF_SIGNATURES = tuple((4, b"ftyp" + brand) for brand in (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis",
                                                             b"mif1", b"msf1"))
_NAMED_AS_OTHERS = IMAGE_EXTENSIONS - _HEIF_EXTENSIONS
_heif_ready = False

# Formats whose orientation lives in tags rather than in an "exif" info block.
_FORMATS_WITH_ORIENTATION = frozenset({"JPEG", "MPO", "TIFF", "WEBP", "HEIF", "AVIF"})
# Formats whose decoder can scale down while decoding (JPEG's DCT scaling: by 2, 4 or 8).
_FORMATS_WITH_DRAFT = frozenset({"JPEG", "MPO"})
_DRAFT_SCALES = (8, 4, 2)
# Modes Image.reduce cannot average, and the mode each is averaged in instead (palette indices and
# bilevel pixels are no greys; 16-bit greys are widened).
_REDUCED_AS = {"1": "L", "P": "RGB", "PA": "RGBA", "I;16": "I", "I;16L": "I", "I;16B": "I", "I;16N": "I"}
# Such images are converted and averaged this many output rows at a time, so no full-size copy is made.
_REDUCE_STRIP_ROWS = 64

IMAGE_FILE_TYPES = [
    ("Images", " ".join(f"*{extension}" for extension in sorted(IMAGE_EXTENSIONS))),
    ("All files", "*"),
]


class ImageError(Exception):
    """A file that cannot be used as an image; str() is the reason a user reads."""


def _is_special_file(path: str | os.PathLike) -> bool:
    """Whether `path` is a named pipe, socket or device (symbolic links followed). Such a file is never opened:
    opening a named pipe waits for a writer that may never come, and a device can be endless. (A folder or a
    missing file is left to opening it, which says so.)"""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def has_image_signature(path: str | os.PathLike) -> bool:
    """True when the file starts like an image format Pillow reads."""
    if _is_special_file(path):
        return False
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except OSError:
        return False
    return _starts_like(head, _SIGNATURES + _HEIF_SIGNATURES + _DOCUMENT_SIGNATURES)


def _starts_like(head: bytes, signatures) -> bool:
    return any(head[offset:offset + len(signature)] == signature for offset, signature in signatures)


def _ready_for_heif(path: str | os.PathLike) -> None:
    """Make HEIF files readable (pillow-heif's opener) before opening one: a file named .heic/.heif, or named
    as no image format and starting like one."""
    global _heif_ready
    if _heif_ready:
        return
    suffix = Path(path).suffix.lower()
    if suffix in _NAMED_AS_OTHERS:
        return  # named as another format: no need to look inside
    if suffix not in _HEIF_EXTENSIONS:
        try:
            with open(path, "rb") as handle:
                if not _starts_like(handle.read(16), _HEIF_SIGNATURES):
                    return
        except OSError:
            return  # (open_image says why)
    try:
        import pillow_heif
    except ImportError:  # (a source install without it: the file is then "not an image")
        return
    pillow_heif.register_heif_opener()  # turns each image upright itself and resets its EXIF orientation
    _heif_ready = True


def is_candidate_image(path: str | os.PathLike) -> bool:
    """Image by extension, or by content when the extension says nothing (clearly-not-image files are skipped)."""
    path = Path(path)
    if path.name.startswith("."):
        return False
    if path.suffix.lower() in IMAGE_EXTENSIONS | DOCUMENT_EXTENSIONS:
        return True
    return has_image_signature(path)


def _reduction_factor(size: tuple[int, int], longest: int) -> int:
    """The smallest whole factor that brings an image of `size` to at most `longest` pixels on its longer side."""
    return max(1, math.ceil(max(size) / longest))


def _reduce(image: Image.Image, factor: int) -> Image.Image:
    """Block means of factor x factor pixels (the last blocks may be partial)."""
    if factor <= 1:
        return image
    mode = image.mode
    if mode == "P" and "transparency" in image.info:
        mode = "PA"
    target = _REDUCED_AS.get(mode)
    if target is None:
        return image.reduce(factor)
    width, height = image.size
    reduced = Image.new(target, (math.ceil(width / factor), math.ceil(height / factor)))
    step = _REDUCE_STRIP_ROWS * factor
    for top in range(0, height, step):
        strip = image.crop((0, top, width, min(top + step, height)))
        reduced.paste(strip.convert(target).reduce(factor), (0, top // factor))
    return reduced


# EXIF orientation -> the turn that makes the image upright (as ImageOps.exif_transpose).
_UPRIGHT_TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _upright_turn(image: Image.Image) -> Image.Transpose | None:
    """The turn that makes the image upright per its EXIF orientation (None: it is upright)."""
    if image.format not in _FORMATS_WITH_ORIENTATION and "exif" not in image.info:
        return None  # no orientation to apply (parsing EXIF costs more than decoding a small PNG)
    try:
        return _UPRIGHT_TURNS.get(image.getexif().get(ExifTags.Base.Orientation))
    except Exception:  # a broken EXIF block must not lose an otherwise good image
        return None


def open_image(path: str | os.PathLike, longest: int | None = None) -> Image.Image:
    """Open, validate and fully decode the first frame of an image, upright per its EXIF orientation.

    With `longest`, an image bigger than that on its longer side comes back reduced by whole factors to at
    most `longest` and more than half of it, as block means: a JPEG is decoded small (DCT scaling by 2, 4
    or 8), others are averaged after decoding without any other full-size copy.

    Raises ImageError with a specific reason: file not found, empty file, not an image,
    image too large: N pixels, truncated file, damaged image.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if _is_special_file(path):
                raise ImageError("not a regular file (a pipe or device)")
            _ready_for_heif(path)
            image = Image.open(path)
            pixels = image.width * image.height
            if pixels > MAX_PIXELS:
                image.close()
                raise ImageError(f"image too large: {pixels} pixels")
            if getattr(image, "n_frames", 1) > 1:
                image.seek(0)
            factor = 1 if longest is None else _reduction_factor(image.size, longest)
            if factor > 1 and image.format in _FORMATS_WITH_DRAFT:
                scale = next((scale for scale in _DRAFT_SCALES if scale <= factor), 1)
                image.draft(None, (image.width // scale, image.height // scale))
            image.load()
            turn = _upright_turn(image)
            if factor > 1:
                reduced = _reduce(image, _reduction_factor(image.size, longest))
                if reduced is not image:
                    image.close()
                    image = reduced
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageError(f"image too large: {_pixels_from(error)}") from None
    except UnidentifiedImageError:
        raise ImageError("empty file" if _is_empty(path) else _not_an_image(path)) from None
    except FileNotFoundError:
        raise ImageError("file not found") from None
    except IsADirectoryError:
        raise ImageError("is a folder, not an image") from None
    except PermissionError:
        raise ImageError("cannot read file: permission denied") from None
    except OSError as error:
        message = str(error)
        if "truncated" in message or "broken data stream" in message or "premature end" in message.lower():
            raise ImageError("truncated file") from None
        if error.strerror and not message.startswith(("cannot identify", "image file")):
            raise ImageError(f"cannot read file: {error.strerror}") from None
        raise ImageError(f"damaged image: {message}") from None
    except (SyntaxError, ValueError, EOFError, IndexError, TypeError, MemoryError) as error:
        raise ImageError(f"damaged image: {error}") from None
    if image.width == 0 or image.height == 0:
        raise ImageError("empty image")
    return image if turn is None else image.transpose(turn)


def _not_an_image(path: str | os.PathLike) -> str:
    """Why a file Pillow does not recognise cannot be read: a PDF or an SVG drawing says what to do, anything else
    is not an image."""
    if Path(path).suffix.lower() in _DRAWING_EXTENSIONS:
        return NOT_AN_IMAGE_BUT_A_DRAWING
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except OSError:
        return "not an image"
    return NOT_AN_IMAGE_BUT_A_PDF if _starts_like(head, _DOCUMENT_SIGNATURES) else "not an image"


def _is_empty(path: str | os.PathLike) -> bool:
    try:
        return os.stat(path).st_size == 0
    except OSError:
        return False


def _pixels_from(error: Exception) -> str:
    words = [word for word in str(error).replace("(", " ").split() if word.isdigit()]
    return f"{words[0]} pixels" if words else "too many pixels"
