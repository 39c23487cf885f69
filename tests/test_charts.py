"""Figure builders of the analysis views (exams/charts/*.py) on one base.

Answers are small hand-made dicts of each endpoint's shape; the tests read
``fig.data`` and ``fig.layout``, never HTML.
"""

import plotly.graph_objects as go

from exams.charts import base, compare, distribution, forecast, heatmap, pareto

BUCKETS = {
    "metric": "complete_to_final",
    "buckets": [
        {"label": "<1 h", "count": 5, "share": 0.5},
        {"label": "1–4 h", "count": 3, "share": 0.3},
        {"label": "pending", "count": 2, "share": 0.2},
    ],
}


def test_distribution_bars_with_pending_in_grey():
    fig = distribution.distribution_figure(BUCKETS)
    assert isinstance(fig, go.Figure)
    (bar,) = fig.data
    assert bar.type == "bar"
    assert list(bar.x) == ["<1 h", "1–4 h", "pending"]
    assert list(bar.y) == [5, 3, 2]
    assert list(bar.marker.color)[2] == base.PENDING_COLOUR
    assert list(bar.marker.color)[0] != base.PENDING_COLOUR
    assert bar.customdata[0][0] == "50.0%"
    assert "60 min is in 1–4 h" in fig.layout.xaxis.title.text


def box(metric, group, n=4):
    return {
        "metric": metric,
        "group": group,
        "n": n,
        "q1": 1.0,
        "median": 2.0,
        "q3": 3.0,
        "mean": 2.5,
        "lower_whisker": 0.5,
        "upper_whisker": 5.0,
        "outliers": 1,
        "min": 0.5,
        "max": 9.0,
    }


def test_box_figure_uses_precomputed_statistics_not_points():
    boxes = [
        box("order_to_complete", "CT"),
        box("complete_to_final", "CT"),
        box("complete_to_final", "<b>MR</b>"),
    ]
    fig = distribution.box_figure(boxes, by_label="Modality")
    assert [t.type for t in fig.data] == ["box", "box"]
    report = fig.data[1]
    assert list(report.x) == ["CT", "&lt;b&gt;MR&lt;/b&gt;"]
    assert list(report.meta) == ["CT", "<b>MR</b>"]  # raw, for drill-down
    assert list(report.q1) == [1.0, 1.0]
    assert list(report.upperfence) == [5.0, 5.0]
    assert report.boxpoints is False
    assert report.y is None  # no raw values shipped
    assert fig.layout.boxmode == "group"


def test_box_figure_keeps_the_largest_groups():
    boxes = [box("complete_to_final", f"G{i:02d}") for i in range(30)]
    fig = distribution.box_figure(boxes, by_label="Physician")
    assert len(fig.data[0].x) == distribution.MAX_BOX_GROUPS
    assert "20 largest" in fig.layout.xaxis.title.text


def test_heatmap_figure_monday_on_top():
    z = [[i * 24 + h for h in range(24)] for i in range(7)]
    result = {
        "metric": "volume",
        "stat": None,
        "weekdays": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        "hours": list(range(24)),
        "z": z,
        "n": z,
    }
    fig = heatmap.heatmap_figure(result)
    (cell,) = fig.data
    assert cell.type == "heatmap"
    assert list(cell.y) == result["weekdays"]
    assert list(cell.x)[:3] == ["00", "01", "02"]
    assert cell.z[1][2] == 26
    assert fig.layout.yaxis.autorange == "reversed"
    within = heatmap.heatmap_figure(
        {**result, "metric": "complete_to_final", "stat": "within"}
    )
    assert "within" in within.data[0].colorbar.title.text


def test_compare_figure_aligns_days_and_keeps_dates_for_hover():
    span = {"start": "2025-03-08", "end": "2025-03-10"}
    other = {"start": "2025-03-05", "end": "2025-03-07"}
    result = {
        "current": span,
        "comparison": other,
        "series": {
            "current": {
                "x": ["2025-03-08", "2025-03-09", "2025-03-10"],
                "y": [1, 2, 3],
            },
            "comparison": {
                "x": ["2025-03-05", "2025-03-06", "2025-03-07"],
                "y": [3, 2, 1],
            },
        },
    }
    fig = compare.compare_figure(result)
    assert [t.name for t in fig.data] == [
        "2025-03-08 – 2025-03-10",
        "2025-03-05 – 2025-03-07",
    ]
    assert list(fig.data[0].x) == [1, 2, 3] == list(fig.data[1].x)
    assert list(fig.data[1].customdata) == ["2025-03-05", "2025-03-06", "2025-03-07"]


def test_pareto_figure_bars_and_cumulative_percent_on_second_axis():
    result = {
        "by": "exam_name",
        "rows": [
            {"group": "CT HEAD", "exams": 3, "share": 0.6, "cumulative_share": 0.6},
            {"group": "XR", "exams": 2, "share": 0.4, "cumulative_share": 1.0},
        ],
    }
    fig = pareto.pareto_figure(result)
    bars, line = fig.data
    assert list(bars.y) == [3, 2]
    assert list(line.y) == [60.0, 100.0]
    assert line.yaxis == "y2"
    assert fig.layout.yaxis2.overlaying == "y"
    assert list(fig.layout.yaxis2.range) == [0, 105]


def test_forecast_figure_history_band_and_forecast():
    result = {
        "period": "day",
        "interval": 0.8,
        "series": [
            {
                "name": "All",
                "x": ["2025-06-01", "2025-06-02"],
                "y": [10.0, 12.0],
                "lower": [8.0, 9.0],
                "upper": [12.0, 15.0],
            }
        ],
        "history": [{"name": "All", "x": ["2025-05-31"], "y": [11]}],
    }
    fig = forecast.forecast_figure(result)
    actual, band, predicted = fig.data
    assert list(actual.x) == ["2025-05-31"]
    assert band.fill == "toself"
    # The band runs along the upper bounds and back along the lower ones.
    assert list(band.y) == [12.0, 15.0, 9.0, 8.0]
    assert list(predicted.y) == [10.0, 12.0]
    assert fig.layout.xaxis.type == "date"
    assert fig.layout.yaxis.title.text == "Exams per day"


def test_pending_and_top_exam_figures():
    pending = distribution.pending_figure(
        {
            "as_of": "2025-03-10T12:00:00",
            "age_buckets": [
                {"label": "<1 h", "count": 1},
                {"label": "1–4 h", "count": 4},
            ],
        }
    )
    assert list(pending.data[0].y) == [1, 4]
    assert "2025-03-10 12:00" in pending.layout.xaxis.title.text
    top = pareto.top_exams_figure(
        {
            "period": "month",
            "x": ["2025-01", "2025-02"],
            "series": [{"name": "CT", "y": [1, 2]}, {"name": "(other)", "y": [0, 1]}],
        }
    )
    assert [t.name for t in top.data] == ["CT", "(other)"]
    assert top.data[1].line.color == base.HISTORY_COLOUR
    assert top.data[1].visible == "legendonly" and top.data[0].visible is True
