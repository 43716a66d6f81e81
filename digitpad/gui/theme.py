"""Look and feel: one palette, named fonts, the ttk 'clam' theme configured with them, and HiDPI scaling."""

from __future__ import annotations

import os
import sys
import tkinter as tk
import tkinter.font as tkfont
from tkinter import ttk

POINTS_PER_INCH = 72.0
SCALE_ENV_VAR = "DIGITPAD_SCALE"
"""e.g. 1.5: draw everything 150% as large, whatever the screen says (for a screen that reports its DPI wrong)."""
SCALE_LIMITS = (0.5, 4.0)
PROCESS_PER_MONITOR_DPI_AWARE = 2
PROCESS_SYSTEM_DPI_AWARE = 1
REFERENCE_DPI = 96.0
"""Pixel sizes in the code are for a 96-dpi (100%) screen; `scaled` turns them into this screen's pixels."""
THEME_NAME = "clam"

WINDOW_BACKGROUND = "#eef0f4"
SURFACE = "#ffffff"
BORDER = "#d5d9e2"
TEXT = "#1f2430"
MUTED_TEXT = "#6b7280"
ACCENT = "#4f46e5"
ACCENT_DARK = "#3730a3"
ACCENT_LIGHT = "#e0e7ff"
UNCERTAIN = "#9ca3af"
UNCERTAIN_TEXT = "#b45309"
ERROR = "#dc2626"
SUCCESS = "#15803d"
PAD_PAPER = "#ffffff"
PAD_INK = "#1f2430"
BAR_TRACK = "#eceef3"
MODEL_VIEW_BACKGROUND = "#000000"

BASE_FONT_SIZE = 10
DIGIT_FONT_SIZE = 80
PREVIEW_DIGIT_FONT_SIZE = 48
STRIP_DIGIT_FONT_SIZE = 16
TITLE_FONT_SIZE = 12
SMALL_FONT_SIZE = 9

DIGIT_FONT = "DigitpadDigitFont"
PREVIEW_DIGIT_FONT = "DigitpadPreviewDigitFont"
STRIP_DIGIT_FONT = "DigitpadStripDigitFont"
TITLE_FONT = "DigitpadTitleFont"
BODY_FONT = "DigitpadBodyFont"
BOLD_FONT = "DigitpadBoldFont"
SMALL_FONT = "DigitpadSmallFont"
MONOSPACE_FONT = "DigitpadMonospaceFont"


def enable_windows_dpi_awareness() -> bool:
    """On Windows, draw in real pixels at each monitor's DPI (unaware programs are bitmap-stretched and blurry):
    per-monitor aware (Windows 8.1+), else system aware (Vista+). Call before Tk(); returns whether it worked."""
    if sys.platform != "win32":
        return False
    try:
        import ctypes  # noqa: PLC0415

        windll = ctypes.windll
    except (ImportError, AttributeError):
        return False
    try:
        return windll.shcore.SetProcessDpiAwareness(PROCESS_PER_MONITOR_DPI_AWARE) == 0
    except (AttributeError, OSError):
        pass
    try:
        return bool(windll.user32.SetProcessDPIAware())
    except (AttributeError, OSError):
        return False


_screen_dpis: dict[str, float] = {}


def screen_dpi(root: tk.Misc) -> float:
    """The screen's DPI from its size in pixels and millimetres, as first seen in this process: setting
    `tk scaling` rewrites the millimetres Tk reports (and `winfo fpixels 1i`) for the display, for every window."""
    screen = root.winfo_screen()
    if screen not in _screen_dpis:
        millimetres = root.winfo_screenmmwidth()
        _screen_dpis[screen] = root.winfo_screenwidth() * 25.4 / millimetres if millimetres > 0 else REFERENCE_DPI
    return _screen_dpis[screen]


def desktop_dpi() -> float | None:
    """The DPI an X11 desktop asks programs to use (the Xft.dpi resource that GNOME, KDE and xrdb set for a
    scaled desktop, while the X server still reports 96), or None."""
    if sys.platform in ("win32", "darwin") or not os.environ.get("DISPLAY"):
        return None
    try:
        import ctypes  # noqa: PLC0415

        x11 = ctypes.CDLL("libX11.so.6")
        x11.XOpenDisplay.restype, x11.XOpenDisplay.argtypes = ctypes.c_void_p, [ctypes.c_char_p]
        x11.XGetDefault.restype = ctypes.c_char_p
        x11.XGetDefault.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
        x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        display = x11.XOpenDisplay(None)
        if not display:
            return None
        try:
            value = x11.XGetDefault(display, b"Xft", b"dpi")
        finally:
            x11.XCloseDisplay(display)
        return float(value) if value else None
    except (OSError, AttributeError, ValueError):
        return None


