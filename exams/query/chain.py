"""The query of the segments and control-chart views, and ``time=`` of any.

The shared ``<filters>`` (and ``stat``, ``target``, ``format``) go through
``exams.query.filters.parse_query``; the parameters whose vocabulary
differs here (``by=none``, ``period=day|week``, ``metric=`` of a custom
interval, the baseline dates, ``time``) are taken out first and checked
here, raising the same ``FilterError`` (HTTP 400).
"""

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from exams import fields
from exams.analysis.control import CONTROL_PERIODS
from exams.analysis.measure import TIMES
from exams.query.filters import (
    FilterError,
    FilterSpec,
    parse_query,
    query_value,
    query_values,
)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SEGMENT_BY = ("none", *fields.BY_CHOICES)
_OWN = ("by", "period", "metric", "baseline_start", "baseline_end", "time")


@dataclass(frozen=True)
class ChainQuery:
    """The shared filter spec and the segments / control views' own choices."""

    spec: FilterSpec
    time: str = "clock"
    by: str = "none"
    metric: str = "complete_to_final"
    period: str = "day"
    baseline_start: dt.date | None = None
    baseline_end: dt.date | None = None


def parse_time(query: Mapping) -> str:
    """Return ``clock`` (the default) or ``working``; raise FilterError."""
    return _choice(query, "time", TIMES, "clock")


def parse_chain(
    query: Mapping[str, Sequence[str]],
    *,
    shift_names: Sequence[str] | None = None,
    metrics: Sequence[str] = tuple(fields.INTERVALS),
) -> ChainQuery:
    """Return the checked query of the segments or control view."""
    shared = {name: query_values(query, name) for name in query if name not in _OWN}
    spec = parse_query(shared, shift_names=shift_names)
    start = _date(query, "baseline_start")
    end = _date(query, "baseline_end")
    if start and end and start > end:
        raise FilterError(
            "baseline_start",
            start.isoformat(),
            "a date on or before baseline_end",
            message=(
                f"baseline_start ({start.isoformat()}) is after baseline_end "
                f"({end.isoformat()}): choose a start on or before the end."
            ),
        )
    return ChainQuery(
        spec=spec,
        time=parse_time(query),
        by=_choice(query, "by", SEGMENT_BY, "none"),
        metric=_choice(query, "metric", tuple(metrics), "complete_to_final"),
        period=_choice(query, "period", CONTROL_PERIODS, "day"),
        baseline_start=start,
        baseline_end=end,
    )


def _choice(query: Mapping, name: str, allowed: Sequence[str], default: str) -> str:
    raw = query_value(query, name)
    if raw is None:
        return default
    if raw.lower() not in allowed:
        raise FilterError(name, raw, ", ".join(allowed))
    return raw.lower()


def _date(query: Mapping, name: str) -> dt.date | None:
    raw = query_value(query, name)
    if raw is None:
        return None
    try:
        if not _DATE.match(raw):
            raise ValueError(raw)
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise FilterError(name, raw, "a date as YYYY-MM-DD, e.g. 2024-12-31") from None
