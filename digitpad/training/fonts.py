"""Printed digits: find the installed fonts that draw 0-9, group them by design, render digits like scans of print."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from digitpad.imaging.ink import NoDigitError
from digitpad.imaging.preprocess import mnist_from_ink

FONT_DIRECTORIES = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts",
                    Path.home() / ".local/share/fonts")
FONT_SUFFIXES = (".ttf", ".otf", ".ttc")
# The Debian packages the training fonts come from (README gives the install command).
FONT_PACKAGES = (
    "fonts-dejavu-core fonts-dejavu-extra fonts-liberation2 fonts-freefont-ttf fonts-urw-base35 fonts-noto-core "
    "fonts-open-sans fonts-lato fonts-cantarell fonts-crosextra-carlito fonts-crosextra-caladea fonts-comic-neue "
    "fonts-hack fonts-inconsolata fonts-linuxlibertine fonts-ebgaramond fonts-firacode fonts-croscore fonts-go "
    "fonts-jetbrains-mono fonts-league-spartan fonts-quicksand fonts-sil-gentium fonts-sil-charis fonts-stix "
    "fonts-cabin fonts-oxygen fonts-dancingscript fonts-humor-sans fonts-yanone-kaffeesatz fonts-bebas-neue "
    "fonts-adf-accanthis fonts-roboto-unhinted"
).split()
# Families whose digits are symbols, or copies of another family's (scripts' fonts borrow Noto Sans's digits).
EXCLUDED_FAMILY = re.compile(
    r"Symbol|Math|Music|Integrals|Size.*Sym|Variants|NonUnicode|Keyboard|Initials|Fallback|Dingbat|D050000L"
    r"|^Noto (Sans|Serif|Kufi|Naskh|Nastaliq|Rashi|Looped|Traditional) (?!Mono$|Display$)")
# Families that share one design (metric clones, forks, renamings) are one design group, so a held-out
# group's digits were never seen in another name. Otherwise a family's first word names its group.
DESIGN_ALIASES = {"arimo": "liberation", "tinos": "liberation", "cousine": "liberation",
                  "freesans": "nimbus", "freeserif": "nimbus", "freemono": "nimbus", "hack": "dejavu",
                  "open": "noto", "stixgeneral": "stix", "gentiumalt": "gentium", "oxygen-sans": "oxygen"}
# Whole design groups held out, chosen to span sans, serif, monospace and casual designs; the test groups are
# only reported, the validation groups are what choices are made on. Any other group is trained on.
TEST_GROUPS = ("cabin", "cantarell", "charis", "comic", "fira", "p052")
VALIDATION_GROUPS = ("caladea", "lato", "quicksand")
GLYPH_PIXELS = 64
DIGITS = "0123456789"


@dataclass(frozen=True)
class Font:
    path: Path
    family: str
    style: str

    @property
    def design_group(self) -> str:
        first = self.family.split()[0].lower()
        return DESIGN_ALIASES.get(first, first)

    @property
    def split(self) -> str:
        """'test', 'validation' or 'train', by the design group."""
        if self.design_group in TEST_GROUPS:
            return "test"
        return "validation" if self.design_group in VALIDATION_GROUPS else "train"


def _glyph(font: ImageFont.FreeTypeFont, text: str) -> np.ndarray:
    mask = font.getmask(text)
    return np.asarray(mask, dtype=np.uint8).reshape(mask.size[::-1])


def digit_look(font: ImageFont.FreeTypeFont) -> tuple | None:
    """The font's ten digit glyphs as a comparable key, or None unless they are ten distinct glyphs, none of
    them empty or the font's missing-glyph box."""
    missing = _glyph(font, "\uffff")
    glyphs = [_glyph(font, digit) for digit in DIGITS]
    if any(glyph.size == 0 or glyph.max() == 0 for glyph in glyphs):
        return None
    if any(glyph.shape == missing.shape and np.array_equal(glyph, missing) for glyph in glyphs):
        return None
    look = tuple((glyph.shape, glyph.tobytes()) for glyph in glyphs)
    return look if len(set(look)) == len(DIGITS) else None


def find_fonts(directories: tuple[Path, ...] | None = None) -> list[Font]:
    """Installed fonts (in FONT_DIRECTORIES) that draw all ten digits, one per distinct design of digits."""
    fonts, seen = [], set()
    for directory in FONT_DIRECTORIES if directories is None else directories:
        if not directory.is_dir():
            continue
        for path in sorted(directory.rglob("*")):
            if path.suffix.lower() not in FONT_SUFFIXES:
                continue
            try:
                font = ImageFont.truetype(str(path), GLYPH_PIXELS)
                family, style = font.getname()
            except OSError:
                continue
            look = None if family is None or EXCLUDED_FAMILY.search(family) else digit_look(font)
            if look is None or look in seen:  # no usable digits, or the same digits under another name or path
                continue
            seen.add(look)
            fonts.append(Font(path, family, style or ""))
    return sorted(fonts, key=lambda font: str(font.path))


def render_digit(font_path: Path, digit: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """One printed digit as a (28, 28) float32 MNIST-style input; with `rng`, varied like a real print or scan
    (size, weight, a little rotation and shear)."""
    size = GLYPH_PIXELS if rng is None else int(rng.integers(40, 96))
    font = ImageFont.truetype(str(font_path), size)
    side = size * 3
    canvas = Image.new("L", (side, side), 0)
    weight = 0 if rng is None or rng.random() < 0.6 else int(rng.integers(1, max(2, size // 24) + 1))
    ImageDraw.Draw(canvas).text((side / 2, side / 2), str(digit), fill=255, font=font, anchor="mm",
                                stroke_width=weight, stroke_fill=255)
    if rng is not None:
        angle = rng.uniform(-6.0, 6.0)
        shear = rng.uniform(-0.15, 0.15)
        canvas = canvas.rotate(angle, resample=Image.BILINEAR)
        canvas = canvas.transform(canvas.size, Image.AFFINE, (1, shear, -shear * side / 2, 0, 1, 0), Image.BILINEAR)
    ink = np.asarray(canvas, dtype=np.float32) * np.float32(1 / 255)
    darkest = float(ink.max())
    if darkest == 0.0:
        raise NoDigitError(f"{font_path.name} draws no {digit}")
    return mnist_from_ink(ink / darkest)  # a hairline font's strokes never reach full ink
