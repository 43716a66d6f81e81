"""Which model the window uses and what its report says (no widgets, no TensorFlow): names, figures, chart files."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from digitpad.inference.ensemble import REPORT_KEY
from digitpad.storage.paths import bundled_reader_paths, report_dir_for

REPORT_FILE = "report.json"
CHART_FILES = (("Confusion matrix", "confusion_matrix.png"), ("Learning curves", "learning_curves.png"),
               ("Training samples", "training_samples.png"))


def read_json(path: Path) -> dict:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def saved_model_details(model_path: Path, store) -> dict | None:
    """The figures stored beside a retrained model in the store (None for any other model)."""
    for saved in store.history():
        if saved.path.resolve() == Path(model_path).resolve():
            return {**saved.details, "version": saved.version, "created": saved.created}
    return None


def describe_model(model_path: Path | None, source: str, store) -> str:
    """A short name for the model in use, e.g. 'the bundled model' or 'your retrained model (version 3)'."""
    if model_path is None:
        return "the model given to the window"
    if source == "bundled" or (store is not None and Path(model_path) == store.bundled_path):
        return "the bundled model"
    details = saved_model_details(model_path, store) if store is not None else None
    if details is not None:
        return f"your retrained model (version {details['version']})"
    return f"the model {Path(model_path).name}"


@dataclass
class ModelReport:
    """What the report window shows, and for which model."""

    model_path: Path
    name: str
    describes: str
    """One or two sentences: which model the figures and charts belong to."""
    report: dict
    charts: list[tuple[str, Path]] = field(default_factory=list)
    retrain: dict | None = None
    readers: list[dict] = field(default_factory=list)
    """The bundled number readers' training reports (whole numbers on validation lines), {} for one without."""

    @property
    def test_accuracy(self) -> float | None:
        """The network's own accuracy on the MNIST test digits."""
        return _fraction(self.report.get("test_accuracy"))

    @property
    def second_opinions(self) -> dict:
        """The figures of the model together with its second opinions (inference/ensemble.py), {} without any."""
        value = self.report.get(REPORT_KEY)
        return value if isinstance(value, dict) else {}

    @property
    def test_accuracy_with_second_opinions(self) -> float | None:
        return _fraction((self.second_opinions.get("test") or {}).get("accuracy"))

    @property
    def answering_accuracy(self) -> float | None:
        """The MNIST test accuracy the app gives: with the second opinions where the model has them."""
        together = self.test_accuracy_with_second_opinions
        return together if together is not None else self.test_accuracy

    def per_class_rows(self) -> list[tuple[str, str, str, str]]:
        """(digit, test accuracy, test digits, training digits) per digit, '' where unknown."""
        test = self.report.get("test") or {}
        accuracy = test.get("per_class_accuracy") or {}
        matrix = test.get("confusion_matrix") or []
        trained = (self.report.get("trained_on") or {}).get("class_counts") or {}
        rows = []
        for digit in range(10):
            value = accuracy.get(str(digit))
            count = sum(matrix[digit]) if len(matrix) > digit else None
            rows.append((str(digit), f"{value:.2%}" if isinstance(value, (int, float)) else "",
                         f"{count:,}" if count is not None else "",
                         f"{trained[str(digit)]:,}" if str(digit) in trained else ""))
        return rows

    def source_rows(self) -> list[tuple[str, str, str, str]]:
        """(held-out set, accuracy, accuracy with its second opinions or '', digits) for every set the model was
        tested on: MNIST, writers, fonts, styles; and the number reader's whole numbers."""
        tested = (self.report.get("sources") or {}).get("test") or {}
        sources = self.second_opinions.get("sources")
        together = (sources.get("test") if isinstance(sources, dict) else None) or {}
        known = list(SOURCE_TITLES)
        rows = []
        for name, result in sorted(tested.items(), key=lambda item: (known.index(item[0]) if item[0] in known
                                                                      else len(known), item[0])):
            if not isinstance(result, dict):
                continue
            value, count = _fraction(result.get("accuracy")), result.get("count")
            with_opinions = _fraction((together.get(name) or {}).get("accuracy"))
            rows.append((source_title(name), f"{value:.2%}" if value is not None else "",
                         f"{with_opinions:.2%}" if with_opinions is not None else "",
                         f"{count:,}" if isinstance(count, int) else ""))
        for number, reader in enumerate(self.readers, start=1):
            validation = reader.get("validation") or {}
            value, count = _fraction(validation.get("whole_numbers")), validation.get("count")
            if value is not None and isinstance(count, int):
                rows.append((reader_title(number), f"{value:.2%}", "", f"{count:,}"))
        return rows

    @property
    def credits(self) -> list[str]:
        """The data sets the model was trained on, with their authors."""
        return [str(credit) for credit in self.report.get("credits") or []]


def _fraction(value) -> float | None:
    """A JSON number as a float; None for anything else (a damaged report shows blanks, never an error)."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def reader_title(number: int) -> str:
    """The row of the number reader `number` (1: the first) in the table of held-out sources: short enough for its
    column, the reader's number first to be seen."""
    return f"Whole numbers (1-8 digits), reader {number}"


SOURCE_TITLES = {"mnist": "MNIST test digits", "mnist as read": "MNIST test digits as read from files (re-preprocessed)",
                 "pen writers": "Pen digits by held-out writers", "fonts": "Printed digits in held-out fonts"}
STYLE_BASES = {"mnist": "added to MNIST test digits", "pen writers": "added to held-out writers' digits",
               "templates": "from held-out template seeds"}


def source_title(name: str) -> str:
    """A report's held-out set name ('style: crossed seven (mnist)') as a reader's phrase."""
    if name in SOURCE_TITLES:
        return SOURCE_TITLES[name]
    if name.startswith("style: ") and name.endswith(")") and " (" in name:
        style, base = name[len("style: "):-1].split(" (", 1)
        return f"{style[0].upper()}{style[1:]}, {STYLE_BASES.get(base, base)}"
    return name


def _charts(directory: Path) -> list[tuple[str, Path]]:
    return [(title, directory / name) for title, name in CHART_FILES if (directory / name).is_file()]


def load_model_report(model_path: str | Path, store) -> ModelReport:
    """The report of `model_path`: its own `<model>_report/` when there is one, else the bundled model's report
    plus the retrain figures saved with it in the store; with the bundled number readers' figures either way."""
    report = _load_digit_model_report(model_path, store)
    report.readers = [read_json(report_dir_for(path) / REPORT_FILE) for path in bundled_reader_paths()]
    return report


def _load_digit_model_report(model_path: str | Path, store) -> ModelReport:
    model_path = Path(model_path)
    name = describe_model(model_path, "", store)
    own = report_dir_for(model_path)
    details = saved_model_details(model_path, store)
    if (own / REPORT_FILE).is_file():
        return ModelReport(model_path, name, f"This report describes {name} ({model_path.name}).",
                           read_json(own / REPORT_FILE), _charts(own), details)
    bundled = report_dir_for(store.bundled_path)
    if details is not None:
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(details["created"]))
        describes = (f"You are using {name}, made {created} by a {details.get('kind', 'retrain')} on "
                     f"{details.get('train_count', '?')} of your samples. It has no training report of its own: "
                     "the test accuracy, table and charts below are those of the bundled model it was retrained "
                     "from; the retrain figures at the top are its own.")
    else:
        describes = (f"{name[0].upper()}{name[1:]} ({model_path.name}) has no report of its own; "
                     "shown below is the bundled model's report.")
    return ModelReport(model_path, name, describes, read_json(bundled / REPORT_FILE), _charts(bundled), details)
