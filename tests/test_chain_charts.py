"""Figures and links of the segments and control views (charts, presentation)."""

from exams.charts.chain import control_figure, segments_figure
from exams.presentation.chain import point_urls
from exams.query.views import parse


def link(start, end, median, n, share, too_few=False):
    return {"from": start, "to": end, "median": median, "n": n, "share": share,
            "too_few": too_few, "negative": 0, "missing": 0}  # fmt: skip


LINKS = [
    link("ordered_at", "completed_at", 40.0, 120, 0.4),
    link("completed_at", "preliminary_at", None, 3, None, too_few=True),
    link("preliminary_at", "finalized_at", 60.0, 100, 0.6),
]


def test_waterfall_leaves_out_a_link_with_too_few_exams():
    figure = segments_figure({"links": LINKS, "groups": [], "exams": 130})
    (trace,) = figure.data
    assert trace.type == "bar"
    assert list(trace.x) == [
        "Ordered → completed",
        "Preliminary → final",
        "Sum of the medians",
    ]
    assert list(trace.y) == [40.0, 60.0, 100.0]
    # Each link starts where the one before ended; the sum from 0.
    assert list(trace.base) == [0, 40.0, 0]
    assert [row[1] for row in trace.customdata] == [120, 100, 130]


def test_groups_become_stacked_bars_one_trace_per_link():
    groups = [{"group": "CT", "exams": 5, "links": LINKS},
              {"group": "<b>MR</b>", "exams": 5, "links": LINKS}]  # fmt: skip
    figure = segments_figure({"links": LINKS, "groups": groups})
    assert [t.type for t in figure.data] == ["bar"] * 3
    assert figure.layout.barmode == "stack"
    assert list(figure.data[1].x) == [None, None]
    assert list(figure.data[0].y) == ["CT", "&lt;b&gt;MR&lt;/b&gt;"]
    assert list(figure.data[0].meta) == ["CT", "<b>MR</b>"]


def test_control_figure_marks_signals_and_draws_limits():
    result = {
        "chart": "xmr", "stat": "median", "period": "day",
        "x": ["2025-01-01", "2025-01-02", "2025-01-03"],
        "y": [10.0, None, 40.0], "n": [3, 0, 4],
        "centre": 20.0, "lower": 0.0, "upper": 35.0,
        "signals": [{"index": 2, "rule": "beyond_limit"}],
    }  # fmt: skip
    figure = control_figure(result)
    names = [t.name for t in figure.data]
    assert names == ["Upper limit", "Lower limit", "Centre", "Median", "Special cause"]
    assert list(figure.data[0].y) == [35.0] * 3
    assert list(figure.data[3].meta) == result["x"]
    assert list(figure.data[4].x) == ["2025-01-03"]
    assert list(figure.data[4].customdata) == ["beyond_limit"]
    assert not figure.layout.shapes


def test_control_figure_shades_a_chosen_baseline():
    result = {
        "chart": "xmr", "stat": "mean", "period": "day",
        "x": ["2025-01-01", "2025-01-02", "2025-01-03"],
        "y": [10.0, 12.0, 40.0], "n": [3, 2, 4],
        "centre": 11.0, "lower": 5.68, "upper": 16.32, "signals": [],
        "in_baseline": [True, True, False],
    }  # fmt: skip
    (shape,) = control_figure(result).layout.shapes
    assert (shape.x0, shape.x1) == ("2025-01-01", "2025-01-02")


def test_p_chart_limits_follow_each_point():
    result = {
        "chart": "p", "stat": "within", "period": "week",
        "x": ["2025-01-06", "2025-01-13"], "y": [80.0, 90.0], "n": [4, 16],
        "centre": 85.0, "lower": [20.0, 50.0], "upper": [100.0, 100.0],
        "signals": [],
    }  # fmt: skip
    figure = control_figure(result)
    assert list(figure.data[1].y) == [20.0, 50.0]
    assert figure.layout.yaxis.title.text == "% within target"


def test_each_point_links_to_the_exams_of_its_week_in_its_time():
    query = parse({"modality": ["CT"], "time": ["working"]}, view="control")
    result = {
        "x": ["2025-01-06", "2025-01-13"],
        "ranges": [["2025-01-06", "2025-01-12"], ["2025-01-13", "2025-01-19"]],
        "n": [3, 0],
    }
    urls = point_urls(result, query, paths={"exams": "/exams"})
    assert urls == {
        "2025-01-06": "/exams?modality=CT&start=2025-01-06&end=2025-01-12&time=working"
    }
