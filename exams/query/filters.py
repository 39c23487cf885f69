"""Turn a query string into a typed, immutable filter spec, and back.

One unit, like Datasette's ``filters.py``: ``parse_query`` validates every
parameter the API and dashboard share (docs/API.md) and raises
``FilterError`` naming the parameter, the bad value and the allowed values;
``to_query_string`` rebuilds the canonical query for links and bookmarks.

Unknown parameters are ignored (the dashboard adds its own); a single-valued
parameter given twice takes its last value, as Django's ``QueryDict.get``;
an empty value means "not given".
"""

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from urllib.parse import urlencode

from exams import fields

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_PAGE = 10_000_000


class FilterError(ValueError):
    """A query parameter with a value that cannot be used (HTTP 400)."""

    def __init__(self, param: str, value: str, allowed: str, *, message: str = ""):
        self.param = param
        self.value = value
        self.allowed = allowed
        super().__init__(
            message or f"Bad value for {param}: {value!r}. Allowed: {allowed}."
        )


@dataclass(frozen=True)
class FilterSpec:
    """What to show: the master filter plus the view's own choices."""

    modality: tuple[str, ...] = ()
    priority: tuple[str, ...] = ()
    physician: tuple[str, ...] = ()
    patient_class: tuple[str, ...] = ()
    shift: tuple[str, ...] = ()
    days: str = "all"
    start: dt.date | None = None
    end: dt.date | None = None
    period: str = "month"
    metric: str = "volume"
    stat: str = "median"
    target: float | None = None
    split: str = "none"
    by: str = "modality"
    sort: str = fields.DEFAULT_SORT
    page: int = 1
    page_size: int = fields.DEFAULT_PAGE_SIZE
    format: str = "json"

    @property
    def sort_field(self) -> str:
        """Return the sort column without its direction."""
        return self.sort.removeprefix("-")

    @property
    def descending(self) -> bool:
        """Return whether the exam list sorts largest first."""
        return self.sort.startswith("-")


REPEATABLE = tuple(fields.FILTER_FIELDS)
_CHOICES = {
    "days": fields.DAYS,
    "period": fields.PERIODS,
    "metric": fields.METRICS,
    "stat": fields.STATS,
    "split": fields.SPLITS,
    "by": fields.BY_CHOICES,
    "format": fields.FORMATS,
}


def parse_query(
    query: Mapping[str, Sequence[str]], *, shift_names: Sequence[str] | None = None
) -> FilterSpec:
    """Return the spec for a QueryDict or ``{name: [values]}``; raise FilterError.

    ``shift_names`` are the configured shifts (the defaults when omitted);
    a shift is matched without regard to case and kept in its configured
    spelling.
    """
    values = {}
    for name in REPEATABLE:
        values[name] = _repeated(query, name)
    values["shift"] = _shifts(values["shift"], shift_names)
    for name, allowed in _CHOICES.items():
        raw = query_value(query, name)
        if raw is not None:
            values[name] = _choice(name, raw, allowed)
    for name in ("start", "end"):
        values[name] = _date(name, query_value(query, name))
    values["target"] = _target(query_value(query, "target"))
    values["page"] = _integer(
        "page", query_value(query, "page"), 1, MAX_PAGE, default=1
    )
    values["page_size"] = _integer(
        "page_size",
        query_value(query, "page_size"),
        1,
        fields.MAX_PAGE_SIZE,
        default=fields.DEFAULT_PAGE_SIZE,
    )
    sort = query_value(query, "sort")
    if sort is not None:
        values["sort"] = _sort(sort)
    spec = FilterSpec(**values)
    if spec.start and spec.end and spec.start > spec.end:
        raise FilterError(
            "start",
            spec.start.isoformat(),
            f"a date on or before end ({spec.end.isoformat()})",
            message=(
                f"start ({spec.start.isoformat()}) is after end "
                f"({spec.end.isoformat()}): choose a start on or before the end."
            ),
        )
    return spec


def to_query_string(spec: FilterSpec) -> str:
    """Return the canonical query string of a spec (defaults left out)."""
    default = FilterSpec()
    pairs: list[tuple[str, str]] = []
    for field in dataclass_fields(FilterSpec):
        value = getattr(spec, field.name)
        if value == getattr(default, field.name):
            continue
        if isinstance(value, tuple):
            pairs.extend((field.name, v) for v in value)
        elif isinstance(value, dt.date):
            pairs.append((field.name, value.isoformat()))
        elif isinstance(value, float) and value.is_integer():
            pairs.append((field.name, str(int(value))))
        else:
            pairs.append((field.name, str(value)))
    return urlencode(pairs)


def query_values(query: Mapping, name: str) -> list[str]:
    """Return the non-blank values of a repeatable query parameter, stripped."""
    if hasattr(query, "getlist"):
        raw = query.getlist(name)
    else:
        raw = query.get(name, [])
        raw = [raw] if isinstance(raw, str) else list(raw)
    return [v.strip() for v in raw if v is not None and v.strip()]


def _repeated(query: Mapping, name: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(query_values(query, name)))


def query_value(query: Mapping, name: str) -> str | None:
    """Return the last non-blank value of a query parameter, or None."""
    values = query_values(query, name)
    return values[-1] if values else None


def _choice(name: str, raw: str, allowed: Sequence[str]) -> str:
    value = raw.lower()
    if value not in allowed:
        raise FilterError(name, raw, ", ".join(allowed))
    return value


def _shifts(raw: tuple[str, ...], shift_names: Sequence[str] | None) -> tuple[str, ...]:
    names = shift_names or [s["name"] for s in fields.DEFAULT_SHIFTS]
    by_key = {n.casefold(): n for n in names}
    for value in raw:
        if value.casefold() not in by_key:
            raise FilterError("shift", value, ", ".join(names))
    return tuple(dict.fromkeys(by_key[v.casefold()] for v in raw))


def _date(name: str, raw: str | None) -> dt.date | None:
    if raw is None:
        return None
    try:
        if not _DATE.match(raw):
            raise ValueError(raw)
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise FilterError(name, raw, "a date as YYYY-MM-DD, e.g. 2024-12-31") from None


def _target(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise FilterError("target", raw, "a positive number of minutes, e.g. 60")
    return value


def _integer(name: str, raw: str | None, low: int, high: int, *, default: int) -> int:
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise FilterError(name, raw, f"a whole number from {low} to {high}")
    return int(raw)


def _sort(raw: str) -> str:
    if raw.removeprefix("-") not in fields.SORT_FIELDS:
        raise FilterError(
            "sort",
            raw,
            ", ".join(fields.SORT_FIELDS) + " (prefix - for largest first)",
        )
    return raw
