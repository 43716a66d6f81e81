"""The main window: pad, live answer, menus and status bar; `run_app` opens it and loads the model behind it."""

from __future__ import annotations

import gc
import os
import sys
import tkinter as tk
from tkinter import ttk
from pathlib import Path
from typing import Callable, Sequence

from digitpad import APP_NAME
from digitpad.bundle.splash import close_splash
from digitpad.gui import dialogs, errors, single_instance, theme
from digitpad.gui.icon import set_window_icon
from digitpad.gui.main.answer import EMPTY_PAD_HINT, LOADING_HINT, SINGLE_DIGIT_PAD_HINT
from digitpad.gui.main import data_folder
from digitpad.gui.main.answer_w import AnswerPanel
from digitpad.gui.main.file_actions import EXPORT_LABEL, OPEN_RESULTS_LABEL, FileActions
from digitpad.gui.main.live import LiveAnswer
from digitpad.gui.main.model_actions import ModelActions
from digitpad.gui.main.menus import (
    SEPARATOR, Action, StatusBar, Toggle, build_menu_bar, set_entry_state, toggle_value, toggle_variable,
)
from digitpad.gui.main.pad import CLEARED, STROKE_STARTED, DrawingPad
from digitpad.gui.main.settings import Settings, load_settings, save_settings
from digitpad.gui.main.teach_w import TeachRow
from digitpad.gui.main.toolbar import Toolbar
from digitpad.gui.worker import Pump, run_in_thread, set_default_pump

EXIT_OK = 0
EXIT_NO_DISPLAY = 1
MODEL_LOADING, MODEL_READY, MODEL_FAILED = "loading", "ready", "failed"
WINDOW_PADDING = 12
EXPORT_FILE_NAME = "digitpad-results.csv"
SINGLE_DIGIT_LABEL = "Read single digits only"
CLEAR_AFTER_TEACHING_LABEL = "Clear the pad after teaching"
DIGIT_KEYS = [f"<KeyPress-{digit}>" for digit in range(10)] + [f"<KeyPress-KP_{digit}>" for digit in range(10)]


