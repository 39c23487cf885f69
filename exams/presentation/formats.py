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
