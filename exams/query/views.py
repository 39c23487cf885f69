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

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from exams import fields
from exams.analysis.chain.control import CONTROL_PERIODS
from exams.analysis.chain.measure import TIMES
from exams.analysis.insights.compare import AGAINST
from exams.analysis.insights.forecast import (
    DEFAULT_HORIZON_WEEKS,
    FORECAST_PERIODS,
    FORECAST_SPLITS,
    MAX_HORIZON_WEEKS,
)
from exams.analysis.insights.pareto import MAX_LIMIT, PARETO_BY
from exams.analysis.quality import QUALITY_KINDS
from exams.ingest.values.chain import parse_pair
from exams.query.filters import (
    FilterError,
    FilterSpec,
    _choice,
    _date,
    _integer,
    parse_query,
    query_value,
    query_values,
)

_YES, _NO = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
PAIR_WANTED = (
    "two times in chain order joined by '>', e.g. started_at>completed_at "
    f"({', '.join(fields.CHAIN)})"
)
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


@dataclass(frozen=True)
class Date:
    """A date as YYYY-MM-DD, or None when not given."""

    def read(self, name: str, raw: str | None):
        """Return the value of ``raw``; raise FilterError."""
        return _date(name, raw)


@dataclass(frozen=True)
class Pair:
    """Two times of the chain in order, joined by ``>``: ``started_at>completed_at``."""

    def read(self, name: str, raw: str | None):
        """Return the value of ``raw``; raise FilterError."""
        if raw is None or parse_pair(raw) is not None:
            return raw
        raise FilterError(name, raw[:40], PAIR_WANTED)


@dataclass(frozen=True)
class Interval:
    """An interval, the user's custom intervals included, or one of ``also``."""

    default: str
    also: tuple[str, ...] = ()

    def choice(self, custom: Sequence[str]) -> Choice:
        """Return the choice among ``also``, the intervals in use and ``custom``."""
        names = (*self.also, *fields.INTERVALS, *custom)
        return Choice(tuple(dict.fromkeys(names)), self.default)


DISTRIBUTION_BY = ("none", *fields.BY_CHOICES)
SEGMENT_BY = DISTRIBUTION_BY
# ``time=`` of every interval route: the segments and control views declare
# it here; the others have it read with their frame (``read_time``).
TIME = Choice(TIMES, "clock")
HEATMAP_METRICS = fields.Live(lambda: ("volume", *fields.INTERVALS))
DISTRIBUTION_TABLES = ("buckets", "boxes")
_LIMIT = WholeNumber(1, MAX_LIMIT, 10)
# CSV for scripts: field names and ISO times (docs/API.md, "CSV downloads").
_RAW = {"raw": Flag("machine-readable CSV")}
_CHAIN = {
    "by": Choice(SEGMENT_BY, "none"),
    "metric": Interval("complete_to_final"),
    "period": Choice(CONTROL_PERIODS, "day"),
    "baseline_start": Date(),
    "baseline_end": Date(),
    "time": TIME,
    **_RAW,
}
# Each view's own parameters; every other parameter is a shared filter.
VIEW_PARAMS: dict[str, dict] = {
    "series": {**_RAW},
    "summary": {**_RAW},
    "exams": {**_RAW},
    "dashboard": {},
    "report": {"anonymize": Flag("leave out names")},
    # Any value: the upload page then shows the report of the files just loaded.
    "upload": {"loaded": Text("any text")},
    "exam_list": {
        "quality": Choice(QUALITY_KINDS, None),
        # Which finding: the pair of an out-of-order one, an unreadable field.
        "pair": Pair(),
        "field": Choice(tuple(fields.FIELD_LABELS), None),
        **_RAW,
    },
    "drill": {
        "bucket": Text("a bucket label from the chart", required=True),
        "series": Text("a series name from the chart"),
    },
    "distribution": {
        "metric": Interval("complete_to_final"),
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
    # Where the time goes: both views read the same parameters.
    "segments": _CHAIN,
    "control": _CHAIN,
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
    time: str = "clock"
    baseline_start: dt.date | None = None
    baseline_end: dt.date | None = None
    raw: bool = False
    pair: str | None = None
    field: str | None = None


def read_time(query: Mapping[str, Sequence[str]]) -> str:
    """Return ``time=`` of any route: clock (the default) or working."""
    return TIME.read("time", query_value(query, "time"))


def parse(
    query: Mapping[str, Sequence[str]],
    *,
    view: str,
    shift_names: Sequence[str] | None = None,
    custom_intervals: Sequence[str] = (),
) -> ViewQuery:
    """Return the checked query of one view; raise FilterError.

    ``custom_intervals`` are the names of the user's own intervals, which
    an ``Interval`` parameter accepts besides the built-in ones.
    """
    own = {
        name: param.choice(custom_intervals) if isinstance(param, Interval) else param
        for name, param in VIEW_PARAMS[view].items()
    }
    shared = {name: query_values(query, name) for name in query if name not in own}
    spec = parse_query(shared, shift_names=shift_names)
    values = {
        name: param.read(name, query_value(query, name)) for name, param in own.items()
    }
    _check_baseline(values.get("baseline_start"), values.get("baseline_end"))
    _check_finding(values)
    return ViewQuery(spec=spec, **values)


def _check_finding(values: dict) -> None:
    """Require what a quality finding's list needs: its pair or its field."""
    quality = values.get("quality")
    if quality == "out_of_order" and not values.get("pair"):
        raise FilterError("pair", "", PAIR_WANTED)
    if quality == "unreadable" and not values.get("field"):
        names = ", ".join(fields.FIELD_LABELS)
        raise FilterError("field", "", f"one of the fields ({names})")


def _check_baseline(start: dt.date | None, end: dt.date | None) -> None:
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
