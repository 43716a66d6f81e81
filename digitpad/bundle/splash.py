"""The executable's splash screen: close it once the window is up (no-op outside a PyInstaller bundle)."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

from digitpad import APP_NAME
from digitpad.storage import paths

SPLASH_FILE_NAME = "splash.png"
SPLASH_IPC_ENV_VAR = "_PYI_SPLASH_IPC"  # set by the bootloader when it shows a splash screen
SPLASH_SIZE = (480, 300)
BACKGROUND_TOP = (79, 70, 229)  # theme.ACCENT
BACKGROUND_BOTTOM = (49, 46, 129)
TEXT_COLOUR = (255, 255, 255)
SOFT_TEXT_COLOUR = (199, 210, 254)  # theme.ACCENT_LIGHT, a shade darker

_lock = threading.Lock()
_closed = False


def close_splash() -> None:
    """Close the PyInstaller splash screen if one is showing. Safe to call any number of times, from any thread.

    Does nothing when not frozen, when the executable was built without a splash screen (macOS) or when the
    splash screen is already gone; never raises.
    """
    global _closed
    with _lock:
        if _closed:
            return
        _closed = True
        if not getattr(sys, "frozen", False):
            return
        if "pyi_splash" not in sys.modules and not os.environ.get(SPLASH_IPC_ENV_VAR):
            # No splash was started (no display, PYINSTALLER_SUPPRESS_SPLASH_SCREEN=1, or a build without one):
            # importing pyi_splash now would only log a warning with a traceback.
            return
        try:
            import pyi_splash  # noqa: PLC0415 - exists only inside a bundle built with Splash
        except Exception:  # ImportError, or RuntimeError/ConnectionError raised while it connects
            return
        try:
            if pyi_splash.is_alive():
                pyi_splash.close()
        except Exception:  # the bootloader may have gone already; a splash screen is never worth a crash
            pass


def draw_splash(size: tuple[int, int] = SPLASH_SIZE):
    """The splash image (PIL RGB): the icon, the app name, a tagline and 'loading...' on an indigo gradient.

    Regenerate assets/splash.png with `python -m digitpad.bundle.splash`.
    """
    from PIL import Image, ImageDraw  # noqa: PLC0415 - only needed to regenerate the asset

    from digitpad.bundle.icon import draw_icon  # noqa: PLC0415

    width, height = size
    image = Image.new("RGBA", size)
    draw = ImageDraw.Draw(image)
    for row in range(height):
        mix = row / (height - 1)
        colour = tuple(round(a + (b - a) * mix) for a, b in zip(BACKGROUND_TOP, BACKGROUND_BOTTOM))
        draw.line([(0, row), (width, row)], fill=(*colour, 255))
    guides = Image.new("RGBA", size, (0, 0, 0, 0))
    guides_draw = ImageDraw.Draw(guides)
    for fraction in (0.25, 0.5, 0.75):  # the writing-pad guide lines of the icon, faint
        y = round(height * fraction)
        guides_draw.line([(24, y), (width - 24, y)], fill=(255, 255, 255, 28), width=2)
    image = Image.alpha_composite(image, guides)

    icon_side = 120
    icon = draw_icon(icon_side)
    image.alpha_composite(icon, (40, 84))
    draw = ImageDraw.Draw(image)
    text_left = 40 + icon_side + 28
    draw.text((text_left, 96), APP_NAME, font=_font(52, bold=True), fill=TEXT_COLOUR)
    draw.text((text_left, 160), "reads handwritten digits", font=_font(18), fill=SOFT_TEXT_COLOUR)
    draw.text((40, height - 52), "loading\u2026", font=_font(16), fill=TEXT_COLOUR)
    return image.convert("RGB")


def _font(size: int, bold: bool = False):
    from PIL import ImageFont  # noqa: PLC0415

    for name in (("DejaVuSans-Bold.ttf", "Arial Bold.ttf", "arialbd.ttf") if bold
                 else ("DejaVuSans.ttf", "Arial.ttf", "arial.ttf")):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def write_splash(folder: str | Path | None = None) -> Path:
    """Write splash.png into `folder` (the repository's assets by default)."""
    folder = Path(folder) if folder is not None else paths.assets_dir()
    target = folder / SPLASH_FILE_NAME
    draw_splash().save(target, optimize=True)
    return target


if __name__ == "__main__":
    print(write_splash(sys.argv[1] if len(sys.argv) > 1 else None))
