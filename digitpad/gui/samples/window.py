"""The samples window: how many samples of each digit, their thumbnails, delete and export, damaged files noted."""

from __future__ import annotations

import tkinter as tk
from pathlib import Path
from tkinter import ttk
from typing import Callable

from PIL import Image, ImageTk

from digitpad.gui import theme
from digitpad.gui.wording import plural
from digitpad.gui.main.data_folder import reason
from digitpad.gui.worker import Pump, run_in_thread

WINDOW_TITLE = "Your samples - digitpad"
THUMBNAIL_SIDE = 64
THUMBNAIL_GAP = 8
COLUMNS = 6
MAXIMUM_THUMBNAILS = 120
"""Thumbnails shown per digit (the newest); the others are counted, not drawn."""
SELECTED_OUTLINE = theme.ACCENT
GRID_HEIGHT = 3 * (THUMBNAIL_SIDE + THUMBNAIL_GAP) + THUMBNAIL_GAP + 80


def load_thumbnails(samples: list, side: int = THUMBNAIL_SIDE) -> list[tuple[str, Image.Image | None]]:
    """Worker thread: (sample id, thumbnail or None when unreadable) for each sample."""
    loaded = []
    for sample in samples:
        try:
            with Image.open(sample.image_path) as image:
                picture = image.convert("L")
            picture.thumbnail((side, side), Image.Resampling.LANCZOS)
            framed = Image.new("L", (side, side), 255)
            framed.paste(picture, ((side - picture.width) // 2, (side - picture.height) // 2))
            loaded.append((sample.sample_id, framed))
        except (OSError, ValueError, SyntaxError):
            loaded.append((sample.sample_id, None))
    return loaded


def damaged_note(count: int) -> str:
    if not count:
        return ""
    return f"{plural(count, 'damaged sample file')} {'was' if count == 1 else 'were'} skipped."


class SamplesWindow(tk.Toplevel):
    """One digit's samples at a time. Click thumbnails to select them; Delete removes the selection."""

    def __init__(self, master: tk.Misc, pump: Pump, ask_directory: Callable[[], str],
                 on_status: Callable[[str], None] | None = None, store_root: str | Path | None = None):
        from digitpad.userdata.samples import SampleStore  # noqa: PLC0415 - numpy, PIL and the preprocessing; no TensorFlow

        super().__init__(master)
        self.title(WINDOW_TITLE)
        self.configure(background=theme.WINDOW_BACKGROUND)
        self._pump = pump
        self._ask_directory = ask_directory
        self._on_status = on_status
        self.store = SampleStore(store_root)
        self.counts: dict[int, int] = {}
        self.digit = 0
        self.shown_ids: list[str] = []
        self.selected: set[str] = set()
        self.damaged_count: int | None = None
        self.thumbnails_loaded = False
        self._photos: dict[str, ImageTk.PhotoImage] = {}
        self._serial = 0
        self.closed = False
        self._build()
        self.protocol("WM_DELETE_WINDOW", self.close)
        self.bind("<Delete>", lambda event: self.delete_selected())
        self.bind("<BackSpace>", lambda event: self.delete_selected())
        self.bind("<Escape>", lambda event: self.close())
        self.refresh()
        self.check_damaged()

    def _build(self) -> None:
        outer = ttk.Frame(self, padding=12)
        outer.pack(fill="both", expand=True)
        outer.columnconfigure(1, weight=1)
        outer.rowconfigure(1, weight=1)
        ttk.Label(outer, text="Your handwriting samples", style="Title.TLabel").grid(row=0, column=0, columnspan=2,
                                                                                   sticky="w", pady=(0, 8))
        self.digit_list = ttk.Treeview(outer, columns=("count",), show="headings", selectmode="browse", height=10)
        self.digit_list.heading("count", text="Digit: samples")
        self.digit_list.column("count", width=130, anchor="w")
        for digit in range(10):
            self.digit_list.insert("", "end", iid=str(digit), values=("",))
        self.digit_list.grid(row=1, column=0, sticky="ns", padx=(0, 10))
        self.digit_list.bind("<<TreeviewSelect>>", self._digit_selected)
        grid_frame = ttk.Frame(outer, style="Card.TFrame")
        grid_frame.grid(row=1, column=1, sticky="nsew")
        grid_frame.rowconfigure(0, weight=1)
        grid_frame.columnconfigure(0, weight=1)
        self._side, self._gap = theme.scaled(self, THUMBNAIL_SIDE), theme.scaled(self, THUMBNAIL_GAP)
        width = COLUMNS * (self._side + self._gap) + self._gap
        self.canvas = tk.Canvas(grid_frame, width=width, height=theme.scaled(self, GRID_HEIGHT),
                                background=theme.SURFACE,
                                highlightthickness=0, borderwidth=0)
        self.canvas.grid(row=0, column=0, sticky="nsew")
        scrollbar = ttk.Scrollbar(grid_frame, orient="vertical", command=self.canvas.yview)
        scrollbar.grid(row=0, column=1, sticky="ns")
        self.canvas.configure(yscrollcommand=scrollbar.set)
        self.canvas.bind("<ButtonPress-1>", self._clicked)
        self.grid_label = ttk.Label(outer, text="", style="Muted.TLabel")
        self.grid_label.grid(row=2, column=1, sticky="w", pady=(6, 0))
        self.damaged_label = ttk.Label(outer, text="", foreground=theme.UNCERTAIN_TEXT,
                                       wraplength=theme.scaled(self, 520))
        self.damaged_label.grid(row=3, column=0, columnspan=2, sticky="w", pady=(6, 0))
        buttons = ttk.Frame(outer)
        buttons.grid(row=4, column=0, columnspan=2, sticky="ew", pady=(10, 0))
        self.total_label = ttk.Label(buttons, text="", style="Muted.TLabel")
        self.total_label.pack(side="left")
        ttk.Button(buttons, text="Close", command=self.close).pack(side="right")
        self.export_button = ttk.Button(buttons, text="Export…", command=self.export)
        self.export_button.pack(side="right", padx=(0, 8))
        self.delete_button = ttk.Button(buttons, text="Delete selected", command=self.delete_selected,
                                        state="disabled")
        self.delete_button.pack(side="right", padx=(0, 8))

    # -- contents ---------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Count again and show the current digit's thumbnails."""
        self.counts = self.store.counts()
        for digit in range(10):
            self.digit_list.item(str(digit), values=(f"{digit}:  {plural(self.counts[digit], 'sample')}",))
        total = sum(self.counts.values())
        self.total_label.configure(text=f"{plural(total, 'sample')} in {self.store.root}")
        self.export_button.configure(state="normal" if total else "disabled")
        if self.digit_list.selection() != (str(self.digit),):
            self.digit_list.selection_set(str(self.digit))  # shows the digit through _digit_selected
        else:
            self.show_digit(self.digit)

    def _digit_selected(self, event=None) -> None:
        selection = self.digit_list.selection()
        if selection:
            self.show_digit(int(selection[0]))

    def show_digit(self, digit: int) -> None:
        """Load the newest MAXIMUM_THUMBNAILS samples of `digit` in a worker, then draw them."""
        self.digit = digit
        self.selected.clear()
        self._update_delete_button()
        samples = list(reversed(self.store.list(digit)))
        shown = samples[:MAXIMUM_THUMBNAILS]
        self._serial += 1
        serial = self._serial
        self.thumbnails_loaded = False
        self.shown_ids = [sample.sample_id for sample in shown]
        self.canvas.delete("all")
        self._photos.clear()
        if not samples:
            self.grid_label.configure(text=f"No samples of {digit} yet.")
        elif len(samples) > len(shown):
            self.grid_label.configure(text=f"The newest {len(shown)} of {len(samples):,} samples of {digit}.")
        else:
            self.grid_label.configure(text=f"{plural(len(samples), 'sample')} of {digit}. Click to select; "
                                           "Delete removes the selected ones.")
        side = self._side
        run_in_thread(lambda: load_thumbnails(shown, side),
                      lambda succeeded, value: self._thumbnails_loaded(serial, succeeded, value),
                      pump=self._pump, name="digitpad-thumbnails")

    def _thumbnails_loaded(self, serial: int, succeeded: bool, value) -> None:
        if self.closed or serial != self._serial:
            return
        self.thumbnails_loaded = True
        if not succeeded:
            self.grid_label.configure(text=f"Cannot show the samples: {value}")
            return
        side, gap = self._side, self._gap
        step = side + gap
        for index, (sample_id, picture) in enumerate(value):
            row, column = divmod(index, COLUMNS)
            x, y = gap + column * step, gap + row * step
            tag = f"sample:{sample_id}"
            self.canvas.create_rectangle(x - 3, y - 3, x + side + 2, y + side + 2,
                                         outline=theme.BORDER, width=1, tags=(tag, "frame"))
            if picture is None:
                self.canvas.create_text(x + side / 2, y + side / 2, text="damaged",
                                        fill=theme.ERROR, font=theme.SMALL_FONT, tags=(tag,))
                continue
            photo = ImageTk.PhotoImage(picture, master=self.canvas)
            self._photos[sample_id] = photo
            self.canvas.create_image(x, y, image=photo, anchor="nw", tags=(tag,))
        rows = -(-len(value) // COLUMNS)
        self.canvas.configure(scrollregion=(0, 0, COLUMNS * step + gap, rows * step + gap))

    # -- selection and deleting -------------------------------------------------------------------------------
    def _clicked(self, event: tk.Event) -> None:
        x, y = self.canvas.canvasx(event.x), self.canvas.canvasy(event.y)
        for item in reversed(self.canvas.find_overlapping(x, y, x, y)):
            for tag in self.canvas.gettags(item):
                if tag.startswith("sample:"):
                    self.toggle(tag.split(":", 1)[1])
                    return

    def toggle(self, sample_id: str) -> None:
        """Select or unselect one shown sample."""
        if sample_id in self.selected:
            self.selected.discard(sample_id)
        elif sample_id in self.shown_ids:
            self.selected.add(sample_id)
        for item in self.canvas.find_withtag(f"sample:{sample_id}"):
            if "frame" in self.canvas.gettags(item):
                chosen = sample_id in self.selected
                self.canvas.itemconfigure(item, outline=SELECTED_OUTLINE if chosen else theme.BORDER,
                                          width=3 if chosen else 1)
        self._update_delete_button()

    def _update_delete_button(self) -> None:
        count = len(self.selected)
        self.delete_button.configure(state="normal" if count else "disabled",
                                     text=f"Delete {count} selected" if count else "Delete selected")

    def delete_selected(self) -> int:
        """Remove the selected samples from the store; returns how many were removed."""
        if not self.selected:
            return 0
        removed = 0
        try:
            for sample_id in sorted(self.selected):
                removed += bool(self.store.delete(sample_id))
        except OSError as error:  # a read-only data folder: the samples stay
            self._status(f"Could not delete {plural(len(self.selected) - removed, 'sample')}: {reason(error)}.")
        else:
            self._status(f"Deleted {plural(removed, 'sample')} of {self.digit}.")
        self.selected.clear()
        self.refresh()
        return removed

    # -- export and damaged files -----------------------------------------------------------------------------
    def export(self, folder: str | None = None) -> None:
        """Copy every sample to `folder`/0..9 (asking for the folder unless given), in a worker."""
        folder = folder or self._ask_directory()
        if not folder:
            return
        store = self.store
        self.export_button.configure(state="disabled")
        self.grid_label.configure(text=f"Exporting to {folder}…")
        run_in_thread(lambda: store.export(folder), lambda ok, value: self._exported(folder, ok, value),
                      pump=self._pump, name="digitpad-export-samples")

    def _exported(self, folder: str, succeeded: bool, value) -> None:
        if self.closed:
            return
        self.export_button.configure(state="normal")
        text = (f"Exported {plural(value, 'sample')} to {folder} (one subfolder per digit)." if succeeded
                else f"Export failed: {value}")
        self.grid_label.configure(text=text, foreground=theme.MUTED_TEXT if succeeded else theme.ERROR)
        self._status(text)

    def check_damaged(self) -> None:
        """Read every sample in a worker (as a retrain would) and say how many files are damaged."""
        store = self.store
        run_in_thread(lambda: len(store.load_dataset().damaged), self._damaged_checked, pump=self._pump,
                      name="digitpad-check-samples")

    def _damaged_checked(self, succeeded: bool, value) -> None:
        if self.closed:
            return
        self.damaged_count = value if succeeded else None
        if succeeded:
            self.damaged_label.configure(text=damaged_note(value))
        else:
            self.damaged_label.configure(text=f"Cannot check the sample files: {value}")

    def _status(self, text: str) -> None:
        if self._on_status is not None:
            self._on_status(text)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._photos.clear()
        self.destroy()
