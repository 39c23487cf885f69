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
from dataclasses import field as spec_field
from dataclasses import fields as dataclass_fields
from dataclasses import make_dataclass
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


def _dimension_field(dimension: fields.Dimension) -> tuple:
    if dimension.kind == "choice":
        return (dimension.key, str, spec_field(default="all"))
    return (dimension.key, tuple[str, ...], spec_field(default=()))


def _sort_field(self) -> str:
    """Return the sort column without its direction."""
    return self.sort.removeprefix("-")


def _descending(self) -> bool:
    """Return whether the exam list sorts largest first."""
    return self.sort.startswith("-")


def _by_keys(self) -> tuple[str, ...]:
    """Return the dimensions of ``by`` in the order named (two: a cross table)."""
    return tuple(self.by.split(","))


# What to show: one field per dimension (fields.DIMENSIONS: a tuple of
# values, or ``all`` for a choice) plus the view's own choices. Built from
# the declaration so a new dimension is a new filter with no edit here.
FilterSpec = make_dataclass(
    "FilterSpec",
    [
        *(_dimension_field(d) for d in fields.DIMENSIONS),
        ("start", dt.date | None, spec_field(default=None)),
        ("end", dt.date | None, spec_field(default=None)),
        ("period", str, spec_field(default="month")),
        ("metric", str, spec_field(default="volume")),
        ("stat", str, spec_field(default="median")),
        ("target", float | None, spec_field(default=None)),
        ("split", str, spec_field(default="none")),
        ("by", str, spec_field(default="modality")),
        # The dashboard's cross table: one dimension down, one across.
        ("cross_rows", str, spec_field(default="")),
        ("cross_cols", str, spec_field(default="")),
        ("sort", str, spec_field(default=fields.DEFAULT_SORT)),
        ("page", int, spec_field(default=1)),
        ("page_size", int, spec_field(default=fields.DEFAULT_PAGE_SIZE)),
        ("format", str, spec_field(default="json")),
    ],
    frozen=True,
    namespace={
        "__doc__": "What to show: the master filter plus the view's own choices.",
        "sort_field": property(_sort_field),
        "descending": property(_descending),
        "by_keys": property(_by_keys),
        "__module__": __name__,
    },
)

REPEATABLE = tuple(fields.FILTER_FIELDS)
_CHOICES = {
    **{d.key: ("all", *d.choices) for d in fields.DIMENSIONS if d.kind == "choice"},
    "period": fields.PERIODS,
    "metric": fields.METRICS,
    "stat": fields.STATS,
    "split": fields.SPLITS,
    "cross_rows": fields.BY_CHOICES,
    "cross_cols": fields.BY_CHOICES,
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
    by = query_value(query, "by")
    if by is not None:
        values["by"] = _by(by)
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


def select_group(key: str, group: str) -> dict:
    """Return the spec changes that keep one group of a dimension (a drill-down).

    ``key`` is a dimension's key or Pareto name; the ``(blank)`` and ``All``
    groups select nothing more (empty changes).
    """
    dimension = _DIMENSION_OF.get(key)
    if dimension is None or group in (fields.BLANK_GROUP, fields.ALL_GROUP):
        return {}
    if dimension.kind == "choice":
        return {dimension.key: group}
    return {dimension.key: (group,)}


_DIMENSION_OF = {
    **{d.pareto_name: d for d in fields.DIMENSIONS},
    **fields.DIMENSION_BY_KEY,
}


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


def _by(raw: str) -> str:
    """Return ``by`` checked: one dimension, or two joined by a comma."""
    allowed = ", ".join(fields.BY_CHOICES)
    keys = [part.strip().lower() for part in raw.split(",")]
    for key in keys:
        if key not in fields.BY_CHOICES:
            raise FilterError("by", raw, f"{allowed}, or two of them as by=a,b")
    if len(keys) > fields.MAX_BY or len(set(keys)) < len(keys):
        raise FilterError(
            "by",
            raw,
            allowed,
            message=(
                f"Bad value for by: {raw!r}. Name one dimension or two different "
                f"ones joined by a comma (e.g. by=modality,shift) from: {allowed}."
            ),
        )
    return ",".join(keys)


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
