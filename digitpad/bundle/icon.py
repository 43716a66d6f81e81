"""The application icon, drawn with PIL: a handwritten 7 on an indigo rounded square (window, splash, menu entry)."""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from digitpad.storage import paths

ICON_FILE_NAME = "icon.png"
SMALL_ICON_FILE_NAME = "icon-64.png"
ICON_SIDE = 256
SMALL_ICON_SIDE = 64
SUPERSAMPLING = 4
TOP_COLOUR = (99, 102, 241)
BOTTOM_COLOUR = (55, 48, 163)
INK_COLOUR = (255, 255, 255, 255)
GUIDE_COLOUR = (255, 255, 255, 40)
CORNER_RADIUS = 0.22
MARGIN = 0.04
# The digit as a polyline in unit coordinates: a top bar with a slight rise, then a curved downstroke.
SEVEN_PATH = [(0.30, 0.33), (0.45, 0.31), (0.60, 0.30), (0.70, 0.30), (0.66, 0.38), (0.61, 0.47),
              (0.56, 0.56), (0.52, 0.65), (0.49, 0.74), (0.475, 0.79)]
CROSSBAR_PATH = [(0.44, 0.54), (0.64, 0.54)]
STROKE_WIDTH = 0.085


def draw_icon(side: int = ICON_SIDE) -> Image.Image:
    """The icon as an RGBA image `side` pixels square."""
    big = side * SUPERSAMPLING
    gradient = Image.new("RGBA", (big, big))
    gradient_draw = ImageDraw.Draw(gradient)
    for row in range(big):
        mix = row / (big - 1)
        colour = tuple(round(top + (bottom - top) * mix) for top, bottom in zip(TOP_COLOUR, BOTTOM_COLOUR))
        gradient_draw.line([(0, row), (big, row)], fill=(*colour, 255))
    mask = Image.new("L", (big, big), 0)
    margin = round(big * MARGIN)
    ImageDraw.Draw(mask).rounded_rectangle((margin, margin, big - margin, big - margin),
                                           radius=round(big * CORNER_RADIUS), fill=255)
    icon = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    shadow = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    shadow.paste((20, 20, 60, 90), (0, round(big * 0.012)), mask)
    icon = Image.alpha_composite(icon, shadow.filter(ImageFilter.GaussianBlur(big * 0.012)))
    icon.paste(gradient, (0, 0), mask)
    guides = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    guides_draw = ImageDraw.Draw(guides)
    for fraction in (0.25, 0.5, 0.75):  # faint writing-pad guide lines, blended over the gradient
        y = round(big * fraction)
        guides_draw.line([(margin * 3, y), (big - margin * 3, y)], fill=GUIDE_COLOUR, width=max(1, big // 160))
    icon = Image.alpha_composite(icon, guides)
    draw = ImageDraw.Draw(icon)
    width = round(big * STROKE_WIDTH)
    for path in (SEVEN_PATH, CROSSBAR_PATH):
        points = [(x * big, y * big) for x, y in path]
        draw.line(points, fill=INK_COLOUR, width=width, joint="curve")
        for x, y in (points[0], points[-1]):
            draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=INK_COLOUR)
    return icon.resize((side, side), Image.Resampling.LANCZOS)


def write_icons(folder: str | Path | None = None) -> list[Path]:
    """Write icon.png (256 px) and icon-64.png into `folder` (assets by default)."""
    folder = Path(folder) if folder is not None else paths.assets_dir()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, side in ((ICON_FILE_NAME, ICON_SIDE), (SMALL_ICON_FILE_NAME, SMALL_ICON_SIDE)):
        target = folder / name
        draw_icon(side).save(target, optimize=True)
        written.append(target)
    return written


def load_icon_images() -> list[Image.Image]:
    """The icon at the sizes bundled in assets, drawing it when the files are missing."""
    images = []
    for name, side in ((ICON_FILE_NAME, ICON_SIDE), (SMALL_ICON_FILE_NAME, SMALL_ICON_SIDE)):
        try:
            with Image.open(paths.assets_dir() / name) as stored:
                images.append(stored.convert("RGBA"))
        except OSError:
            images.append(draw_icon(side))
    return images


if __name__ == "__main__":
    for written_path in write_icons(sys.argv[1] if len(sys.argv) > 1 else None):
        print(written_path)
