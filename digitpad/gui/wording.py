"""How the windows put numbers into words: percentages, durations, counts, and when a confidence is low."""

from __future__ import annotations

LOW_CONFIDENCE_THRESHOLD = 0.6
"""Below this, a digit's confidence reads as "not sure" (and a batch row as low confidence)."""


def is_uncertain(confidence: float) -> bool:
    return confidence < LOW_CONFIDENCE_THRESHOLD


def format_percent(value: float) -> str:
    """0.987 -> '98.7%', 1.0 -> '100%', tiny values -> '<0.1%'."""
    percent = value * 100.0
    if percent >= 99.95:
        return "100%"
    if 0 < percent < 0.05:
        return "<0.1%"
    return f"{percent:.1f}%"


def percent(value: float | None, decimals: int = 1) -> str:
    """A figure (an accuracy) as a percentage with `decimals` places; a dash when there is none."""
    return "\u2013" if value is None else f"{value:.{decimals}%}"


def format_duration(seconds: float) -> str:
    """12.3 -> '12 s', 125 -> '2 min 05 s', 3725 -> '1 h 02 min'."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def plural(count: int, noun: str) -> str:
    """'1 file', '1,234 files'."""
    return f"{count:,} {noun}" + ("" if count == 1 else "s")
