"""The model report window: figures per digit and per held-out source, retrain figures, charts, data credits."""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk

from PIL import Image, ImageTk

from digitpad.gui import theme
from digitpad.gui.report.model_info import ModelReport
from digitpad.gui.wording import percent

WINDOW_TITLE = "Model report - digitpad"
CHART_SIDE = 460
WRAP = 520
TABLE_COLUMNS = (("digit", "Digit", 50), ("accuracy", "Test accuracy", 112), ("tested", "Test digits", 96),
                 ("trained", "Training digits", 124))
SOURCE_COLUMNS = (("source", "Held out from training", 330), ("accuracy", "Accuracy", 80),
                  ("together", "With second opinion", 170), ("tested", "Digits", 70))


def accuracy_text(report: ModelReport) -> str:
    accuracy = report.test_accuracy
    if accuracy is None:
        return "Test accuracy: not measured"
    count = (report.report.get("test") or {}).get("count")
    digits = f" ({count:,} digits)" if isinstance(count, int) else ""
    together = report.test_accuracy_with_second_opinions
    if together is not None:
        return f"Test accuracy on MNIST{digits}: {together:.2%} with its second opinion ({accuracy:.2%} alone)"
    return f"Test accuracy on MNIST{digits}: {accuracy:.2%}"


def retrain_text(details: dict | None) -> str:
    """The before/after figures saved with a retrained model, in one or two lines."""
    if not details:
        return ""
    lines = []
    if details.get("mnist_checked") and details.get("mnist_after") is not None:
        lines.append(f"MNIST held-out digits: {percent(details.get('mnist_before'), 2)} before \u2192 "
                     f"{percent(details.get('mnist_after'), 2)} after retraining")
    else:
        lines.append("MNIST held-out digits: not checked (MNIST was not available when it was retrained)")
    if details.get("user_before") is not None:
        lines.append(f"Your held-out samples ({details.get('holdout_count', '?')}): "
                     f"{percent(details.get('user_before'))} before \u2192 {percent(details.get('user_after'))} after")
    lines.append("Verdict: " + ("recommended" if details.get("acceptable") else "not recommended (kept anyway)"))
    return "\n".join(lines)


class ReportWindow(tk.Toplevel):
    def __init__(self, master: tk.Misc, report: ModelReport):
        super().__init__(master)
        self.title(WINDOW_TITLE)
        self.configure(background=theme.WINDOW_BACKGROUND)
        self.report = report
        self._photos: list[ImageTk.PhotoImage] = []
        self.bind("<Escape>", lambda event: self.destroy())
        outer = ttk.Frame(self, padding=14)
        outer.pack(fill="both", expand=True)
        ttk.Label(outer, text=f"Model report: {report.name}", style="Title.TLabel").pack(anchor="w")
        wrap = theme.scaled(self, WRAP)
        ttk.Label(outer, text=report.describes, style="Muted.TLabel", wraplength=wrap, justify="left").pack(
            anchor="w", pady=(2, 8))
        self.retrain_label = ttk.Label(outer, text=retrain_text(report.retrain), wraplength=wrap, justify="left")
        if report.retrain:
            self.retrain_label.pack(anchor="w", pady=(0, 8))
        self.accuracy_label = ttk.Label(outer, text=accuracy_text(report), font=theme.TITLE_FONT)
        self.accuracy_label.pack(anchor="w", pady=(0, 8))
        body = ttk.Frame(outer)
        body.pack(fill="both", expand=True)
        self.table = ttk.Treeview(body, columns=[name for name, _, _ in TABLE_COLUMNS], show="headings", height=10)
        for name, heading, width in TABLE_COLUMNS:
            self.table.heading(name, text=heading)
            self.table.column(name, width=width, anchor="e" if name != "digit" else "center")
        for row in report.per_class_rows():
            self.table.insert("", "end", values=row)
        self.table.pack(side="left", anchor="n", padx=(0, 12))
        self.charts = ttk.Notebook(body)
        self.charts.pack(side="left", fill="both", expand=True)
        self.sources = None
        if report.source_rows():
            shown = [index for index, (name, _, _) in enumerate(SOURCE_COLUMNS)
                     if name != "together" or report.second_opinions]
            self.sources = ttk.Treeview(self.charts, columns=[SOURCE_COLUMNS[index][0] for index in shown],
                                        show="headings", height=18)
            for index in shown:
                name, heading, width = SOURCE_COLUMNS[index]
                self.sources.heading(name, text=heading)
                self.sources.column(name, width=width, anchor="w" if name == "source" else "e")
            for row in report.source_rows():
                self.sources.insert("", "end", values=[row[index] for index in shown])
            self.charts.add(self.sources, text="Accuracy by source")
        for title, path in report.charts:
            try:
                with Image.open(path) as image:
                    picture = image.convert("RGB")
            except (OSError, ValueError):
                continue
            picture.thumbnail((theme.scaled(self, CHART_SIDE),) * 2, Image.Resampling.LANCZOS)
            photo = ImageTk.PhotoImage(picture, master=self)
            self._photos.append(photo)
            self.charts.add(tk.Label(self.charts, image=photo, background=theme.SURFACE), text=title)
        if not report.charts:
            self.charts.add(ttk.Label(self.charts, text="No charts for this model.", padding=20), text="Charts")
        if report.credits:
            self.credits_label = ttk.Label(outer, text="Trained on: " + "; ".join(report.credits) + ".",
                                           style="Muted.TLabel", wraplength=theme.scaled(self, WRAP + CHART_SIDE),
                                           justify="left")
            self.credits_label.pack(anchor="w", pady=(10, 0))
        ttk.Button(outer, text="Close", command=self.destroy).pack(anchor="e", pady=(10, 0))

    @property
    def chart_titles(self) -> list[str]:
        return [self.charts.tab(tab, "text") for tab in self.charts.tabs()]
