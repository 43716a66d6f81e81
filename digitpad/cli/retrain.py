"""`digitpad retrain`: teach the model the user's samples from a terminal, print before/after figures, save safely."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from digitpad import APP_NAME
from digitpad.cli.status import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, PROGRESS_INTERVAL_SECONDS
from digitpad.storage import atomic
from digitpad.training import retrain
from digitpad.userdata.model_store import MODEL_SUFFIX, choose_model
from digitpad.userdata.samples import SampleFolderError, SampleStore, load_sample_folder


def _say(message: str) -> None:
    if sys.stderr is not None:
        print(f"{APP_NAME} retrain: {message}", file=sys.stderr, flush=True)


class _ProgressPrinter:
    """Prints stages and epochs as lines on stderr; on a terminal also redraws a line per few batches."""

    def __init__(self, stream=None):
        self.stream = stream if stream is not None else sys.stderr
        self.on_terminal = bool(stream is not None and stream.isatty())
        self.last_drawn = 0.0

    def __call__(self, update: dict) -> None:
        if self.stream is None:
            return
        kind = update.get("kind")
        if kind == "stage":
            self._line(f"{update['stage']}... ({update['elapsed']:.0f} s)")
        elif kind == "epoch":
            self._line(f"epoch {update['epoch'] + 1}/{update['epochs']}: loss {update.get('loss', 0.0):.4f}, "
                       f"accuracy {update.get('accuracy', 0.0):.2%} ({update['elapsed']:.0f} s)")
        elif kind == "batch" and self.on_terminal and time.monotonic() - self.last_drawn >= PROGRESS_INTERVAL_SECONDS:
            self.last_drawn = time.monotonic()
            self.stream.write(f"\r{update['fraction']:.0%}  loss {update.get('loss', 0.0):.4f} ")
            self.stream.flush()

    def _line(self, text: str) -> None:
        if self.on_terminal:
            self.stream.write("\r\033[K")
        self.stream.write(text + "\n")
        self.stream.flush()


def _load_samples(samples_dir: str | None, allow_none: bool = False):
    """(LoadedSamples, None) or (None, usage error message); no samples at all is an error unless `allow_none`."""
    if samples_dir is None:
        store = SampleStore()
        samples, where = store.load_dataset(), str(store.root)
    else:
        try:
            samples, where = load_sample_folder(samples_dir), samples_dir
        except SampleFolderError as error:
            return None, str(error)
    for path, reason in samples.damaged:
        _say(f"skipped {path}: {reason}")
    if len(samples) == 0 and not allow_none:
        return None, f"no samples in {where}: draw and save some samples first, or pass --samples DIR"
    return samples, None


def _check_model_out(model_out: str | None) -> str | None:
    if model_out is None:
        return None
    path = Path(model_out)
    if path.suffix != MODEL_SUFFIX:
        return f"--model-out must end in {MODEL_SUFFIX}: {model_out}"
    if path.is_dir():
        return f"--model-out is a folder: {model_out}"
    return None


def _base_model(explicit: str | None):
    """(ActiveModel, None) or (None, usage error message)."""
    choice = choose_model(explicit)
    if choice.warning:
        _say(choice.warning)
    if not choice.path.is_file():
        return None, f"model file not found: {choice.path}"
    return choice, None


def _write_model(model, model_out: str) -> None:
    atomic.write_with(model_out, lambda temporary: model.save(temporary), suffix=MODEL_SUFFIX)


def _save_in_store(result: retrain.RetrainResult) -> int:
    path = result.keep(activate=result.acceptable)
    if result.acceptable:
        print(f"saved {path} and made it the active model")
        return EXIT_OK
    print(f"saved {path} but did NOT activate it: it is not acceptable; the active model is unchanged")
    return EXIT_FAILED


def run_retrain(
    samples_dir: str | None = None,
    model_out: str | None = None,
    mnist_path: str | None = None,
    epochs: int | None = None,
    full: bool = False,
    base_model: str | None = None,
) -> int:
    """Retrain on the user's samples (or `samples_dir`); write to `model_out` or save via the model store.

    Exit status: 0 success, 1 failed or not acceptable, 2 usage error.
    """
    if epochs is not None and epochs < 1:
        _say("--epochs must be at least 1")
        return EXIT_USAGE
    problem = _check_model_out(model_out)
    if problem is None:
        samples, problem = _load_samples(samples_dir, allow_none=full)
    if problem is None:
        choice, problem = _base_model(base_model)
    if problem is not None:
        _say(problem)
        return EXIT_USAGE
    if not full and len(samples) < retrain.MIN_SAMPLES:
        _say(f"retraining needs at least {retrain.MIN_SAMPLES} samples; there are {len(samples)}")
        return EXIT_USAGE
    _say(f"{len(samples)} samples, starting from {choice.path}")
    try:
        if full:
            result = retrain.full_retrain(mnist_path, epochs, _ProgressPrinter(), samples=samples,
                                          base_model_path=choice.path)
        else:
            config = retrain.RetrainConfig(epochs=epochs) if epochs else retrain.RetrainConfig()
            result = retrain.fine_tune(choice.path, samples, mnist_path, config, _ProgressPrinter())
    except retrain.RetrainError as error:
        _say(f"failed: {error}")
        return EXIT_FAILED
    except KeyboardInterrupt:
        _say("interrupted; nothing was written")
        return EXIT_INTERRUPTED
    except Exception as error:  # TensorFlow raises many types; the user reads one line, not a traceback
        _say(f"failed: {type(error).__name__}: {error}")
        return EXIT_FAILED
    for line in result.describe():
        print(line)
    print(f"{result.kind} took {result.seconds:.0f} s on {result.train_count} training samples")
    try:
        if model_out is not None:
            _write_model(result.model, model_out)
            print(f"wrote {model_out} (the active model is unchanged; compare with "
                  f"`digitpad classify --model {model_out} ...`)")
            return EXIT_OK if result.acceptable else EXIT_FAILED
        return _save_in_store(result)
    except Exception as error:  # saving can fail in many ways (disk full, permissions); say so, no traceback
        _say(f"could not save the new model: {error}")
        return EXIT_FAILED
