"""Desktop integration: the Linux menu entry and icon for an executable, and the .ico/.icns files for the build."""

from __future__ import annotations

import io
import os
import shutil
import sys
from pathlib import Path

from PIL import Image

from digitpad import APP_NAME
from digitpad.bundle.icon import ICON_FILE_NAME, ICON_SIDE, draw_icon
from digitpad.storage import paths
from digitpad.storage.atomic import write_bytes

DESKTOP_TEMPLATE_NAME = f"{APP_NAME}.desktop"
WINDOWS_ICON_NAME = "icon.ico"
WINDOWS_ICON_SIZES = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]
MACOS_ICON_NAME = "icon.icns"
# What the menu entry offers to open (`Exec=... %F`, "Open with" in file managers): the image types read.
MIME_TYPES = ("image/png", "image/jpeg", "image/gif", "image/bmp", "image/tiff", "image/webp",
              "image/x-portable-bitmap", "image/x-portable-graymap", "image/x-portable-pixmap",
              "image/x-portable-anymap", "image/vnd.microsoft.icon", "image/x-tga", "image/x-pcx", "image/jp2",
              "image/avif", "image/heic", "image/qoi")
OPEN_FILES_FIELD_CODE = "%F"
# Characters that force quoting of an Exec argument (Desktop Entry Specification, "The Exec key").
_EXEC_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def xdg_data_home() -> Path:
    """$XDG_DATA_HOME, else ~/.local/share (an empty or relative value is ignored, as the XDG spec says)."""
    value = os.environ.get("XDG_DATA_HOME", "")
    return Path(value) if value and os.path.isabs(value) else Path.home() / ".local" / "share"


def desktop_entry_path() -> Path:
    """Where the menu entry goes: $XDG_DATA_HOME/applications/digitpad.desktop."""
    return xdg_data_home() / "applications" / f"{APP_NAME}.desktop"


def icon_install_path() -> Path:
    """Where the icon goes: $XDG_DATA_HOME/icons/hicolor/256x256/apps/digitpad.png."""
    return xdg_data_home() / "icons" / "hicolor" / f"{ICON_SIDE}x{ICON_SIDE}" / "apps" / f"{APP_NAME}.png"


def quote_exec_argument(argument: str) -> str:
    """One Exec argument, quoted and escaped as the Desktop Entry Specification requires.

    Inside double quotes, `"`, `` ` ``, `$` and `\\` take a backslash; `%` is doubled (field codes).
    The result is then a desktop-entry *string*, whose own escaping doubles every backslash again.
    """
    argument = argument.replace("%", "%%")
    if any(character in _EXEC_RESERVED for character in argument):
        escaped = "".join("\\" + character if character in '"`$\\' else character for character in argument)
        argument = f'"{escaped}"'
    return argument.replace("\\", "\\\\")


def desktop_entry_text(executable: str | os.PathLike) -> str:
    """The menu entry for `executable` (an absolute path), from the bundled template."""
    executable = os.path.abspath(os.fspath(executable))
    if any(character in executable for character in "\n\r"):
        raise ValueError(f"cannot put a path with a line break in a desktop entry: {executable!r}")
    template = (paths.assets_dir() / DESKTOP_TEMPLATE_NAME).read_text(encoding="utf-8")
    try_exec = executable.replace("\\", "\\\\")  # TryExec is a plain string: no quoting, only string escapes
    text = template.replace("@EXEC@", f"{quote_exec_argument(executable)} {OPEN_FILES_FIELD_CODE}")
    text = text.replace("@TRYEXEC@", try_exec)
    if "\nMimeType=" not in text:
        text = text.rstrip("\n") + f"\nMimeType={';'.join(MIME_TYPES)};\n"
    return text


def _icon_png_bytes() -> bytes:
    source = paths.assets_dir() / ICON_FILE_NAME
    if source.is_file():
        return source.read_bytes()
    buffer = io.BytesIO()  # the icon is drawn when the asset is missing
    draw_icon(ICON_SIDE).save(buffer, format="PNG")
    return buffer.getvalue()


def current_executable() -> Path:
    """What the menu entry should start: this executable when frozen, else the `digitpad` command running now."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable)  # a one-file build: the file itself, not the folder it unpacks into
    script = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    if script is not None and script.is_file() and script.stem == APP_NAME:
        return script
    found = shutil.which(APP_NAME)
    if found is None:
        raise FileNotFoundError(f"cannot tell where the {APP_NAME} command is; pass its path")
    return Path(found).resolve()


def install_desktop_entry(executable: Path) -> list[Path]:
    """Install the menu entry that starts `executable`, and the icon it shows, for the current user.

    Writes $XDG_DATA_HOME/applications/digitpad.desktop and
    $XDG_DATA_HOME/icons/hicolor/256x256/apps/digitpad.png (~/.local/share when XDG_DATA_HOME is unset);
    returns the paths written. Running it again (e.g. after moving the executable) replaces both.
    """
    executable = Path(os.path.abspath(executable))
    if not executable.is_file():
        raise FileNotFoundError(f"no executable at {executable}")
    icon_path = icon_install_path()
    write_bytes(icon_path, _icon_png_bytes())
    entry_path = desktop_entry_path()
    write_bytes(entry_path, desktop_entry_text(executable).encode("utf-8"))
    entry_path.chmod(0o755)  # some desktops (GNOME, KDE) only trust executable launchers
    return [entry_path, icon_path]


def write_platform_icons(folder: str | os.PathLike | None = None) -> list[Path]:
    """Write icon.ico (Windows, 16-256 px) and icon.icns (macOS) from icon.png into `folder` (assets by default).

    Run `python -m digitpad.bundle.desktop icons` after the icon changes.
    """
    folder = Path(folder) if folder is not None else paths.assets_dir()
    source = folder / ICON_FILE_NAME
    if source.is_file():
        with Image.open(source) as stored:
            icon = stored.convert("RGBA")
    else:
        icon = draw_icon(ICON_SIDE)
    written = []
    ico_path = folder / WINDOWS_ICON_NAME
    icon.save(ico_path, format="ICO", sizes=WINDOWS_ICON_SIZES)
    written.append(ico_path)
    icns_path = folder / MACOS_ICON_NAME
    # ICNS wants a 1024 px master; Pillow writes every standard size from it: the artwork is drawn at that
    # size rather than the 256 px PNG upscaled.
    draw_icon(1024).save(icns_path, format="ICNS")
    written.append(icns_path)
    return written


def main(argv: list[str] | None = None) -> int:
    """`python -m digitpad.bundle.desktop install EXECUTABLE` or `python -m digitpad.bundle.desktop icons`."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["icons"] and len(argv) == 1:
        for written in write_platform_icons():
            print(written)
        return 0
    if argv[:1] == ["install"] and len(argv) == 2:
        for written in install_desktop_entry(Path(argv[1])):
            print(written)
        return 0
    print("usage: python -m digitpad.bundle.desktop icons | install EXECUTABLE", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
