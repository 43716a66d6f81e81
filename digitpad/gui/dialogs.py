"""Modal dialogs behind replaceable hooks (file choosers, messages) and the About text."""

from __future__ import annotations

import os
from pathlib import Path
from tkinter import filedialog, messagebox
from typing import Callable

from digitpad import APP_NAME, __version__
from digitpad.storage import paths

REPORT_RELATIVE_PATH = Path("model_report") / "report.json"
CSV_FILE_TYPES = [("CSV files", "*.csv"), ("All files", "*")]
DEFAULT_IMAGE_FILE_TYPES = [("Images", "*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp"), ("All files", "*")]

INFO = "info"
WARNING = "warning"
ERROR = "error"

# (kind, title, text) -> None; tests replace it to record messages instead of blocking on a modal box.
MessageHook = Callable[[str, str, str], None]
# (title, text) -> True for yes; tests replace it too.
QuestionHook = Callable[[str, str], bool]


def image_file_types() -> list[tuple[str, str]]:
    """The file-dialog patterns for every format the engine reads."""
    try:
        from digitpad.imaging.imageio import IMAGE_FILE_TYPES  # noqa: PLC0415 - light, but only needed here
    except ImportError:
        return DEFAULT_IMAGE_FILE_TYPES
    return list(IMAGE_FILE_TYPES)


class Dialogs:
    """The real modal dialogs, parented to the main window; each method can be swapped for a test double."""

    def __init__(self, parent):
        self.parent = parent

    def ask_open_filename(self, initial_folder: str) -> str:
        return filedialog.askopenfilename(parent=self.parent, title="Open image", initialdir=initial_folder,
                                          filetypes=image_file_types()) or ""

    def ask_directory(self, initial_folder: str) -> str:
        return filedialog.askdirectory(parent=self.parent, title="Classify folder", initialdir=initial_folder,
                                       mustexist=True) or ""

    def ask_open_results(self, initial_folder: str) -> str:
        return filedialog.askopenfilename(parent=self.parent, title="Open results CSV", initialdir=initial_folder,
                                          filetypes=CSV_FILE_TYPES) or ""

    def ask_save_filename(self, initial_folder: str, initial_name: str) -> str:
        return filedialog.asksaveasfilename(parent=self.parent, title="Export results", initialdir=initial_folder,
                                            initialfile=initial_name, defaultextension=".csv",
                                            filetypes=CSV_FILE_TYPES) or ""

    def show_message(self, kind: str, title: str, text: str) -> None:
        show = {INFO: messagebox.showinfo, WARNING: messagebox.showwarning, ERROR: messagebox.showerror}[kind]
        show(title, text, parent=self.parent)

    def ask_yes_no(self, title: str, text: str) -> bool:
        return bool(messagebox.askyesno(title, text, parent=self.parent))


def open_folder(folder: str | os.PathLike) -> None:
    """Show `folder` in the desktop's file manager (raises OSError when that is not possible)."""
    from digitpad.bundle.file_manager import open_folder as open_in_file_manager  # noqa: PLC0415

    open_in_file_manager(folder)


def model_test_accuracy(report_path: str | os.PathLike | None = None) -> float | None:
    """The bundled model's MNIST test accuracy as the app reads (with its second opinions, where it has them) from
    assets/model_report/report.json, or None if unknown."""
    from digitpad.gui.report.model_info import ModelReport, read_json  # noqa: PLC0415 - JSON only

    report_path = Path(report_path) if report_path is not None else paths.assets_dir() / REPORT_RELATIVE_PATH
    return ModelReport(report_path, "", "", read_json(report_path)).answering_accuracy


def about_text(version: str = __version__, accuracy: float | None = None) -> str:
    """The About box: name, version, what it does and how good the model is."""
    accuracy_line = (f"Model accuracy on the MNIST test set: {accuracy:.2%}" if accuracy is not None
                     else "Model accuracy: not measured")
    return (f"{APP_NAME} {version}\n\n"
            "A handwriting pad that reads handwritten digits.\n\n"
            f"{accuracy_line}")
