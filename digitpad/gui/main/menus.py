"""The menu bar, its keyboard shortcuts (shown as accelerators) and the status bar."""

from __future__ import annotations

import tkinter as tk
from dataclasses import dataclass
from tkinter import ttk
from typing import Callable

from digitpad.gui import theme


@dataclass(frozen=True)
class Action:
    """A menu entry: label, command, and an optional shortcut as key names without the platform modifier."""

    label: str
    command: Callable[[], object]
    key: str | None = None
    """e.g. 'o' for Ctrl+O, 'O' for Ctrl+Shift+O, 'Escape' for a bare key."""
    uses_modifier: bool = True


@dataclass(frozen=True)
class Toggle:
    """A checkbutton menu entry bound to a Tcl variable by name (no tk.Variable: see `toggle_variable`)."""

    label: str
    variable: str
    """A global Tcl variable name, e.g. from `toggle_variable`; '1' when checked, '0' when not."""
    command: Callable[[], object]


SEPARATOR = None


def toggle_variable(window: tk.Misc, name: str, value: bool) -> str:
    """A global Tcl variable for a Toggle, unique to `window`, set to `value`; returns its name.

    A plain Tcl variable, not a tk.Variable: a tk.Variable collected by a worker thread's garbage collection
    raises, and this one needs no Python object at all. Read it back with `toggle_value`.
    """
    variable = f"digitpad_{name}_{window.winfo_id()}"
    window.setvar(variable, "1" if value else "0")
    return variable


def toggle_value(window: tk.Misc, variable: str) -> bool:
    return str(window.getvar(variable)) in ("1", "true", "True")


def accelerator_text(action: Action) -> str:
    """What the menu shows for the action's shortcut, e.g. 'Ctrl+Shift+O'."""
    if action.key is None:
        return ""
    _, label = theme.shortcut_modifier()
    key = action.key
    if not action.uses_modifier:
        return {"Escape": "Esc"}.get(key, key)
    if len(key) == 1 and key.isupper():
        return f"{label}+Shift+{key}"
    return f"{label}+{key.upper() if len(key) == 1 else key}"


def event_sequences(action: Action) -> list[str]:
    """The Tk event sequences for the action's shortcut (an upper-case letter means with Shift)."""
    if action.key is None:
        return []
    if not action.uses_modifier:
        return [f"<{action.key}>"]
    modifier, _ = theme.shortcut_modifier()
    key = action.key
    if len(key) == 1 and key.isupper():
        return [f"<{modifier}-Shift-{key}>"]
    return [f"<{modifier}-{key}>"]


def build_menu_bar(window: tk.Tk | tk.Toplevel, menus: dict[str, list[Action | Toggle | None]]) -> dict[str, tk.Menu]:
    """Create the menu bar from {menu title: [Action, Toggle or SEPARATOR]} and bind every shortcut on `window`."""
    bar = tk.Menu(window, tearoff=False)
    created: dict[str, tk.Menu] = {}
    for title, actions in menus.items():
        menu = tk.Menu(bar, tearoff=False)
        for action in actions:
            if action is SEPARATOR:
                menu.add_separator()
                continue
            if isinstance(action, Toggle):
                menu.add_checkbutton(label=action.label, variable=action.variable, onvalue="1", offvalue="0",
                                     command=action.command)
                continue
            menu.add_command(label=action.label, command=action.command, accelerator=accelerator_text(action))
            for sequence in event_sequences(action):
                window.bind(sequence, lambda event, command=action.command: _run_shortcut(event, command))
        bar.add_cascade(label=title, menu=menu, underline=0)
        created[title] = menu
    window.configure(menu=bar)
    return created


def _run_shortcut(event: tk.Event, command: Callable[[], object]) -> str:
    command()
    return "break"


def set_entry_state(menu: tk.Menu, label: str, enabled: bool) -> None:
    menu.entryconfigure(label, state="normal" if enabled else "disabled")


class StatusBar(ttk.Frame):
    """A message on the left, the model's state on the right."""

    def __init__(self, master: tk.Misc):
        super().__init__(master, style="Status.TFrame")
        ttk.Separator(self, orient="horizontal").pack(side="top", fill="x")
        self.model_label = ttk.Label(self, text="", style="Status.TLabel")
        self.model_label.pack(side="right")
        self.message_label = ttk.Label(self, text="", style="Status.TLabel")
        self.message_label.pack(side="left", fill="x", expand=True)

    def set_message(self, text: str, error: bool = False) -> None:
        self.message_label.configure(text=text, style="StatusError.TLabel" if error else "Status.TLabel")

    def set_model_state(self, text: str, style: str = "Status.TLabel") -> None:
        self.model_label.configure(text=text, style=style)

    @property
    def message(self) -> str:
        return str(self.message_label.cget("text"))

    @property
    def model_state(self) -> str:
        return str(self.model_label.cget("text"))
