"""Training report pictures drawn with Pillow: learning curves and a confusion matrix."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

BACKGROUND = (255, 255, 255)
AXIS = (60, 60, 60)
SERIES_COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40)]


def _plot_panel(draw, box, title, series: dict[str, list[float]]):
    left, top, right, bottom = box
    draw.text((left, top - 16), title, fill=AXIS)
    draw.rectangle(box, outline=AXIS)
    # The first epoch dwarfs the rest: scale the axis to the later epochs and clip the first.
    values = [value for points in series.values() for value in (points[1:] if len(points) > 2 else points)]
    if not values:
        return
    low, high = min(values), max(values)
    if high - low < 1e-9:
        high = low + 1.0
    longest = max(len(points) for points in series.values())
    for index, (name, points) in enumerate(series.items()):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        coordinates = [
            (
                left + (right - left) * (step / max(longest - 1, 1)),
                bottom - (bottom - top) * min(max((value - low) / (high - low), -0.02), 1.02),
            )
            for step, value in enumerate(points)
        ]
        if len(coordinates) > 1:
            draw.line(coordinates, fill=colour, width=2)
        for x, y in coordinates:
            draw.ellipse((x - 2, y - 2, x + 2, y + 2), fill=colour)
        draw.text((left + 6, top + 4 + 14 * index), f"{name}: {points[-1]:.4f}", fill=colour)
    draw.text((right - 70, bottom + 4), f"epochs: {longest}", fill=AXIS)
    draw.text((right + 4, top), f"{high:.3f}", fill=AXIS)
    draw.text((right + 4, bottom - 10), f"{low:.3f}", fill=AXIS)


def save_learning_curves(history: dict[str, list[float]], path: str | Path) -> None:
    """Two panels: training/validation loss and accuracy per epoch."""
    image = Image.new("RGB", (760, 340), BACKGROUND)
    draw = ImageDraw.Draw(image)
    loss = {name: history[name] for name in ("loss", "val_loss") if name in history}
    accuracy = {name: history[name] for name in ("accuracy", "val_accuracy") if name in history}
    _plot_panel(draw, (30, 40, 330, 300), "loss", loss)
    _plot_panel(draw, (410, 40, 710, 300), "accuracy", accuracy)
    image.save(path)


def save_confusion_matrix(matrix: np.ndarray, path: str | Path, cell: int = 44) -> None:
    """A 10x10 grid, rows = true digit, columns = predicted digit, shaded by row share."""
    classes = matrix.shape[0]
    margin = 40
    size = margin + classes * cell + 10
    image = Image.new("RGB", (size, size + 20), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text((margin, 4), "columns: predicted digit, rows: true digit", fill=AXIS)
    row_totals = np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    shares = matrix / row_totals
    for row in range(classes):
        draw.text((margin - 16, margin + row * cell + cell // 2 - 6), str(row), fill=AXIS)
        for column in range(classes):
            if row == 0:
                draw.text((margin + column * cell + cell // 2 - 3, margin - 16), str(column), fill=AXIS)
            share = float(shares[row, column])
            if row == column:
                colour = (int(255 - 200 * share), int(255 - 90 * share), int(255 - 200 * share))
            else:
                strength = min(1.0, share * 20)
                colour = (255, int(255 - 200 * strength), int(255 - 200 * strength))
            x0, y0 = margin + column * cell, margin + row * cell
            draw.rectangle((x0, y0, x0 + cell - 1, y0 + cell - 1), fill=colour, outline=(220, 220, 220))
            count = int(matrix[row, column])
            if count:
                draw.text((x0 + 4, y0 + cell // 2 - 6), str(count), fill=(0, 0, 0))
    image.save(path)
