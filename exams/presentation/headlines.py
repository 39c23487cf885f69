"""Headline numbers as a person reads them: ``3 h 05 min``, ``+12 (+4.0%)``."""

from exams import fields
from exams.presentation.formats import format_minutes as minutes
from exams.presentation.formats import number as _count
from exams.presentation.formats import signed, signed_minutes, verdict


def headline_table(result: dict) -> list[dict]:
    """Return the rows a person reads: measure, both values, change."""
    now, then, delta = result["current"], result["comparison"], result["change"]
    rows = [
        _row("Exams completed", now["exams"], then["exams"], delta["exams"], _count),
        _row(
            "Exams per day",
            now["exams_per_day"],
            then["exams_per_day"],
            delta["exams_per_day"],
            _decimal,
        ),
        _row(
            "Pending (no final report)",
            now["pending"],
            then["pending"],
            delta["pending"],
            _count,
            better="lower",
        ),
    ]
    for metric in now["intervals"]:  # only the intervals the data set has
        label = fields.INTERVAL_LABELS[metric]
        a, b = now["intervals"][metric], then["intervals"][metric]
        d = delta["intervals"][metric]
        for key, title, words, better in (
            ("median", f"Median {label}", minutes, "lower"),
            ("within", f"% within target, {label}", _pct, "higher"),
        ):
            rows.append(
                _row(
                    title,
                    a[key],
                    b[key],
                    d[key],
                    words,
                    better=better,
                    n=(a["n"], b["n"]),
                )
            )
    return rows


def _decimal(value) -> str:
    return "—" if value is None else f"{value:,.1f}"


def _pct(value) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _row(
    label: str,
    now,
    then,
    delta: dict,
    fmt,
    *,
    better: str | None = None,
    n: tuple[int, int] | None = None,
) -> dict:
    """Return one headline row; ``better`` is ``"lower"`` or ``"higher"``."""
    absolute, percent = delta["absolute"], delta["percent"]
    places = 0
    if absolute is None:
        text = "—"
    elif fmt is _pct:
        text, places = signed(absolute, 1, "points"), 1
    elif fmt is minutes:
        text = signed_minutes(absolute)
    elif fmt is _count:
        text = signed(absolute)
    else:
        text, places = signed(absolute, 1), 1
    if percent is not None and fmt is not _pct:
        text += f" ({signed(percent, 1)}%)"
    verdict_ = verdict(absolute, better=better, places=places)
    return {
        "label": label,
        "current": fmt(now),
        "comparison": fmt(then),
        "change": text,
        "verdict": verdict_,
        "n": f"n = {n[0]:,} / {n[1]:,}" if n else "",
        "n_current": f"n = {n[0]:,}" if n else "",
        "n_comparison": f"n = {n[1]:,}" if n else "",
    }


def overview_table(windows: list[dict]) -> list[dict]:
    """Return one row per measure with each window's values side by side."""
    tables = [headline_table(window) for window in windows]
    return [
        {"label": rows[0]["label"], "windows": list(rows)}
        for rows in zip(*tables, strict=True)
    ]