class DigitpadApp(FileActions, ModelActions):
    """Builds the main window into `window` (a Tk root, or a Toplevel in tests).

    Dialog hooks (`ask_open_filename`, `ask_directory`, `ask_open_results`, `ask_save_filename`, `show_message`,
    `ask_yes_no`) and
    `on_retrain` are plain attributes so tests and later features can replace them; so are `retrain_config` and
    `full_retrain_config` (the engine's configs for the retrain window; None for its defaults).
    """

    def __init__(self, window: tk.Tk | tk.Toplevel, predictor=None, settings_path: str | os.PathLike | None = None):
        self.window = window
        self.predictor = predictor
        self.settings_path = settings_path
        self._data_folder_problem_shown = False
        self.settings: Settings = load_settings(settings_path)
        self.model_state = MODEL_LOADING
        self.model_error: BaseException | None = None
        self._waiting_for_model: list[Callable[[], None]] = []
        self.batch_window = None
        self.batch_results: list = []
        self.closed = False
        self._image_serial = 0
        self._shown_image: str | None = None  # the file whose answer the panel shows, if any
        self.on_retrain: Callable[[DigitpadApp], None] | None = None
        self.model_path = getattr(predictor, "model_path", None)
        """The model file in use (None when a predictor without a file was given)."""
        self.model_source = "given"
        self.instance_server = None
        """Where a second launch hands its paths over (gui.single_instance), closed with the window."""
        self.model_hold = None
        """The model store's record that this process uses `model_path` (a retrained model), released on close."""
        self.model_warning: str | None = None
        self._model_warning_shown = False
        self.samples_window = self.retrain_window = self.report_window = None
        self.retrain_config = self.full_retrain_config = None
        self.samples_saved = 0
        self._answer_revision = -1  # the pad revision the answer shown was read from
        self._image_taught = False
        self._dialogs = dialogs.Dialogs(window)
        self.ask_open_filename: Callable[[], str] = lambda: self._dialogs.ask_open_filename(
            self.settings.initial_folder())
        self.ask_directory: Callable[[], str] = lambda: self._dialogs.ask_directory(self.settings.initial_folder())
        self.ask_open_results: Callable[[], str] = lambda: self._dialogs.ask_open_results(
            self.settings.initial_folder())
        self.ask_save_filename: Callable[[], str] = lambda: self._dialogs.ask_save_filename(
            self.settings.initial_folder(), EXPORT_FILE_NAME)
        self.show_message: dialogs.MessageHook = self._dialogs.show_message
        self.ask_yes_no: dialogs.QuestionHook = self._dialogs.ask_yes_no
        self.open_folder: Callable[[Path], None] = dialogs.open_folder

        theme.apply_hidpi_scaling(window)
        theme.apply_theme(window)
        window.title(APP_NAME)
        self._icons = set_window_icon(window)
        self.pump = Pump(window)
        set_default_pump(self.pump)
        self._build()
        self.live = LiveAnswer(window, self.pump, self.pad.content, lambda: self.predictor, self._show_pad_answer,
                               self._show_empty_pad, self._show_pad_failure, pen_width=lambda: self.pad.pen_width,
                               single_digit=lambda: self.settings.single_digit)
        window.protocol("WM_DELETE_WINDOW", self.quit)
        window.update_idletasks()
        window.minsize(window.winfo_reqwidth(), window.winfo_reqheight())
        square = self.answer.winfo_reqheight() + self.teach_row.winfo_reqheight() + self._teach_gap  # the column
        self.pad.configure(width=square, height=square)

    # -- layout -----------------------------------------------------------------------------------------------
    def _build(self) -> None:
        self._single_digit_variable = toggle_variable(self.window, "single_digit", self.settings.single_digit)
        self._clear_after_teaching_variable = toggle_variable(self.window, "clear_after_teaching",
                                                              self.settings.clear_after_teaching)
        self.menus = build_menu_bar(self.window, {
            "File": [Action("Open image…", self.open_image, "o"),
                     Action("Classify folder…", self.classify_folder, "O"),
                     Action(OPEN_RESULTS_LABEL, self.open_results, "R"),
                     Action(EXPORT_LABEL, self.export_results, "e"), SEPARATOR,
                     Action("Quit", self.quit, "q")],
            "Edit": [Action("Undo stroke", self.undo, "z"),
                     Action("Clear pad", self.clear, "Escape", uses_modifier=False), SEPARATOR,
                     Action("Paste image", self.paste_image, "v")],
            "Model": [Action("Retrain…", self.retrain), Action("Your samples…", self.open_samples),
                      Action("Model report…", self.open_model_report), SEPARATOR,
                      Action("Reset to bundled model…", self.reset_to_bundled), SEPARATOR,
                      Toggle(SINGLE_DIGIT_LABEL, self._single_digit_variable, self._single_digit_toggled),
                      Toggle(CLEAR_AFTER_TEACHING_LABEL, self._clear_after_teaching_variable,
                             self._clear_after_teaching_toggled)],
            "Help": [Action(f"About {APP_NAME}", self.about), SEPARATOR,
                     Action(errors.OPEN_LOG_FOLDER_LABEL, self.open_log_folder)],
        })
        self.window.bind("<Delete>", lambda event: self.clear())
        set_entry_state(self.menus["File"], EXPORT_LABEL, False)
        padding = theme.scaled(self.window, WINDOW_PADDING)
        self._teach_gap = theme.scaled(self.window, 8)
        outer = ttk.Frame(self.window, padding=(padding, padding, padding, theme.scaled(self.window, 6)))
        outer.pack(side="top", fill="both", expand=True)
        outer.columnconfigure(0, weight=1)
        outer.rowconfigure(1, weight=1)
        self.pad = DrawingPad(outer, on_change=self._pad_changed, pen_width=self.settings.pen_width)
        self.toolbar = Toolbar(outer, open_image=self.open_image, classify_folder=self.classify_folder,
                               undo=self.undo, clear=self.clear, retrain=self.retrain,
                               pen_width=self.pad.pen_width, on_pen_width=self._set_pen_width)
        self.toolbar.grid(row=0, column=0, columnspan=2, sticky="ew", pady=(0, theme.scaled(self.window, 10)))
        self.pad.grid(row=1, column=0, rowspan=2, sticky="nsew", padx=(0, padding))
        self.answer = AnswerPanel(outer, side_by_side=True)
        self.answer.grid(row=1, column=1, sticky="nsew")
        self.answer.show_hint(LOADING_HINT)
        self.teach_row = TeachRow(outer, on_digit=self.teach)
        self.teach_row.grid(row=2, column=1, sticky="ew", pady=(self._teach_gap, 0))
        for sequence in DIGIT_KEYS:  # with the pad (or anything in the main window) focused
            self.window.bind(sequence, self._teach_key)
        self.pad.canvas.bind("<ButtonPress-1>", lambda event: self.pad.canvas.focus_set(), add="+")
        self.status = StatusBar(self.window)
        self.status.pack(side="bottom", fill="x", before=outer)
        self.status.set_message(f"Write a digit or a number, or open an image ({theme.shortcut_modifier()[1]}+O).")
        self.status.set_model_state("Loading model…")

    # -- model ------------------------------------------------------------------------------------------------
    def start_loading_model(self, make_predictor: Callable[[], object] | None = None) -> None:
        """Load the predictor in a worker thread; drawing works meanwhile.

        With `make_predictor`, even building the predictor (importing the engine) happens in that thread.
        """
        self.model_state = MODEL_LOADING
        self.status.set_model_state("Loading model…")
        given = self.predictor

        def load():  # worker thread: no reference to the window
            predictor = make_predictor() if make_predictor is not None else given
            predictor.load()
            return predictor

        run_in_thread(load, self._model_loaded, pump=self.pump, name="digitpad-model-load")

    def when_model_ready(self, action: Callable[[], None], waiting_text: str) -> None:
        """Run `action` now if the model is ready, once it is if it is loading; explain if it failed."""
        if self.model_state == MODEL_READY:
            action()
        elif self.model_state == MODEL_FAILED:
            self.show_message(dialogs.ERROR, "No model", f"The model could not be loaded:\n{self.model_error}")
        else:
            self._waiting_for_model.append(action)
            self.status.set_message(waiting_text)

    def _model_loaded(self, succeeded: bool, value) -> None:
        waiting, self._waiting_for_model = self._waiting_for_model, []
        if succeeded:
            self.predictor = value
            self.model_state = MODEL_READY
            self.model_path = getattr(value, "model_path", self.model_path)
            self.status.set_model_state(self._model_ready_text(), style="StatusReady.TLabel")
            if self.pad.content.is_empty and self.answer.state == "hint":
                self.answer.show_hint(self._empty_pad_hint())
            self.live.set_model_ready()
            for action in waiting:
                action()
            return
        self.model_state, self.model_error = MODEL_FAILED, value
        self.status.set_model_state("Model failed to load", style="StatusError.TLabel")
        self.status.set_message(f"The model could not be loaded: {value}", error=True)
        self.answer.show_error(f"The model could not be loaded:\n{value}\n\nDrawing works, but no answers "
                               "can be given. Reinstall digitpad or choose another model.")
        if waiting:
            self.when_model_ready(waiting[0], "")

    def _model_ready_text(self) -> str:
        """'Model ready (99.67% on MNIST test)' for the bundled model; the retrained model's own check for one."""
        from digitpad.gui.report.model_info import saved_model_details  # noqa: PLC0415 - JSON only
        from digitpad.userdata.model_store import ModelStore  # noqa: PLC0415 - no TensorFlow

        store = ModelStore()
        details = saved_model_details(self.model_path, store) if self.model_path is not None else None
        if details is not None:
            check = details.get("mnist_after")
            check_text = f", {check:.1%} on the MNIST check" if isinstance(check, (int, float)) else ""
            return f"Your retrained model ready (version {details['version']}{check_text})"
        if self.model_path is not None and Path(self.model_path).resolve() != store.bundled_path.resolve():
            return f"Model ready ({Path(self.model_path).name})"
        accuracy = dialogs.model_test_accuracy()
        accuracy_text = f" ({accuracy:.2%} on MNIST test)" if accuracy is not None else ""
        return f"Model ready{accuracy_text}"

    # -- pad --------------------------------------------------------------------------------------------------
    def _pad_changed(self, reason: str) -> None:
        if reason == STROKE_STARTED:
            self._image_serial += 1  # a file answer still on its way is now stale
            self._shown_image = None
            self.live.stroke_started()
            self._refresh_teach()
            return
        if reason == CLEARED:
            self.status.set_message("Pad cleared.")
        self.live.pad_changed()
        self._refresh_teach()

    def _show_pad_answer(self, reading) -> None:
        self._shown_image = None
        self._answer_revision = self.pad.content.revision
        self.answer.show_reading(reading)
        self._refresh_teach()

    def _show_empty_pad(self) -> None:
        self._shown_image = None
        if self.model_state == MODEL_FAILED:
            self._refresh_teach()
            return
        self.answer.show_hint(self._empty_pad_hint() if self.model_state == MODEL_READY else LOADING_HINT)
        self._refresh_teach()

    def _empty_pad_hint(self) -> str:
        return SINGLE_DIGIT_PAD_HINT if self.settings.single_digit else EMPTY_PAD_HINT

    def _show_pad_failure(self, error: BaseException) -> None:
        from digitpad.imaging.ink import NoDigitError  # noqa: PLC0415 - already loaded by the predictor

        if isinstance(error, NoDigitError):
            self.answer.show_hint("No digit found: the strokes are too faint or too small.")
        else:
            self.answer.show_error(f"Cannot read the pad: {error}")
        self._refresh_teach()

    def undo(self) -> None:
        if not self.pad.undo():
            self.status.set_message("Nothing to undo.")

    def clear(self) -> None:
        self._image_serial += 1
        if not self.pad.clear():
            self._show_empty_pad()

    def _set_pen_width(self, width: float) -> None:
        self.pad.pen_width = width
        self.settings.pen_width = self.pad.pen_width

    # -- model menu, help, closing ----------------------------------------------------------------------------
    def set_single_digit(self, single_digit: bool) -> None:
        """Read the pad, opened images and folders as one digit each (True) or as numbers; saved at once."""
        self.window.setvar(self._single_digit_variable, "1" if single_digit else "0")
        self._single_digit_toggled()

    def _single_digit_toggled(self) -> None:
        single_digit = toggle_value(self.window, self._single_digit_variable)
        if single_digit == self.settings.single_digit:
            return
        self.settings.single_digit = single_digit
        self.status.set_message("Reading single digits only." if single_digit
                                else "Reading numbers: digits written side by side.")
        self.save_settings()  # after: a failure to save is the last word in the status bar
        if self._shown_image is not None and self.answer.state != "error":
            self._read_image(self._shown_image)  # read the file again the new way
        elif self.model_state != MODEL_FAILED:
            self.live.settings_changed()

    def _clear_after_teaching_toggled(self) -> None:
        self.settings.clear_after_teaching = toggle_value(self.window, self._clear_after_teaching_variable)
        self.save_settings()

    # -- the user data folder ---------------------------------------------------------------------------------
    def save_settings(self) -> None:
        """Save the settings now; a failure is said (see `data_folder_problem`) and the window goes on."""
        error = save_settings(self.settings, self.settings_path)
        if error is not None:
            self.data_folder_problem("Settings", error)

    def data_folder_problem(self, what: str, error: BaseException) -> None:
        """Writing `what` to the user data folder failed: a line in the status bar each time, a message once."""
        from digitpad.storage.paths import user_data_dir  # noqa: PLC0415

        self.status.set_message(data_folder.status_text(what, error), error=True)
        if not self._data_folder_problem_shown and not self.closed:
            self._data_folder_problem_shown = True
            self.show_message(dialogs.WARNING, data_folder.DATA_FOLDER_TITLE,
                              data_folder.data_folder_text(error, user_data_dir()))

    def retrain(self) -> None:
        """The Retrain button and Model > Retrain…: the `on_retrain` hook when set, else the retrain window."""
        if self.on_retrain is not None:
            self.on_retrain(self)
            return
        self.open_retrain()

    def open_log_folder(self) -> None:
        """Help > Open log folder: the folder of the error log, in the file manager."""
        from digitpad.storage.logfile import log_dir  # noqa: PLC0415

        folder = log_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self.open_folder(folder)
        except OSError as error:
            self.show_message(dialogs.ERROR, errors.OPEN_LOG_FOLDER_LABEL,
                              f"Cannot open {folder}:\n{error.strerror or error}")

    def about(self) -> None:
        self.show_message(dialogs.INFO, f"About {APP_NAME}", dialogs.about_text(
            accuracy=dialogs.model_test_accuracy()))

    def quit(self) -> None:
        """Quit and the window's close button: close, unless the user keeps a review's unexported corrections."""
        if not self._may_replace_results():
            return
        self.close()

    def close(self) -> None:
        """Save settings, stop timers and workers' deliveries, destroy the window (and its batch window, without
        asking)."""
        if self.closed:
            return
        self.closed = True
        if self.instance_server is not None:
            self.instance_server.close()  # the next launch becomes the window at once
        save_settings(self.settings, self.settings_path)  # a failure was shown when the setting changed
        self.live.close()
        for variable in (self._single_digit_variable, self._clear_after_teaching_variable):
            self.window.tk.call("unset", "-nocomplain", variable)  # the menu's Tcl variables
        if self.batch_window is not None and self.batch_window.winfo_exists():
            self.batch_window.close(ask=False)
        for child in (self.samples_window, self.retrain_window):
            if child is not None and child.winfo_exists():
                child.close()
        if self.report_window is not None and self.report_window.winfo_exists():
            self.report_window.destroy()
        self.pump.close()
        set_default_pump(None)
        if self.model_hold is not None:
            self.model_hold.release()
            self.model_hold = None
        self.window.destroy()


