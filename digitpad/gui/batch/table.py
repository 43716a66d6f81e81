"""The batch results table: a ttk.Treeview fed a bounded number of rows per poll, sortable and filterable."""

from __future__ import annotations

import tkinter as tk
from collections import deque
from tkinter import ttk
from typing import Callable

from digitpad.folders.results import CORRECTED
from digitpad.gui import theme
from digitpad.gui.batch.table_data import (
    COLUMN_TITLES, COLUMNS, SORTABLE_COLUMNS, TableView, display_values, is_low_confidence, keep_row,
)

MAXIMUM_ROWS_PER_POLL = 200
ROW_POLL_INTERVAL_MS = 30
COLUMN_WIDTHS = {"file": 240, "digit": 100, "confidence": 100, "review": 130, "error": 160}  # 96-dpi px (theme.scaled)
COLUMN_ANCHORS = {"file": "w", "digit": "center", "confidence": "e", "review": "w", "error": "w"}
# These share whatever width the table has beyond the others (so the Error column is never cut off), in this
# proportion, each at least its MINIMUM_STRETCHING_WIDTH.
STRETCHING_COLUMNS = {"file": 0.55, "error": 0.45}
MINIMUM_STRETCHING_WIDTH = 80
ERROR_TAG = "error"
UNCERTAIN_TAG = "uncertain"
CORRECTED_TAG = "corrected"
SORT_ARROWS = {False: "  \u25b2", True: "  \u25bc"}