def apply_hidpi_scaling(root: tk.Misc) -> float:
    """Set Tk's scaling (pixels per point) for this screen, so that fonts and every `scaled` size follow it;
    returns the factor over 96 dpi (1.5 on a 144-dpi screen).

    $DIGITPAD_SCALE wins; else the larger of the screen's measured DPI and the desktop's (Xft.dpi on X11).
    """
    override = os.environ.get(SCALE_ENV_VAR, "")
    try:
        factor = float(override) if override else 0.0
    except ValueError:
        factor = 0.0
    if SCALE_LIMITS[0] <= factor <= SCALE_LIMITS[1]:
        dpi = factor * REFERENCE_DPI
    else:
        dpi = max(screen_dpi(root), desktop_dpi() or 0.0)
    root.tk.call("tk", "scaling", dpi / POINTS_PER_INCH)
    return dpi / REFERENCE_DPI


def scale_factor(widget: tk.Misc) -> float:
    """How many of this screen's pixels one 96-dpi pixel is: Tk's scaling (pixels per point) over 96/72."""
    return float(widget.tk.call("tk", "scaling")) * POINTS_PER_INCH / REFERENCE_DPI


def scaled(widget: tk.Misc, pixels: float) -> int:
    """A size given in 96-dpi pixels, in this screen's pixels (at least 1 for a non-zero size)."""
    if not pixels:
        return 0
    value = round(pixels * scale_factor(widget))
    return value if value else (1 if pixels > 0 else -1)


def fitting_geometry(window: tk.Misc, size: tuple[int, int], margin: tuple[int, int] = (40, 120)) -> str:
    """A 'WxH' geometry for a window `size` 96-dpi pixels large, scaled for the screen and never larger than the
    screen less `margin` (96-dpi pixels: the taskbar, the title bar)."""
    width, height = (scaled(window, side) for side in size)
    room_width, room_height = (screen - scaled(window, edge) for screen, edge in
                               zip((window.winfo_screenwidth(), window.winfo_screenheight()), margin))
    return f"{max(1, min(width, room_width))}x{max(1, min(height, room_height))}"


def _scaled_padding(widget: tk.Misc, *pixels: float) -> tuple[int, ...]:
    return tuple(scaled(widget, value) for value in pixels)


def _create_font(root: tk.Misc, name: str, **options) -> None:
    """Create or update a named font through Tcl (a tkinter Font object would delete it when collected)."""
    arguments = [item for key, value in options.items() for item in (f"-{key}", value)]
    if name in root.tk.splitlist(root.tk.call("font", "names")):
        root.tk.call("font", "configure", name, *arguments)
    else:
        root.tk.call("font", "create", name, *arguments)


def create_fonts(root: tk.Misc) -> None:
    """Named fonts built on the platform's default family, so they look native everywhere."""
    family = tkfont.nametofont("TkDefaultFont", root=root).actual("family")
    monospace_family = tkfont.nametofont("TkFixedFont", root=root).actual("family")
    _create_font(root, DIGIT_FONT, family=family, size=DIGIT_FONT_SIZE, weight="bold")
    _create_font(root, PREVIEW_DIGIT_FONT, family=family, size=PREVIEW_DIGIT_FONT_SIZE, weight="bold")
    _create_font(root, STRIP_DIGIT_FONT, family=family, size=STRIP_DIGIT_FONT_SIZE, weight="bold")
    _create_font(root, TITLE_FONT, family=family, size=TITLE_FONT_SIZE, weight="bold")
    _create_font(root, BODY_FONT, family=family, size=BASE_FONT_SIZE)
    _create_font(root, BOLD_FONT, family=family, size=BASE_FONT_SIZE, weight="bold")
    _create_font(root, SMALL_FONT, family=family, size=SMALL_FONT_SIZE)
    _create_font(root, MONOSPACE_FONT, family=monospace_family, size=SMALL_FONT_SIZE)


