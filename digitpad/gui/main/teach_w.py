"""The correction row under the answer: ten digit buttons that store the current drawing as a sample."""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk
from typing import Callable

from digitpad.gui import theme
from digitpad.gui.main.teach import NOTHING_TO_TEACH_HINT, TeachState

HINT_WRAP = 480
"""96-dpi pixels (theme.scaled): one line under the answer panel."""


class TeachRow(ttk.Frame):
    """'This is a …' with buttons 0-9; `on_digit(digit)` runs when one is clicked (and enabled)."""

    def __init__(self, master: tk.Misc, on_digit: Callable[[int], None]):
        super().__init__(master, style="Card.TFrame", padding=tuple(theme.scaled(master, side)
                                                                    for side in (12, 6, 12, 8)))
        self._on_digit = on_digit
        self.enabled = False
        ttk.Label(self, text="Wrong? Teach it the right digit", style="CardTitle.TLabel").pack(anchor="w")
        row = ttk.Frame(self, style="Card.TFrame", borderwidth=0, relief="flat")
        row.pack(fill="x", pady=(theme.scaled(self, 6), theme.scaled(self, 4)))
        self.buttons: list[ttk.Button] = []
        for digit in range(10):
            button = ttk.Button(row, text=str(digit), style="Digit.TButton", state="disabled",
                                command=lambda digit=digit: self.press(digit))
            button.pack(side="left", expand=True, fill="x", padx=(0 if digit == 0 else theme.scaled(self, 2), 0))
            self.buttons.append(button)
        self.hint_label = ttk.Label(self, text=NOTHING_TO_TEACH_HINT, style="CardMuted.TLabel",
                                    wraplength=theme.scaled(self, HINT_WRAP),
                                    justify="left")
        self.hint_label.pack(anchor="w")

    def set_state(self, state: TeachState) -> None:
        self.enabled = state.enabled
        for button in self.buttons:
            button.configure(state="normal" if state.enabled else "disabled")
        self.hint_label.configure(text=state.hint)

    def press(self, digit: int) -> bool:
        """As if the button was clicked (or its key pressed); returns whether the row was enabled."""
        if not self.enabled:
            return False
        self._on_digit(digit)
        return True

    @property
    def hint(self) -> str:
        return str(self.hint_label.cget("text"))
