"""Model menu work for the main window (a mixin of DigitpadApp).

Teaching, the samples, retrain and report windows, resetting to the bundled model, loading the active model.
"""

from __future__ import annotations

import os
from pathlib import Path

from digitpad.gui import dialogs
from digitpad.gui.main import data_folder
from digitpad.gui.main.teach import TeachSource, saved_text, store_sample, teach_state
from digitpad.gui.worker import run_in_thread

MODEL_PROBLEM_TITLE = "Model problem"
WARNING_STYLE = "StatusWarning.TLabel"


class ModelActions:
    """Relies on DigitpadApp's attributes: window, pump, pad, answer, status, settings, teach_row, show_message,
    ask_directory, ask_yes_no, `data_folder_problem`, `model_hold`, `_model_loaded`, `_shown_image` and the model_* attributes."""

    # -- the active model -------------------------------------------------------------------------------------
    def load_active_model(self, explicit: str | os.PathLike | None = None) -> None:
        """Load the model digitpad should use (`explicit`, $DIGITPAD_MODEL, the active retrained model, else the
        bundled one) in a worker; a damaged retrained model falls back to the bundled one with a visible warning."""
        self.model_state = "loading"
        self.status.set_model_state("Loading model…")

        def load():  # worker thread: no Tk object
            from digitpad.userdata.model_store import ModelStore, choose_model, load_active_predictor  # noqa: PLC0415

            store = ModelStore()
            choice = choose_model(explicit, store)
            predictor, warning = load_active_predictor(explicit, store)
            source = choice.source if Path(predictor.model_path) == Path(choice.path) else "bundled"
            hold = store.hold(predictor.model_path)  # another copy's pruning leaves the model in use alone
            return predictor, warning, source, hold

        run_in_thread(load, self._active_model_loaded, pump=self.pump, name="digitpad-model-load")

    def _active_model_loaded(self, succeeded: bool, value) -> None:
        if self.closed:
            if succeeded and value[3] is not None:
                value[3].release()
            return
        if not succeeded:
            self._model_loaded(False, value)
            return
        predictor, warning, source, hold = value
        if self.model_hold is not None:
            self.model_hold.release()  # the model used until now
        self.model_hold = hold
        self.model_path, self.model_source, self.model_warning = Path(predictor.model_path), source, warning
        self._model_loaded(True, predictor)
        if warning:
            self.status.set_model_state("Bundled model (your retrained model could not be used)", style=WARNING_STYLE)
            self.status.set_message(warning, error=True)
            if not self._model_warning_shown:
                self._model_warning_shown = True
                self.show_message(dialogs.WARNING, MODEL_PROBLEM_TITLE, warning)

    def model_name(self) -> str:
        """'the bundled model', 'your retrained model (version 3)', … for the model in use."""
        from digitpad.gui.report.model_info import describe_model  # noqa: PLC0415
        from digitpad.userdata.model_store import ModelStore  # noqa: PLC0415

        return describe_model(self.model_path, self.model_source, ModelStore())

    def current_model_path(self) -> Path:
        """The model file in use, else the one digitpad would choose now."""
        if self.model_path is not None:
            return Path(self.model_path)
        from digitpad.userdata.model_store import choose_model  # noqa: PLC0415

        return Path(choose_model().path)

    # -- teaching ---------------------------------------------------------------------------------------------
    def _teach_source(self) -> TeachSource | None:
        reading = self.answer.reading
        if reading is None or len(reading.digits) != 1 or not self._answer_is_current():
            return None
        model_input = reading.digits[0].model_input
        if self._shown_image is not None:
            return TeachSource(model_input, image_path=self._shown_image)
        return TeachSource(model_input, strokes=self.pad.content.snapshot(), render_side=self.pad.pixel_side)

    def _answer_is_current(self) -> bool:
        if self._shown_image is not None:
            return True
        return not self.pad.content.is_empty and self._answer_revision == self.pad.content.revision

    def _refresh_teach(self) -> None:
        reading = self.answer.reading if self.answer.state in ("certain", "uncertain") else None
        self.teach_row.set_state(teach_state(reading, self._answer_is_current(), self.pad.content.is_empty,
                                             image_taught=self._shown_image is not None and self._image_taught))

    def teach(self, digit: int) -> bool:
        """Store what the answer shows (the pad's drawing or the opened image) as a sample of `digit`; returns
        whether there was something to store. The pad is cleared for the next sample (a setting)."""
        source = self._teach_source()
        if source is None:
            self.status.set_message(self.teach_row.hint)
            return False
        if source.from_pad and self.settings.clear_after_teaching:
            self.clear()
        elif not source.from_pad:
            self._image_taught = True
        self._refresh_teach()
        self.status.set_message(f"Saving as a {digit}…")
        run_in_thread(lambda: store_sample(source, digit), lambda ok, value: self._taught(source, digit, ok, value),
                      pump=self.pump, name="digitpad-teach")
        return True

    def _teach_key(self, event) -> str | None:
        digit = event.keysym[-1]
        if not digit.isdigit():
            return None
        self.teach_row.press(int(digit)) or self.status.set_message(self.teach_row.hint)
        return "break"

    def _taught(self, source: TeachSource, digit: int, succeeded: bool, value) -> None:
        if self.closed:
            return
        if not succeeded:
            if source.from_pad:
                self.pad.restore(source.strokes)  # cleared for the next sample: the drawing comes back
            elif self._shown_image == source.image_path:
                self._image_taught = False  # the image can be taught again
                self._refresh_teach()
            if data_folder.is_data_folder_error(value):
                self.data_folder_problem("Sample", value)
            else:
                self.status.set_message(f"Could not save the sample: {value}", error=True)
            return
        _, count = value
        self.samples_saved += 1
        self.status.set_message(saved_text(digit, count))
        if self.samples_window is not None and self.samples_window.winfo_exists():
            self.samples_window.refresh()

    # -- windows ----------------------------------------------------------------------------------------------
    def open_samples(self) -> None:
        from digitpad.gui.samples.window import SamplesWindow  # noqa: PLC0415 - built when first used

        if self.samples_window is not None and self.samples_window.winfo_exists():
            self.samples_window.refresh()
        else:
            self.samples_window = SamplesWindow(self.window, self.pump, self.ask_directory,
                                                on_status=self.status.set_message)
        self.samples_window.lift()

    def open_retrain(self) -> None:
        from digitpad.gui.retrain.window import RetrainWindow  # noqa: PLC0415
        from digitpad.userdata.samples import SampleStore  # noqa: PLC0415

        if self.retrain_window is not None and self.retrain_window.winfo_exists():
            self.retrain_window.lift()
            return
        self.retrain_window = RetrainWindow(
            self.window, self.pump, self.current_model_path(), self.model_name(), SampleStore().counts(),
            on_kept=self._model_kept, on_status=self.status.set_message, config=self.retrain_config,
            train_config=self.full_retrain_config)
        self.retrain_window.lift()

    def _model_kept(self, path: Path) -> None:
        self.status.set_message(f"Kept the new model ({path.name}); loading it…")
        self.load_active_model()

    def open_model_report(self) -> None:
        from digitpad.gui.report.model_info import load_model_report  # noqa: PLC0415
        from digitpad.gui.report.window import ReportWindow  # noqa: PLC0415
        from digitpad.userdata.model_store import ModelStore  # noqa: PLC0415

        if self.report_window is not None and self.report_window.winfo_exists():
            self.report_window.destroy()
        self.report_window = ReportWindow(self.window, load_model_report(self.current_model_path(), ModelStore()))

    def reset_to_bundled(self) -> bool:
        """After a confirmation, use the bundled model again (retrained models stay on disk); returns whether reset."""
        if not self.ask_yes_no("Reset to bundled model", "Use the bundled model again?\n\nYour retrained models and "
                                                         "your samples are kept; you can retrain again later."):
            return False
        from digitpad.userdata.model_store import ModelStore  # noqa: PLC0415

        try:
            ModelStore().reset_to_bundled()
        except OSError as error:
            self.data_folder_problem("The switch to the bundled model", error)
            return False
        self.model_warning = None
        self.status.set_message("Back to the bundled model; loading it…")
        self.load_active_model()
        return True
