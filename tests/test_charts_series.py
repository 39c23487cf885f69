"""Chart builders: series dicts in, Plotly figures out (asserted on data/layout)."""

import datetime as dt
import json

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from exams.charts import series as charts
from exams.presentation.formats import format_minutes


def series(metric="volume", stat="median", period="month", x=None, groups=None):
    x = x or ["2025-01", "2025-02", "2025-03"]
    groups = groups or {"All": ([5, 0, 7], [5, 0, 7])}
    return {
        "metric": metric,
        "stat": stat,
        "unit": "exams",
        "period": period,
        "x": x,
        "series": [{"name": name, "y": y, "n": n} for name, (y, n) in groups.items()],
        "excluded": {"missing": 0, "negative": 0},
    }


def test_volume_is_one_bar_trace_and_returns_a_figure():
    fig = charts.series_figure(series())
    assert isinstance(fig, go.Figure)
    assert [t.type for t in fig.data] == ["bar"]
    assert list(fig.data[0].y) == [5, 0, 7]
    assert fig.layout.barmode is None


@pytest.mark.parametrize("metric", ["volume", "ordered"])
def test_split_counts_are_stacked_bars(metric):
    groups = {"day": ([3, 1], [3, 1]), "night": ([2, 4], [2, 4])}
    fig = charts.series_figure(
        series(metric=metric, x=["2025-01", "2025-02"], groups=groups)
    )
    assert [t.type for t in fig.data] == ["bar", "bar"]
    assert fig.layout.barmode == "stack"
    assert [t.name for t in fig.data] == ["day", "night"]


@pytest.mark.parametrize("stat", ["median", "mean", "p75", "p90", "within"])
def test_statistics_are_lines_with_markers(stat):
    groups = {"CT": ([30.0, None, 45.5], [4, 0, 9])}
    fig = charts.series_figure(
        series(metric="complete_to_final", stat=stat, groups=groups)
    )
    trace = fig.data[0]
    assert trace.type == "scatter"
    assert trace.mode == "lines+markers"
    # A bucket with no exams is a gap, not a zero.
    assert trace.y[1] is None
    assert trace.connectgaps is False


def test_every_point_carries_n_and_the_hover_shows_it():
    groups = {"CT": ([30.0, None, 125.0], [4, 0, 9])}
    fig = charts.series_figure(series(metric="order_to_final", groups=groups))
    trace = fig.data[0]
    assert [row[0] for row in trace.customdata] == [4, 0, 9]
    assert "n = %{customdata[0]" in trace.hovertemplate
    # The readable value beside it: 125 minutes is 2 h 05 min.
    assert trace.customdata[2][1] == "2 h 05 min"


def test_bars_show_their_count_as_n():
    fig = charts.series_figure(series())
    # A count is its own n.
    assert "n = %{y:,}" in fig.data[0].hovertemplate


def test_a_split_with_many_groups_draws_the_busiest_lines():
    groups = {f"DR {i:02d}": ([10.0, 20.0], [i, 1]) for i in range(20)}
    fig = charts.series_figure(
        series(metric="complete_to_final", x=["2025-01", "2025-02"], groups=groups)
    )
    assert len(fig.data) == charts.MAX_SERIES
    # The busiest (largest total n) are DR 08 … DR 19, kept in their order.
    assert [t.meta for t in fig.data] == [f"DR {i:02d}" for i in range(8, 20)]
    # Past the eight Okabe–Ito colours, lines are dotted to stay distinct.
    assert [t.line.dash for t in fig.data].count("dot") == charts.MAX_SERIES - 8


def test_stacked_counts_merge_small_groups_so_totals_stay_true():
    groups = {f"DR {i:02d}": ([i, 1], [i, 1]) for i in range(20)}
    fig = charts.series_figure(series(x=["2025-01", "2025-02"], groups=groups))
    assert len(fig.data) == charts.MAX_SERIES
    other = fig.data[-1]
    assert other.name == "Other (9)"
    assert other.meta == ""
    # Bar heights still add up to every exam: sum(0..19) = 190 and 20.
    assert [sum(t.y[i] for t in fig.data) for i in (0, 1)] == [190, 20]


def test_target_is_a_horizontal_line_at_its_minutes():
    fig = charts.series_figure(series(metric="complete_to_final"), target=60)
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(lines) == 1
    assert (lines[0].y0, lines[0].y1) == (60, 60)
    assert lines[0].xref == "x domain"
    assert (lines[0].x0, lines[0].x1) == (0, 1)
    assert any("60 min" in a.text for a in fig.layout.annotations)


def test_within_target_draws_the_goal_on_the_percent_axis():
    fig = charts.series_figure(
        series(metric="complete_to_final", stat="within"), target=60, goal_percent=90
    )
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert [line.y0 for line in lines] == [90]
    assert tuple(fig.layout.yaxis.range) == (0, 100)


def test_no_target_no_line():
    fig = charts.series_figure(series(metric="complete_to_final"))
    assert not [s for s in fig.layout.shapes if s.type == "line"]


