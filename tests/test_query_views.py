"""The one query parser (exams/query/views.py): each view's declared parameters."""

import pytest

from exams.query.filters import FilterError
from exams.query.views import VIEW_PARAMS, parse


def test_defaults_come_from_the_declarations():
    query = parse({}, view="forecast")
    assert (query.horizon_weeks, query.split, query.period) == (4, "none", "day")
    assert parse({}, view="pareto").by == "exam_name"
    assert parse({}, view="report").anonymize is False


def test_a_views_own_parameter_is_not_a_shared_one():
    # ``by=exam_name`` is the Pareto's own; the shared ``by`` would refuse it.
    query = parse({"by": ["exam_name"], "period": ["week"]}, view="pareto")
    assert query.by == "exam_name" and query.spec.period == "week"
    assert parse({"period": ["week"]}, view="forecast").period == "week"


@pytest.mark.parametrize(
    ("view", "name", "value"),
    [
        ("pareto", "limit", "²"),
        ("pareto", "limit", "٣"),
        ("pareto", "limit", "26"),
        ("forecast", "horizon_weeks", "1.5"),
        ("forecast", "horizon_weeks", "0"),
        ("report", "anonymize", "maybe"),
        ("distribution", "metric", "volume"),
        ("exam_list", "quality", "late"),
    ],
)
def test_a_bad_value_names_the_parameter(view, name, value):
    with pytest.raises(FilterError) as caught:
        parse({name: [value]}, view=view)
    assert caught.value.param == name
    assert repr(value) in str(caught.value)


def test_drill_needs_a_bucket_and_takes_short_text_only():
    with pytest.raises(FilterError, match="bucket"):
        parse({}, view="drill")
    with pytest.raises(FilterError, match="bucket"):
        parse({"bucket": ["2025-03\x00"]}, view="drill")
    query = parse({"bucket": ["2025-03"], "series": ["CT"]}, view="drill")
    assert (query.bucket, query.series) == ("2025-03", "CT")


def test_every_declared_parameter_has_a_field():
    names = {name for own in VIEW_PARAMS.values() for name in own}
    query = parse({}, view="series")
    assert all(hasattr(query, name) for name in names)