def apply_theme(root: tk.Misc) -> ttk.Style:
    """Configure the 'clam' theme with the palette; safe to call more than once."""
    create_fonts(root)
    style = ttk.Style(root)
    status_padding, button_padding = _scaled_padding(root, 8, 3), _scaled_padding(root, 10, 4)
    if THEME_NAME in style.theme_names():
        style.theme_use(THEME_NAME)
    style.configure(".", background=WINDOW_BACKGROUND, foreground=TEXT, font=BODY_FONT,
                    bordercolor=BORDER, lightcolor=WINDOW_BACKGROUND, darkcolor=BORDER,
                    troughcolor=BAR_TRACK, focuscolor=ACCENT, selectbackground=ACCENT,
                    selectforeground=SURFACE)
    style.configure("TFrame", background=WINDOW_BACKGROUND)
    style.configure("Card.TFrame", background=SURFACE, relief="solid", borderwidth=1)
    style.configure("TLabel", background=WINDOW_BACKGROUND, foreground=TEXT)
    style.configure("Card.TLabel", background=SURFACE)
    style.configure("Card.TCheckbutton", background=SURFACE)
    style.map("Card.TCheckbutton", background=[("active", SURFACE)])
    style.configure("Muted.TLabel", background=WINDOW_BACKGROUND, foreground=MUTED_TEXT, font=SMALL_FONT)
    style.configure("CardMuted.TLabel", background=SURFACE, foreground=MUTED_TEXT, font=SMALL_FONT)
    style.configure("CardTitle.TLabel", background=SURFACE, foreground=TEXT, font=TITLE_FONT)
    style.configure("Title.TLabel", background=WINDOW_BACKGROUND, foreground=TEXT, font=TITLE_FONT)
    style.configure("Status.TFrame", background=SURFACE)
    style.configure("Status.TLabel", background=SURFACE, foreground=MUTED_TEXT, font=SMALL_FONT, padding=status_padding)
    style.configure("StatusError.TLabel", background=SURFACE, foreground=ERROR, font=SMALL_FONT, padding=status_padding)
    style.configure("StatusWarning.TLabel", background=SURFACE, foreground=UNCERTAIN_TEXT, font=SMALL_FONT,
                    padding=status_padding)
    style.configure("Good.TLabel", background=WINDOW_BACKGROUND, foreground=SUCCESS, font=BOLD_FONT)
    style.configure("Warning.TLabel", background=WINDOW_BACKGROUND, foreground=UNCERTAIN_TEXT, font=BOLD_FONT)
    style.configure("StatusReady.TLabel", background=SURFACE, foreground=SUCCESS, font=SMALL_FONT,
                    padding=status_padding)
    style.configure("Toolbar.TFrame", background=WINDOW_BACKGROUND)
    style.configure("TButton", padding=button_padding, background=SURFACE, lightcolor=SURFACE, darkcolor=BORDER)
    style.map("TButton", background=[("pressed", ACCENT_LIGHT), ("active", ACCENT_LIGHT)],
              lightcolor=[("active", ACCENT_LIGHT)])
    style.configure("Accent.TButton", background=ACCENT, foreground=SURFACE, lightcolor=ACCENT,
                    darkcolor=ACCENT_DARK, bordercolor=ACCENT_DARK)
    style.map("Accent.TButton", background=[("pressed", ACCENT_DARK), ("active", ACCENT_DARK),
                                            ("disabled", UNCERTAIN)],
              lightcolor=[("active", ACCENT_DARK)], foreground=[("disabled", SURFACE)])
    style.configure("TScale", background=WINDOW_BACKGROUND)
    style.configure("Horizontal.TProgressbar", background=ACCENT, lightcolor=ACCENT, darkcolor=ACCENT_DARK,
                    troughcolor=BAR_TRACK, bordercolor=BORDER)
    style.configure("Treeview", background=SURFACE, fieldbackground=SURFACE, foreground=TEXT,
                    rowheight=tkfont.nametofont(BODY_FONT, root=root).metrics("linespace") + scaled(root, 6))
    style.configure("Treeview.Heading", background=WINDOW_BACKGROUND, foreground=TEXT, font=BOLD_FONT,
                    padding=_scaled_padding(root, 6, 3))
    style.map("Treeview.Heading", background=[("active", ACCENT_LIGHT)])
    style.map("Treeview", background=[("selected", ACCENT)], foreground=[("selected", SURFACE)])
    style.configure("TLabelframe", background=WINDOW_BACKGROUND)
    style.configure("TLabelframe.Label", background=WINDOW_BACKGROUND, font=BOLD_FONT)
    style.configure("TButton", width=-8)
    style.configure("Digit.TButton", width=2, padding=_scaled_padding(root, 2, 4), font=BOLD_FONT)
    style.configure("Thumb.TFrame", background=SURFACE)
    style.configure("TCombobox", fieldbackground=SURFACE, background=SURFACE, arrowcolor=TEXT)
    style.map("TCombobox", fieldbackground=[("readonly", SURFACE)], background=[("readonly", SURFACE)],
              selectbackground=[("readonly", SURFACE)], selectforeground=[("readonly", TEXT)])
    root.option_add("*Menu.font", BODY_FONT)
    root.option_add("*Menu.background", SURFACE)
    root.option_add("*Menu.foreground", TEXT)
    root.option_add("*Menu.activeBackground", ACCENT)
    root.option_add("*Menu.activeForeground", SURFACE)
    root.option_add("*Menu.activeBorderWidth", 0)
    root.option_add("*Menu.relief", "flat")
    root.option_add("*Menu.borderWidth", 1)
    root.option_add("*Menu.disabledForeground", UNCERTAIN)
    root.option_add("*TCombobox*Listbox.font", BODY_FONT)
    if isinstance(root, (tk.Tk, tk.Toplevel)):
        root.configure(background=WINDOW_BACKGROUND)
    return style


def shortcut_modifier() -> tuple[str, str]:
    """(event modifier, label in menus): Command on macOS, Control elsewhere."""
    if sys.platform == "darwin":
        return "Command", "Cmd"
    return "Control", "Ctrl"
