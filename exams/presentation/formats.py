"""Numbers as a person reads them: ``1,234``, ``87%``, ``3 h 05 min``, ``12.5%``.

Every page, chart hover and report words its numbers through these.
"""


def number(value) -> str:
    """Return a count with thousands separators (``—`` when missing)."""
    return "—" if value is None else f"{value:,}"


def percent(value) -> str:
    """Return a percentage to whole numbers (``—`` when missing)."""
    return "—" if value is None else f"{value:.0f}%"


def share(value) -> str:
    """Return a fraction as a percentage with one decimal (``—`` when missing)."""
    return "—" if value is None else f"{value * 100:.1f}%"


def format_minutes(minutes: float | None) -> str:
    """Return minutes as ``45 min``, ``3 h 05 min`` or ``2 d 4 h``."""
    if minutes is None:
        return "—"
    sign = "−" if minutes < 0 else ""
    # Half up, as people round (Python's round() would make 394.5 → 394).
    total = int(abs(minutes) + 0.5)
    if total < 60:
        return f"{sign}{total} min"
    hours, mins = divmod(total, 60)
    if hours < 48:
        return f"{sign}{hours} h {mins:02d} min"
    days, hours = divmod(hours, 24)
    return f"{sign}{days} d {hours} h"


def decimal(value, places: int = 1) -> str:
    """Return a number with separators and ``places`` decimals (``—`` missing)."""
    if value is None:
        return "—"
    text = f"{value:,.{places}f}"
    # "-0.0" reads as a loss of nothing: a value that rounds to zero is 0.
    return text.lstrip("-") if float(text.replace(",", "")) == 0 else text


def signed(value, places: int = 0, unit: str = "") -> str:
    """Return a change with its sign: ``+1,234``, ``−0.5 points``, ``0 points``.

    A change that rounds to zero has no sign, so "-0.0 points" never shows.
    """
    if value is None:
        return "—"
    text = decimal(value, places)
    if not text.startswith("-") and float(text.replace(",", "")) != 0:
        text = "+" + text
    return text + (f" {unit}" if unit else "")


def signed_minutes(value) -> str:
    """Return a change in time: ``+12 min``, ``−1 h 05 min``, ``0 min``."""
    if value is None:
        return "—"
    words = format_minutes(value)
    if words == "0 min" or words.startswith("−"):
        return words.replace("−0 min", "0 min")
    return "+" + words


def verdict(value, *, better: str | None, places: int = 0) -> str | None:
    """Return ``"better"``, ``"worse"`` or ``None`` for a change as shown.

    A change within rounding (shown as zero at ``places`` decimals) is neutral.
    """
    if value is None or better is None or round(value, places) == 0:
        return None
    return "better" if (value < 0) == (better == "lower") else "worse"


def colour_span(result: dict) -> str:
    """Return what a heatmap's colours span: from zero for counts, else its range."""
    values = [z for row in result["z"] for z in row if z is not None]
    if not values:
        return ""
    if result["metric"] == "volume":
        return f"Colours run from 0 to {number(max(values))} exams per cell."
    low, high = min(values), max(values)
    if result["stat"] == "within":
        span = f"{low:.0f}% to {high:.0f}% within target"
    else:
        span = f"{format_minutes(low)} to {format_minutes(high)}"
    return (
        f"Colours span the range of the cells, {span}, not from zero: "
        "compare the numbers, not only the shades."
    )