def test_counts_ignore_a_minutes_target():
    fig = charts.series_figure(series(), target=60)
    assert not fig.layout.shapes


def test_weekends_are_shaded_on_the_day_axis():
    # 2025-03-01 is a Saturday; 03-08/09 the next weekend; 03-10 a Monday.
    days = [
        (dt.date(2025, 2, 28) + dt.timedelta(days=i)).isoformat() for i in range(11)
    ]
    fig = charts.series_figure(
        series(period="day", x=days, groups={"All": ([1] * 11, [1] * 11)})
    )
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(rects) == 2
    # Bars are centred on midnight, so a weekend band runs Fri noon – Sun noon.
    assert (rects[0].x0, rects[0].x1) == ("2025-02-28 12:00:00", "2025-03-02 12:00:00")
    assert (rects[1].x0, rects[1].x1) == ("2025-03-07 12:00:00", "2025-03-09 12:00:00")
    assert all(r.yref == "paper" and r.layer == "below" for r in rects)
    assert fig.layout.xaxis.type == "date"


def test_a_weekend_cut_by_the_range_is_still_shaded():
    fig = charts.series_figure(
        series(
            period="day",
            x=["2025-03-02", "2025-03-03"],
            groups={"All": ([1, 1], [1, 1])},
        )
    )
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert [(r.x0, r.x1) for r in rects] == [
        ("2025-03-01 12:00:00", "2025-03-02 12:00:00")
    ]


@pytest.mark.parametrize("period", ["week", "month", "quarter", "year"])
def test_no_weekend_shading_on_longer_periods(period):
    fig = charts.series_figure(
        series(
            period=period, x=["2025-Q1", "2025-Q2"], groups={"All": ([1, 2], [1, 2])}
        )
    )
    assert not fig.layout.shapes


def test_quarters_use_a_category_axis():
    fig = charts.series_figure(
        series(
            period="quarter", x=["2025-Q1", "2025-Q2"], groups={"All": ([1, 2], [1, 2])}
        )
    )
    assert fig.layout.xaxis.type == "category"


def test_palette_is_okabe_ito_and_distinct_per_series():
    groups = {name: ([1], [1]) for name in ["CT", "MR", "US", "XR"]}
    fig = charts.series_figure(series(x=["2025-01"], groups=groups))
    colours = [t.marker.color for t in fig.data]
    assert colours == list(charts.OKABE_ITO[:4])
    assert len(set(colours)) == 4


def test_names_are_shown_as_text_and_kept_raw_for_the_click_through():
    evil = "<script>alert(1)</script>"
    fig = charts.series_figure(series(x=["2025-01"], groups={evil: ([1], [1])}))
    trace = fig.data[0]
    # Plotly renders some HTML in names: the entity-escaped form shows as text.
    assert trace.name == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert trace.meta == evil
    # The serialised figure never contains a raw "<" that could end a script.
    text = pio.to_json(fig)
    assert "<" not in text
    assert json.loads(text)["data"][0]["meta"] == evil


def test_empty_series_still_builds_a_figure():
    fig = charts.series_figure(
        {
            "metric": "volume",
            "stat": "median",
            "period": "day",
            "x": [],
            "series": [{"name": "All", "y": [], "n": []}],
        }
    )
    assert len(fig.data) == 1
    assert list(fig.data[0].x) == []


def test_axis_titles_name_the_statistic_and_unit():
    fig = charts.series_figure(series(metric="complete_to_final", stat="p90"))
    assert fig.layout.yaxis.title.text == "90th percentile report TAT (minutes)"
    assert charts.axis_title("volume", "median") == "Exams completed"


def test_complete_ratio_has_a_line_at_one():
    fig = charts.series_figure(
        series(metric="complete_ratio", groups={"All": ([0.9, 1.1, 1.0], [10, 11, 10])})
    )
    assert fig.data[0].type == "scatter"
    assert [s.y0 for s in fig.layout.shapes if s.type == "line"] == [1.0]


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (None, "—"),
        (0, "0 min"),
        (44.6, "45 min"),
        (60, "1 h 00 min"),
        (125, "2 h 05 min"),
        (47 * 60 + 59, "47 h 59 min"),
        (50 * 60, "2 d 2 h"),
        (-15, "−15 min"),
    ],
)
def test_format_minutes(minutes, text):
    assert format_minutes(minutes) == text


def test_one_target_for_every_exam_draws_its_line():
    one = {**series(metric="complete_to_final"), "common_target": 240}
    lines = [s for s in charts.series_figure(one).layout.shapes if s.type == "line"]
    assert [line.y0 for line in lines] == [240]


def test_exams_with_different_targets_say_so_instead_of_a_line():
    mixed = {**series(metric="complete_to_final"), "common_target": None}
    fig = charts.series_figure(mixed)
    assert not [s for s in fig.layout.shapes if s.type == "line"]
    assert [a.text for a in fig.layout.annotations] == [
        "Each exam's own target (Settings)"
    ]
    # A target in the query still wins over the exams' own.
    lines = charts.series_figure(mixed, target=45).layout.shapes
    assert [s.y0 for s in lines if s.type == "line"] == [45]