class ResultsTable(ttk.Frame):
    """Rows (batch Row objects) appended with `add_rows` appear over the next polls, at most
    MAXIMUM_ROWS_PER_POLL each, so the window stays responsive for 10,000 files.

    `on_activate(index)` runs on double-click or Return; `on_drained()` whenever every added row is shown.
    `verdict_of(index)` gives a row's review (a folders.results.ReviewedRow) or None: the table shows the answer
    as reviewed, and marks corrected rows.
    """

    def __init__(self, master: tk.Misc, on_activate: Callable[[int], None] | None = None,
                 on_drained: Callable[[], None] | None = None):
        super().__init__(master)
        self.rows: list = []
        self.view = TableView()
        self.folder = ""
        self.error_count = 0
        self.uncertain_count = 0
        self._pending: deque = deque()
        self._after_id: str | None = None
        self._on_activate = on_activate
        self._on_drained = on_drained
        self.verdict_of: Callable[[int], object | None] = lambda index: None
        self.rowconfigure(0, weight=1)
        self.columnconfigure(0, weight=1)
        self.tree = ttk.Treeview(self, columns=COLUMNS, show="headings", selectmode="browse")
        least = theme.scaled(self, MINIMUM_STRETCHING_WIDTH)
        for column in COLUMNS:
            self.tree.heading(column, text=COLUMN_TITLES[column], anchor=COLUMN_ANCHORS[column],
                              command=(lambda column=column: self.sort_by(column)) if column in SORTABLE_COLUMNS
                              else "")
            stretching = column in STRETCHING_COLUMNS
            self.tree.column(column, width=theme.scaled(self, COLUMN_WIDTHS[column]), anchor=COLUMN_ANCHORS[column],
                             stretch=stretching, minwidth=least if stretching else 20)
        self.tree.tag_configure(ERROR_TAG, foreground=theme.ERROR)
        self.tree.tag_configure(UNCERTAIN_TAG, foreground=theme.UNCERTAIN_TEXT)
        self.tree.tag_configure(CORRECTED_TAG, foreground=theme.SUCCESS, font=theme.BOLD_FONT)
        scrollbar = ttk.Scrollbar(self, orient="vertical", command=self.tree.yview)
        # Only a table narrower than its columns' least widths scrolls sideways: the bar shows only then.
        self.sideways = ttk.Scrollbar(self, orient="horizontal", command=self.tree.xview)
        self.tree.configure(yscrollcommand=scrollbar.set, xscrollcommand=self._scrolled_sideways)
        self.tree.grid(row=0, column=0, sticky="nsew")
        scrollbar.grid(row=0, column=1, sticky="ns")
        self.sideways.grid(row=1, column=0, sticky="ew")
        self.sideways.grid_remove()
        self.tree.bind("<Configure>", self._fit_columns, add="+")
        self.tree.bind("<Double-1>", self._on_double_click)
        self.tree.bind("<Return>", lambda event: self._activate_selection())

    def _scrolled_sideways(self, first: str, last: str) -> None:
        if float(first) <= 0.0 and float(last) >= 1.0:
            self.sideways.grid_remove()
        else:
            self.sideways.grid()
        self.sideways.set(first, last)

    def _fit_columns(self, event=None) -> None:
        """Give the file and error columns the table's width that the fixed columns leave (ttk only stretches
        them by how much the table grows or shrinks, so a table first shown narrower than its columns cuts the
        Error column off)."""
        fixed = sum(int(self.tree.column(column, "width")) for column in COLUMNS if column not in STRETCHING_COLUMNS)
        free = self.tree.winfo_width() - fixed - theme.scaled(self, 4)
        least = theme.scaled(self, MINIMUM_STRETCHING_WIDTH)
        for column, share in STRETCHING_COLUMNS.items():
            self.tree.column(column, width=max(least, int(free * share)))

    @property
    def pending(self) -> int:
        """Rows received but not yet in the table."""
        return len(self._pending)

    def clear(self, folder: str = "") -> None:
        self.stop()
        self.rows, self._pending = [], deque()
        self.error_count = self.uncertain_count = 0
        self.folder = folder
        self.tree.delete(*self.tree.get_children(""))

    def add_rows(self, rows: list) -> None:
        self._pending.extend(rows)
        self._schedule()

    def stop(self) -> None:
        """Cancel the pending poll (on close)."""
        if self._after_id is not None:
            self.after_cancel(self._after_id)
            self._after_id = None

    def sort_by(self, column: str) -> None:
        """Heading click: sort by that column, reversing on a second click."""
        self.view.toggle_sort(column)
        for name in COLUMNS:
            arrow = SORT_ARROWS[self.view.descending] if name == self.view.sort_column else ""
            self.tree.heading(name, text=COLUMN_TITLES[name] + arrow)
        self.relayout()

    def set_filter(self, filter_name: str) -> None:
        self.view.filter_name = filter_name
        self.relayout()

    def relayout(self) -> None:
        """Show the visible rows in view order (one Tcl call, fast even for 10,000 rows)."""
        self.tree.set_children("", *(str(index) for index in self.view.order(self.rows)))

    def visible_rows(self) -> list:
        """The rows shown, in table order."""
        return [self.rows[int(item)] for item in self.tree.get_children("")]

    def _schedule(self) -> None:
        if self._after_id is None and self._pending:
            self._after_id = self.after(ROW_POLL_INTERVAL_MS, self._drain)

    def _drain(self) -> None:
        """Insert at most MAXIMUM_ROWS_PER_POLL pending rows, then come back for more."""
        self._after_id = None
        hidden = []
        for _ in range(min(MAXIMUM_ROWS_PER_POLL, len(self._pending))):
            row = self._pending.popleft()
            index = len(self.rows)
            self.rows.append(row)
            uncertain = is_low_confidence(row)
            self.error_count += bool(row.error)
            self.uncertain_count += uncertain
            self.tree.insert("", "end", iid=str(index), values=self._values(index), tags=self._tags(index))
            if not keep_row(row, self.view.filter_name):
                hidden.append(str(index))
        if hidden:
            self.tree.detach(*hidden)
        if self._pending:
            self._schedule()
        if self._on_drained is not None:
            self._on_drained()

    def _values(self, index: int) -> tuple:
        return display_values(self.rows[index], self.folder, self.verdict_of(index))

    def _tags(self, index: int) -> tuple[str, ...]:
        row, verdict = self.rows[index], self.verdict_of(index)
        if verdict is not None and verdict.reviewed == CORRECTED:
            return (CORRECTED_TAG,)
        return (ERROR_TAG,) if row.error else (UNCERTAIN_TAG,) if is_low_confidence(row) else ()

    def update_row(self, index: int) -> None:
        """Show a row's cells again (after its review changed)."""
        item = str(index)
        if self.tree.exists(item):
            self.tree.item(item, values=self._values(index), tags=self._tags(index))

    def show_row(self, index: int) -> None:
        """Select a row and scroll to it."""
        item = str(index)
        if item in self.tree.get_children(""):  # not filtered out
            self.tree.selection_set(item)
            self.tree.see(item)

    def _on_double_click(self, event: tk.Event) -> None:
        item = self.tree.identify_row(event.y)
        if item and self._on_activate is not None:
            self.tree.selection_set(item)
            self._on_activate(int(item))

    def _activate_selection(self) -> None:
        selection = self.tree.selection()
        if selection and self._on_activate is not None:
            self._on_activate(int(selection[0]))