def run_app(predictor=None, model_path: str | os.PathLike | None = None, open_paths: Sequence[str] = (),
            instance_server=None) -> int:
    """Open the window at once, load the model behind it, run until closed; returns the exit code.

    `predictor` wins, then `model_path`; else the active model (a kept retrained model, else the bundled one).
    `open_paths`: images and folders to open as soon as the model is ready (`digitpad a.png`).
    `instance_server` (storage.instance): where later launches hand their paths to this window.
    """
    theme.enable_windows_dpi_awareness()
    try:
        root = tk.Tk(className=APP_NAME)
    except tk.TclError as error:
        print(f"{APP_NAME}: cannot open a window: {error}", file=sys.stderr)
        if instance_server is not None:
            instance_server.close()
        return EXIT_NO_DISPLAY
    app = DigitpadApp(root, predictor)
    reporter = errors.ErrorReporter(root, open_log_folder=app.open_log_folder).install(app.pump)
    if instance_server is not None:
        single_instance.serve(app, instance_server)
    if sys.platform == "darwin":  # Finder's "Open With" sends its files as an Apple event, not as arguments
        root.createcommand("::tk::mac::OpenDocument", lambda *given: app.open_paths(list(given)))
    root.update()  # on screen before anything heavy is imported
    close_splash()  # the executable's splash screen, if any, has done its job

    if predictor is None:
        app.load_active_model(model_path)  # in a worker: the engine, the model store and the model itself
    else:
        app.start_loading_model()
    app.open_paths(open_paths)
    root.mainloop()
    reporter.uninstall()
    del app, root, reporter
    gc.collect()  # free Tk objects here: a worker thread's garbage collection must never free the interpreter
    return EXIT_OK
