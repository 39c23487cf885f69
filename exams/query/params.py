"""The insight views' query: the shared filters plus each view's own choices.

The shared ``<filters>`` (and ``stat``, ``target``, ``format``, ``page``,
``page_size``) are parsed by ``exams.query.filters.parse_query``; parameters whose
vocabulary differs here (``by=exam_name`` for the Pareto view, ``period=`` of
the forecast …) are taken out first and checked by this module, raising the
same ``FilterError`` (HTTP 400) naming the value and the allowed ones.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from exams import fields
from exams.insights.common import INTERVAL_METRICS
from exams.insights.compare import AGAINST
from exams.insights.forecast import (
    DEFAULT_HORIZON_WEEKS,
    FORECAST_PERIODS,
    FORECAST_SPLITS,
    MAX_HORIZON_WEEKS,
)
from exams.insights.pareto import MAX_LIMIT, PARETO_BY
from exams.query.filters import (
    FilterError,
    FilterSpec,
    parse_query,
    query_value,
    query_values,
)

DISTRIBUTION_BY = ("none", *fields.BY_CHOICES)
HEATMAP_METRICS = ("volume", *INTERVAL_METRICS)
DISTRIBUTION_TABLES = ("buckets", "boxes")
VIEW_PARAMS = {
    "distribution": ("metric", "by", "table"),
    "heatmap": ("metric",),
    "compare": ("against",),
    "overview": (),
    "pareto": ("by", "limit"),
    "top_exams": ("limit",),
    "pending": (),
    "forecast": ("horizon_weeks", "split", "period"),
}


@dataclass(frozen=True)
class InsightQuery:
    """The shared filter spec and one view's own parameters."""

    spec: FilterSpec
    metric: str = "complete_to_final"
    by: str = "none"
    table: str = "buckets"
    against: str = "previous"
    period: str = "day"
    limit: int = 10
    horizon_weeks: int = DEFAULT_HORIZON_WEEKS
    split: str = "none"


def parse(
    query: Mapping[str, Sequence[str]],
    *,
    view: str,
    shift_names: Sequence[str] | None = None,
) -> InsightQuery:
    """Return the checked query of one insight view; raise FilterError."""
    own = VIEW_PARAMS[view]
    shared = {name: query_values(query, name) for name in query if name not in own}
    spec = parse_query(shared, shift_names=shift_names)
    values: dict = {"spec": spec}
    if view == "distribution":
        values["metric"] = choice(
            query, "metric", INTERVAL_METRICS, "complete_to_final"
        )
        values["by"] = choice(query, "by", DISTRIBUTION_BY, "none")
        values["table"] = choice(query, "table", DISTRIBUTION_TABLES, "buckets")
    elif view == "heatmap":
        values["metric"] = choice(query, "metric", HEATMAP_METRICS, "volume")
    elif view == "compare":
        values["against"] = choice(query, "against", AGAINST, "previous")
    elif view in ("pareto", "top_exams"):
        # The trend's period is the shared ``period`` (day … year).
        if view == "pareto":
            values["by"] = choice(query, "by", tuple(PARETO_BY), "exam_name")
        values["limit"] = whole_number(query, "limit", 1, MAX_LIMIT, 10)
    elif view == "forecast":
        values["horizon_weeks"] = whole_number(
            query, "horizon_weeks", 1, MAX_HORIZON_WEEKS, DEFAULT_HORIZON_WEEKS
        )
        values["split"] = choice(query, "split", FORECAST_SPLITS, "none")
        values["period"] = choice(query, "period", FORECAST_PERIODS, "day")
    return InsightQuery(**values)


def choice(query: Mapping, name: str, allowed: Sequence[str], default: str) -> str:
    """Return the parameter's value if allowed (case ignored), else raise."""
    raw = query_value(query, name)
    if raw is None:
        return default
    if raw.lower() not in allowed:
        raise FilterError(name, raw, ", ".join(allowed))
    return raw.lower()


def whole_number(query: Mapping, name: str, low: int, high: int, default: int) -> int:
    """Return the parameter as an int from ``low`` to ``high``, else raise."""
    raw = query_value(query, name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise FilterError(name, raw, f"a whole number from {low} to {high}")
    return int(raw)
