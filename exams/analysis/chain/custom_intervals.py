"""User-named intervals from any time of the chain to a later one.

A site measures its own pair of events (exam start → final, order →
preliminary …). Each is declared in the settings as
``{"name": "start_to_final", "label": "Exam start → final", "start":
"started_at", "end": "finalized_at"}`` and computed like the built-in
intervals: minutes from start to end, only where both are known, negative
kept (and so excluded and counted by every statistic).
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from exams import fields
from exams.analysis.frame.shifts import SettingsError

MAX_CUSTOM = 20
MAX_LABEL = 60
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Names already used by a column of the prepared frame or a metric.
_RESERVED = {
    *fields.CANONICAL_FIELDS,
    # Built-in names only: read at import, before any request's own intervals.
    *fields.COUNT_METRICS,
    *fields.BUILT_IN,
    fields.SHIFT,
    fields.ORDERED_SHIFT,
    fields.WEEKDAY,
    fields.IS_WEEKEND,
    fields.HOUR,
    fields.COMPLETED_DAY,
    fields.COMPLETED_MONTH,
    fields.ORDERED_DAY,
    fields.ORDERED_MONTH,
    "complete_to_preliminary",
    "preliminary_to_final",
    "target",
}


@dataclass(frozen=True)
class CustomInterval:
    """An interval named by the user: minutes from ``start`` to ``end``."""

    name: str
    label: str
    start: str
    end: str

    def declared(self) -> fields.Interval:
        """Return it as a declared interval, offered when some exam has both times."""
        # Short form read mid-sentence ("Median order → prelim"), as the
        # built-in "report TAT"; an acronym ("CT …") keeps its capitals.
        short = self.label
        if self.label[1:2].islower():
            short = self.label[0].lower() + self.label[1:]
        return fields.Interval(
            self.name, self.start, self.end, self.label, short, optional=True
        )

    def as_json(self) -> dict:
        """Return the settings form."""
        return {
            "name": self.name,
            "label": self.label,
            "start": self.start,
            "end": self.end,
        }


def validate_custom_intervals(raw) -> tuple[CustomInterval, ...]:
    """Return the custom intervals of a settings list; raise SettingsError."""
    if isinstance(raw, str | bytes | Mapping) or not isinstance(raw, Iterable):
        raise SettingsError(
            'Custom intervals must be a list of {"name", "label", "start", "end"}.'
        )
    intervals = tuple(_parse(item, i) for i, item in enumerate(raw, start=1))
    if len(intervals) > MAX_CUSTOM:
        raise SettingsError(f"Define at most {MAX_CUSTOM} custom intervals.")
    names = [i.name for i in intervals]
    for name in names:
        if names.count(name) > 1:
            raise SettingsError(f"Two custom intervals are named {name!r}.")
    return intervals


def _parse(item, position: int) -> CustomInterval:
    if not isinstance(item, Mapping):
        raise SettingsError(f"Custom interval {position} must be an object.")
    unknown = sorted(set(item) - {"name", "label", "start", "end"})
    if unknown:
        raise SettingsError(
            f"Custom interval {position} has an unknown key {unknown[0]!r}: "
            "use name, label, start and end."
        )
    name = item.get("name")
    if not isinstance(name, str) or not _NAME.match(name.strip()):
        raise SettingsError(
            f"Custom interval {position} needs a name of lower-case letters, "
            "digits and _ (up to 40, starting with a letter), e.g. start_to_final."
        )
    name = name.strip()
    if name in _RESERVED:
        raise SettingsError(
            f"The name {name!r} is already used by TATviz: choose another."
        )
    times = ", ".join(fields.CHAIN)
    start, end = item.get("start"), item.get("end")
    for what, value in (("start", start), ("end", end)):
        if value not in fields.CHAIN:
            raise SettingsError(
                f"The {what} of custom interval {name!r} must be one of {times}, "
                f"got {value!r}."
            )
    if fields.CHAIN.index(end) <= fields.CHAIN.index(start):
        raise SettingsError(
            f"Custom interval {name!r} must end at a later event than it starts: "
            f"the order is {times}."
        )
    label = item.get("label") or f"{_label(start)} → {_label(end).lower()}"
    if not isinstance(label, str) or len(label.strip()) > MAX_LABEL:
        raise SettingsError(
            f"The label of custom interval {name!r} must be text of at most "
            f"{MAX_LABEL} characters."
        )
    return CustomInterval(name=name, label=label.strip(), start=start, end=end)


def _label(field: str) -> str:
    return fields.FIELD_LABELS[field]


def interval_minutes(frame: pd.DataFrame, *, start: str, end: str) -> np.ndarray:
    """Return clock minutes from ``start`` to ``end`` (NaN where one is missing)."""
    if start not in frame or end not in frame:
        return np.full(len(frame), np.nan)
    delta = pd.to_datetime(frame[end]) - pd.to_datetime(frame[start])
    return delta.dt.total_seconds().to_numpy(dtype=np.float64, na_value=np.nan) / 60
