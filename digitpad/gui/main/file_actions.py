"""Opening images, classifying folders, opening and exporting results, for the main window (a mixin of DigitpadApp)."""

from __future__ import annotations

import os
import tkinter as tk
from pathlib import Path
from typing import Callable, Sequence

from digitpad.gui import dialogs
from digitpad.gui.main import paste
from digitpad.gui.main.files import FileAnswer, read_and_predict, write_results_csv
from digitpad.gui.main.menus import set_entry_state
from digitpad.gui.worker import run_in_thread
from digitpad.storage import paths

EXPORT_LABEL = "Export results…"
OPEN_RESULTS_LABEL = "Open results CSV…"
MISSING_IMAGES_SHOWN = 10


class FileActions:
    """File menu work. Relies on DigitpadApp's attributes: dialog hooks, settings, pad, answer, status, pump,
    predictor, menus, `save_settings`, `when_model_ready`, `_refresh_teach`, `_image_serial`, `_shown_image` and
    `_image_taught`."""

    # -- files ------------------------------------------------------------------------------------------------
    def open_paths(self, paths: Sequence[str | os.PathLike]) -> None:
        """Open what the command line (or a second copy) names: the first image is read as Open image does, a
        folder is classified in the batch window (the last one, when several are named)."""
        folders = [str(path) for path in paths if os.path.isdir(path)]
        images = [str(path) for path in paths if not os.path.isdir(path)]
        if folders:
            self.classify_folder(folders[-1])
        if images:
            self.open_image(images[0])
        if len(images) > 1 or len(folders) > 1:
            self.status.set_message(f"{len(paths)} files and folders were given: showing "
                                    f"{Path(images[0] if images else folders[-1]).name}. To read many images at "
                                    "once, classify their folder.")
    def open_image(self, path: str | os.PathLike | None = None) -> None:
        """Ask for an image (unless given) and show it with its answer."""
        path = str(path) if path else self.ask_open_filename()
        if not path:
            return
        self._remember_folder(path)
        self.when_model_ready(lambda: self._read_image(path), f"{Path(path).name} opens once the model is loaded…")

    def paste_image(self) -> None:
        """Read what the clipboard holds as Open image reads a file: an image file copied in a file manager, or a
        picture (a screenshot, an image copied from a browser), saved first as a PNG in the user data folder."""
        try:
            text = self.window.clipboard_get()
        except tk.TclError:  # (no text: a picture alone, or nothing)
            text = ""
        named = paste.named_file(text) if text else None
        if named is not None:
            self.open_image(named)
            return
        self.status.set_message("Reading the clipboard…")
        folder = paths.user_data_dir() / paste.PASTED_FOLDER_NAME
        run_in_thread(lambda: paste.pasted_picture(folder), self._pasted, pump=self.pump, name="digitpad-paste")

    def _pasted(self, succeeded: bool, value) -> None:
        if succeeded:
            self.open_image(value)
            return
        message = str(value) if isinstance(value, paste.PasteError) else f"cannot read the clipboard: {value}"
        self.status.set_message(message, error=True)
        self.show_message(dialogs.ERROR, "Nothing to paste", message)

    def _read_image(self, path: str) -> None:
        self.live.superseded()
        self._image_serial += 1
        serial, revision = self._image_serial, self.pad.content.revision
        self.status.set_message(f"Reading {Path(path).name}…")
        predictor, single_digit = self.predictor, self.settings.single_digit
        run_in_thread(lambda: read_and_predict(path, predictor, single_digit),
                      lambda succeeded, value: self._image_answered(serial, revision, path, succeeded, value),
                      pump=self.pump, name="digitpad-open-image")

    def load_preview(self, path: str, done: Callable[[bool, object], None], single_digit: bool | None = None) -> None:
        """For the batch window: read one file in a worker (as one digit with `single_digit`, by default as the
        setting says); done(True, (image, NumberReading))."""
        predictor = self.predictor
        single_digit = self.settings.single_digit if single_digit is None else single_digit

        def work():
            answer = read_and_predict(path, predictor, single_digit)
            if answer.error is not None:
                raise answer.error
            return answer.image, answer.reading
        run_in_thread(work, done, pump=self.pump, name="digitpad-preview")

    def _image_answered(self, serial: int, revision: int, path: str, succeeded: bool, value) -> None:
        if serial != self._image_serial or revision != self.pad.content.revision:
            return  # the user drew or opened something else meanwhile
        name = Path(path).name
        answer: FileAnswer = value if succeeded else FileAnswer(None, None, value)
        if answer.error is None:
            self._shown_image, self._image_taught = path, False
            self.answer.show_reading(answer.reading, source=answer.image, caption=f"From {name}")
            self.status.set_message(f"{name}: {answer.reading.written or answer.reading.text} ({answer.reading.confidence:.1%})")
            self._refresh_teach()
            return
        self._shown_image = None
        self.answer.show_error(f"{name}: {answer.error}", source=answer.image)
        self._refresh_teach()
        if answer.image is not None:  # (read, but blank: the answer and the status bar say so, no dialog to dismiss)
            self.status.set_message(f"{name}: {answer.error}", error=True)
            return
        self.status.set_message(f"Cannot read {name}: {answer.error}", error=True)
        self.show_message(dialogs.ERROR, "Cannot read image", f"{name}\n\n{answer.error}")

    def classify_folder(self, folder: str | os.PathLike | None = None) -> None:
        """Ask for a folder (unless given) and classify every image in it in the batch window."""
        folder = str(folder) if folder else self.ask_directory()
        if not folder:
            return
        self._remember_folder(folder)
        self.when_model_ready(lambda: self._classify_folder(folder), "The folder is classified once the model "
                                                                     "is loaded…")

    def _results_window(self):
        """The batch window, made when first needed."""
        from digitpad.gui.batch.window import BatchWindow  # noqa: PLC0415 - only built when first used

        if self.batch_window is None or not self.batch_window.winfo_exists():
            self.batch_window = BatchWindow(self.window, self.pump, self.predictor, load_preview=self.load_preview,
                                            on_export=self.export_results, on_status=self._batch_status,
                                            on_retrain=self.retrain,
                                            ask_yes_no=lambda title, text: self.ask_yes_no(title, text))
        return self.batch_window

    def _may_replace_results(self) -> bool:
        """Nothing to lose in the batch window, or the user agrees to discard its unexported corrections."""
        window = self.batch_window
        return window is None or not window.winfo_exists() or window.may_discard_review()

    def _classify_folder(self, folder: str) -> None:
        if not self._may_replace_results():
            return
        self._results_window().start(folder, single_digit=self.settings.single_digit)
        self.batch_results = self.batch_window.rows
        self.batch_window.lift()
        self.status.set_message(f"Classifying {folder}…")

    def open_results(self, path: str | os.PathLike | None = None) -> None:
        """Ask for a results CSV (unless given), e.g. one `digitpad classify` wrote, and show it in the batch
        window for review; its images may be anywhere the CSV says (relative paths next to it)."""
        path = str(path) if path else self.ask_open_results()
        if not path:
            return
        self._remember_folder(path)
        self.when_model_ready(lambda: self._open_results(path), f"{Path(path).name} opens once the model is "
                                                                "loaded…")

    def _open_results(self, path: str) -> None:
        from digitpad.folders.results import read_results_csv  # noqa: PLC0415

        if not self._may_replace_results():
            return
        self.status.set_message(f"Opening {Path(path).name}…")
        run_in_thread(lambda: read_results_csv(path), lambda succeeded, value: self._results_read(path, succeeded,
                                                                                                   value),
                      pump=self.pump, name="digitpad-open-results")

    def _results_read(self, path: str, succeeded: bool, value) -> None:
        if self.closed:
            return
        name = Path(path).name
        if not succeeded:
            reason = value.strerror if isinstance(value, OSError) and value.strerror else value
            self.status.set_message(f"Cannot open {name}: {reason}", error=True)
            self.show_message(dialogs.ERROR, "Cannot open results", f"{path}\n\n{reason}")
            return
        window = self._results_window()
        window.load_results(value, single_digit=self.settings.single_digit)
        self.batch_results = window.rows
        window.lift()
        if value.missing:
            shown = [value.rows[index].row.path for index in value.missing[:MISSING_IMAGES_SHOWN]]
            more = len(value.missing) - len(shown)
            listing = "\n".join(shown) + (f"\n… and {more:,} more" if more else "")
            self.show_message(dialogs.WARNING, "Missing images",
                              f"{len(value.missing):,} of the {len(value.rows):,} images {name} lists "
                              f"{'is' if len(value.missing) == 1 else 'are'} not there:\n\n{listing}\n\n"
                              "Their rows are kept as they are and left out of the review.")

    def _batch_status(self, text: str) -> None:
        self.status.set_message(text)
        self.batch_results = self.batch_window.rows if self.batch_window is not None else self.batch_results
        set_entry_state(self.menus["File"], EXPORT_LABEL, bool(self.batch_results))

    def export_results(self, path: str | os.PathLike | None = None) -> None:
        """Write the last batch's rows as the command line's CSV, with the review's answers and two more columns:
        the model's answer (model_digit) and what the review did (reviewed)."""
        from digitpad.folders.results import ReviewedRow  # noqa: PLC0415

        window = self.batch_window if self.batch_window is not None and self.batch_window.winfo_exists() else None
        if window is not None:
            self.batch_results = window.rows
        if not self.batch_results:
            self.show_message(dialogs.INFO, "Export results", "Classify a folder first (File > Classify folder).")
            return
        path = str(path) if path else self.ask_save_filename()
        if not path:
            return
        self._remember_folder(path)
        rows = window.reviewed_rows() if window is not None else [ReviewedRow.unreviewed(row)
                                                                   for row in self.batch_results]
        try:
            write_results_csv(rows, path)
        except OSError as error:
            self.show_message(dialogs.ERROR, "Export failed", f"Cannot write {path}:\n{error.strerror or error}")
            return
        if window is not None:
            window.exported()
        self.status.set_message(f"Exported {len(self.batch_results):,} rows to {path}")

    def _remember_folder(self, path: str) -> None:
        self.settings.remember_folder(path)
        self.save_settings()
