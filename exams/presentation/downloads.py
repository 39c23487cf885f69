"""Names of downloaded files that say what they hold.

``tatviz-exams-CT-2025-Q3.csv``: the kind of data, the main filters
(modality, priority, patient class, shift, physician) and the dates, a whole
month, quarter or year by its name (``exams.analysis.frame.periods.period_name``).
"""

import re

from exams import fields
from exams.analysis.frame.periods import period_name
from exams.query.filters import FilterSpec

# More values than this in one filter are counted, not listed.
MAX_NAMED = 3
MAX_LENGTH = 120
_UNSAFE = re.compile(r"[^A-Za-z0-9+._-]+")


def download_name(
    kind: str, spec: FilterSpec | None = None, *, ext: str = "csv"
) -> str:
    """Return ``tatviz-<kind>[-<filters>][-<dates>].<ext>``, safe on every OS."""
    parts = [kind]
    if spec is not None:
        for values, noun in (
            (spec.modality, "modalities"),
            (spec.priority, "priorities"),
            (spec.patient_class, "patient-classes"),
            (spec.shift, "shifts"),
            (spec.physician, "physicians"),
        ):
            if values:
                named = "+".join(values) if len(values) <= MAX_NAMED else None
                parts.append(named or f"{len(values)}-{noun}")
        dates = _dates(spec)
        if dates:
            parts.append(dates)
    words = [_UNSAFE.sub("-", part).strip("-.") for part in parts]
    stem = "-".join(word for word in words if word)[:MAX_LENGTH].rstrip("-.")
    return f"tatviz-{stem}.{ext}"


def series_kind(spec: FilterSpec) -> str:
    """Return what a chart's CSV holds: ``volume-per-month``, ``…-median-…``."""
    metric = spec.metric
    if metric in fields.INTERVALS:
        metric = f"{metric}-{spec.stat}"
    split = f"-by-{spec.split}" if spec.split != "none" else ""
    return f"{metric}-per-{spec.period}{split}"


def _dates(spec: FilterSpec) -> str | None:
    if spec.start and spec.end:
        return period_name(spec.start, spec.end)
    if spec.start:
        return f"from-{spec.start.isoformat()}"
    if spec.end:
        return f"to-{spec.end.isoformat()}"
    return None
