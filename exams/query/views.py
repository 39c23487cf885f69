"""Every route's query: the shared filters plus the parameters each view declares.

``parse(query, view=…)`` is the one entry point: the shared ``<filters>``
(and ``period``, ``metric``, ``stat``, ``target``, ``split``, ``by``,
``sort``, ``page``, ``page_size``, ``format``) go to
``exams.query.filters.parse_query``; the parameters a view declares in
``VIEW_PARAMS`` are taken out first (``by=exam_name`` of the Pareto view,
``period=`` of the forecast …) and read by their declaration. Every bad
value raises the one ``FilterError`` (HTTP 400) naming the parameter, the
value and what would be right (docs/API.md, "Errors").
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from exams import fields
from exams.analysis.compare import AGAINST
from exams.analysis.forecast import (
    DEFAULT_HORIZON_WEEKS,
    FORECAST_PERIODS,
    FORECAST_SPLITS,
    MAX_HORIZON_WEEKS,
)
from exams.analysis.pareto import MAX_LIMIT, PARETO_BY
from exams.analysis.quality import QUALITY_KINDS
from exams.query.filters import (
    FilterError,
    FilterSpec,
    _choice,
    _integer,
    parse_query,
    query_value,
    query_values,
)

_YES, _NO = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
MAX_TEXT = 1000


@dataclass(frozen=True)
class Choice:
    """One of ``allowed`` (case ignored), else ``default`` when not given."""

    allowed: tuple[str, ...]
    default: str | None

    def read(self, name: str, raw: str | None):
        """Return the value of ``raw``; raise FilterError."""
        return self.default if raw is None else _choice(name, raw, self.allowed)


@dataclass(frozen=True)
class WholeNumber:
    """A whole number (ASCII digits) from ``low`` to ``high``."""

    low: int
    high: int
    default: int

    def read(self, name: str, raw: str | None):
        """Return the value of ``raw``; raise FilterError."""
        return _integer(name, raw, self.low, self.high, default=self.default)


@dataclass(frozen=True)
class Flag:
    """Yes (``1``, ``true``, ``yes``, ``on``) or no (``0`` … or not given)."""

    meaning: str

    def read(self, name: str, raw: str | None):
        """Return the value of ``raw``; raise FilterError."""
        if raw is None:
            return False
        if raw.lower() not in _YES + _NO:
            raise FilterError(name, raw, f"1 ({self.meaning}) or 0")
        return raw.lower() in _YES


@dataclass(frozen=True)
class Text:
    """Free text, such as a chart label or a group name (at most MAX_TEXT)."""

    meaning: str
    required: bool = False

    def read(self, name: str, raw: str | None):
        """Return the value of ``raw``; raise FilterError."""
        if raw is None and self.required:
            raise FilterError(name, "", self.meaning)
        if raw is not None and (len(raw) > MAX_TEXT or "\x00" in raw):
            raise FilterError(name, raw[:40], f"{self.meaning} (short text)")
        return raw


DISTRIBUTION_BY = ("none", *fields.BY_CHOICES)
HEATMAP_METRICS = ("volume", *fields.INTERVALS)
DISTRIBUTION_TABLES = ("buckets", "boxes")
_LIMIT = WholeNumber(1, MAX_LIMIT, 10)
# CSV for scripts: field names and ISO times (docs/API.md, "CSV downloads").
_RAW = {"raw": Flag("machine-readable CSV")}
# Each view's own parameters; every other parameter is a shared filter.
VIEW_PARAMS: dict[str, dict] = {
    "series": {**_RAW},
    "summary": {**_RAW},
    "exams": {**_RAW},
    "dashboard": {},
    "report": {"anonymize": Flag("leave out names")},
    # Any value: the upload page then shows the report of the files just loaded.
    "upload": {"loaded": Text("any text")},
    "exam_list": {"quality": Choice(QUALITY_KINDS, None), **_RAW},
    "drill": {
        "bucket": Text("a bucket label from the chart", required=True),
        "series": Text("a series name from the chart"),
    },
    "distribution": {
        "metric": Choice(tuple(fields.INTERVALS), "complete_to_final"),
        "by": Choice(DISTRIBUTION_BY, "none"),
        "table": Choice(DISTRIBUTION_TABLES, "buckets"),
        **_RAW,
    },
    "heatmap": {"metric": Choice(HEATMAP_METRICS, "volume"), **_RAW},
    "compare": {"against": Choice(AGAINST, "previous"), **_RAW},
    "overview": {**_RAW},
    # The Pareto's trend takes its period from the shared ``period``.
    "pareto": {
        "by": Choice(tuple(PARETO_BY), "exam_name"),
        "limit": _LIMIT,
        **_RAW,
    },
    "top_exams": {"limit": _LIMIT, **_RAW},
    "pending": {**_RAW},
    "forecast": {
        "horizon_weeks": WholeNumber(1, MAX_HORIZON_WEEKS, DEFAULT_HORIZON_WEEKS),
        "split": Choice(FORECAST_SPLITS, "none"),
        "period": Choice(FORECAST_PERIODS, "day"),
        **_RAW,
    },
}


@dataclass(frozen=True)
class ViewQuery:
    """The shared filter spec and one view's own parameters (defaults elsewhere)."""

    spec: FilterSpec
    metric: str = "complete_to_final"
    by: str = "none"
    table: str = "buckets"
    against: str = "previous"
    period: str = "day"
    limit: int = 10
    horizon_weeks: int = DEFAULT_HORIZON_WEEKS
    split: str = "none"
    anonymize: bool = False
    loaded: str | None = None
    quality: str | None = None
    bucket: str | None = None
    series: str | None = None
    raw: bool = False


def parse(
    query: Mapping[str, Sequence[str]],
    *,
    view: str,
    shift_names: Sequence[str] | None = None,
) -> ViewQuery:
    """Return the checked query of one view; raise FilterError."""
    own = VIEW_PARAMS[view]
    shared = {name: query_values(query, name) for name in query if name not in own}
    spec = parse_query(shared, shift_names=shift_names)
    values = {
        name: param.read(name, query_value(query, name)) for name, param in own.items()
    }
    return ViewQuery(spec=spec, **values)
