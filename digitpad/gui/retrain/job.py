"""A retrain (fine-tune or full retrain from MNIST) in a worker thread; progress and the outcome go through a Pump."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from digitpad.gui.worker import BackgroundJob, Pump
from digitpad.storage import paths
from digitpad.training import retrain
from digitpad.training.mnist import find_mnist
from digitpad.userdata.samples import SampleStore

DONE, CANCELLED, FAILED = "done", "cancelled", "failed"
MNIST_FILE_NAME = "mnist.npz"


@dataclass(frozen=True)
class RetrainRequest:
    """What to run: `kind` (retrain.FINE_TUNE or retrain.FULL_RETRAIN) from `base_model_path` on the samples.

    `mnist_path` is passed to the engine as is: a missing file makes it skip MNIST (never a download).
    `config` (retrain.RetrainConfig) and `train_config` (config.TrainConfig) default to the engine's.
    """

    kind: str
    base_model_path: Path
    mnist_path: Path
    epochs: int | None = None
    config: Any = None
    train_config: Any = None
    samples_root: Path | None = None


def local_mnist_path() -> Path | None:
    """The MNIST file to use: $DIGITPAD_MNIST, else `mnist.npz` in the user data folder; None when neither exists."""
    for candidate in (find_mnist(), paths.user_data_dir() / MNIST_FILE_NAME):
        if candidate is not None and Path(candidate).is_file():
            return Path(candidate)
    return None


def mnist_path_for_engine() -> Path:
    """A path for the engine's `mnist_path`: the local file, or a missing one (so nothing is downloaded)."""
    return local_mnist_path() or paths.user_data_dir() / MNIST_FILE_NAME


def run_retrain(request: RetrainRequest, report: Callable[[dict], None], should_stop: Callable[[], bool]):
    """Worker thread: load the samples and run the engine; returns its RetrainResult (raises as the engine does)."""
    samples = SampleStore(request.samples_root).load_dataset()
    report({"kind": "samples", "count": len(samples), "damaged": len(samples.damaged), "elapsed": 0.0})
    config = request.config or retrain.RetrainConfig()
    if request.kind == retrain.FULL_RETRAIN:
        return retrain.full_retrain(request.mnist_path, request.epochs, report, should_stop, samples=samples,
                                    base_model_path=request.base_model_path, train_config=request.train_config,
                                    config=config)
    return retrain.fine_tune(request.base_model_path, samples, request.mnist_path, config, report, should_stop)


class RetrainJob(BackgroundJob):
    """Runs `run_retrain` once. On the Tk thread: `on_progress(update)` for each progress dict, then
    `on_finished(outcome, value)` exactly once: (DONE, RetrainResult), (CANCELLED, None) or (FAILED, error).

    Create it on the Tk thread: the pump holds the callbacks, the worker only sees tickets.
    """

    def __init__(self, pump: Pump, request: RetrainRequest, on_progress: Callable[[dict], None],
                 on_finished: Callable[[str, Any], None]):
        super().__init__()
        self.request = request
        self._pump = pump
        self._progress_ticket = pump.hold(on_progress)

        def finished(outcome: str, value: Any) -> None:
            pump.release(self._progress_ticket)
            on_finished(outcome, value)

        self._finished_ticket = pump.hold(finished)

    thread_name = "digitpad-retrain"

    def start(self) -> None:
        """Run the retrain; cancel() makes the engine stop at its next check (nothing is written)."""
        self._start()

    def _work(self) -> None:
        pump, ticket = self._pump, self._progress_ticket
        try:
            result = run_retrain(self.request, lambda update: pump.post(ticket, dict(update)), self._stop.is_set)
        except retrain.RetrainCancelled:
            outcome, value = CANCELLED, None
        except Exception as error:  # shown to the user by on_finished
            outcome, value = (CANCELLED, None) if self._stop.is_set() else (FAILED, error)
        else:
            outcome, value = (CANCELLED, None) if self._stop.is_set() else (DONE, result)
        pump.post(self._finished_ticket, outcome, value, release=True)
