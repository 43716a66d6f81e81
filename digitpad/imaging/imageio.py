"""Open image files safely: recognise them by content, refuse bombs, and explain every failure in words."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

# Refuse images above this many pixels (a 50-megapixel photo is fine; decompression bombs are not).
MAX_PIXELS = 64_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

IMAGE_EXTENSIONS = frozenset({
    ".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".gif", ".bmp", ".dib", ".tif", ".tiff", ".webp",
    ".pbm", ".pgm", ".ppm", ".pnm", ".ico", ".tga", ".pcx", ".jp2", ".j2k", ".avif", ".heic", ".qoi",
})

# (offset, signature) pairs of the formats Pillow reads, for files whose name does not say what they are.
_SIGNATURES = (
    (0, b"\x89PNG\r\n\x1a\n"), (0, b"\xff\xd8\xff"), (0, b"GIF87a"), (0, b"GIF89a"), (0, b"BM"),
    (0, b"II*\x00"), (0, b"MM\x00*"), (8, b"WEBP"), (0, b"P1"), (0, b"P2"), (0, b"P3"), (0, b"P4"),
    (0, b"P5"), (0, b"P6"), (0, b"\x00\x00\x01\x00"), (0, b"\x0a\x05\x01"), (0, b"\x00\x00\x00\x0cjP  "),
    (0, b"\xff\x4f\xff\x51"), (4, b"ftypavif"), (0, b"qoif"),
)

# Formats whose orientation lives in tags rather than in an "exif" info block.
_FORMATS_WITH_ORIENTATION = frozenset({"JPEG", "MPO", "TIFF", "WEBP", "HEIF", "AVIF"})

IMAGE_FILE_TYPES = [
    ("Images", " ".join(f"*{extension}" for extension in sorted(IMAGE_EXTENSIONS))),
    ("All files", "*"),
]


class ImageError(Exception):
    """A file that cannot be used as an image; str() is the reason a user reads."""


def has_image_signature(path: str | os.PathLike) -> bool:
    """True when the file starts like an image format Pillow reads."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except OSError:
        return False
    return any(head[offset:offset + len(signature)] == signature for offset, signature in _SIGNATURES)


def is_candidate_image(path: str | os.PathLike) -> bool:
    """Image by extension, or by content when the extension says nothing (clearly-not-image files are skipped)."""
    path = Path(path)
    if path.name.startswith("."):
        return False
    if path.suffix.lower() in IMAGE_EXTENSIONS:
        return True
    return has_image_signature(path)


def open_image(path: str | os.PathLike) -> Image.Image:
    """Open, validate and fully decode the first frame of an image, upright per its EXIF orientation.

    Raises ImageError with a specific reason: file not found, empty file, not an image,
    image too large: N pixels, truncated file, damaged image.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
            pixels = image.width * image.height
            if pixels > MAX_PIXELS:
                image.close()
                raise ImageError(f"image too large: {pixels} pixels")
            if getattr(image, "n_frames", 1) > 1:
                image.seek(0)
            image.load()
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageError(f"image too large: {_pixels_from(error)}") from None
    except UnidentifiedImageError:
        raise ImageError("empty file" if _is_empty(path) else "not an image") from None
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
    if image.format not in _FORMATS_WITH_ORIENTATION and "exif" not in image.info:
        return image  # no orientation to apply (parsing EXIF costs more than decoding a small PNG)
    try:
        upright = ImageOps.exif_transpose(image)
    except Exception:  # a broken EXIF block must not lose an otherwise good image
        upright = image
    return upright if upright is not None else image


def _is_empty(path: str | os.PathLike) -> bool:
    try:
        return os.stat(path).st_size == 0
    except OSError:
        return False


def _pixels_from(error: Exception) -> str:
    words = [word for word in str(error).replace("(", " ").split() if word.isdigit()]
    return f"{words[0]} pixels" if words else "too many pixels"
