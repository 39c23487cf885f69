"""Partial first and last days (exams/analysis/frame/coverage.py) and their effect.

The exports below are written out by hand: two exams a day, completed at
09:00 and 22:00, and a stub last day whose only exam completes at 02:35 (the
export ran in the night). Every expected number is counted on the calendar.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from exams.analysis.frame import coverage as coverage_module
from exams.analysis.frame.coverage import coverage
from exams.analysis.frame.shifts import minute_numbers
from tests.client_fixtures import load

HEADER = (
    "Exam Complete Date/Tm,Order Procedure Accession,Exam Order Date/Time,"
    "Final Date/Tm,Exam Order Name,Priority,Ordering Physician,Patient Class\r\n"
)


def _row(number: int, completed: dt.datetime) -> str:
    ordered = completed - dt.timedelta(minutes=30)
    final = completed + dt.timedelta(minutes=40)
    stamp = "%m/%d/%Y %H:%M"
    return (
        f"{completed:{stamp}},A{number},{ordered:{stamp}},{final:{stamp}},"
        "CT HEAD,Routine,DOE,ED\r\n"
    )


def _export(first: dt.date, last: dt.date, *, stub: str | None = "02:35") -> bytes:
    """Two exams a day from ``first`` to ``last``, then a stub day at ``stub``."""
    lines, number, day = [HEADER], 0, first
    while day <= last:
        for hour in (9, 22):
            number += 1
            lines.append(_row(number, dt.datetime.combine(day, dt.time(hour))))
        day += dt.timedelta(days=1)
    if stub:
        hour, minute = (int(p) for p in stub.split(":"))
        lines.append(_row(number + 1, dt.datetime.combine(day, dt.time(hour, minute))))
    return "".join(lines).encode()


# 7–14 October 2025 (Tue–Tue) whole, 15 October a stub ending at 02:35.
SHORT = _export(dt.date(2025, 10, 7), dt.date(2025, 10, 14))


def _frame(times: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"completed_at": pd.to_datetime(times)})


def test_a_last_day_ending_in_the_night_is_partial():
    days = [f"2025-10-{d} {h}" for d in (7, 8, 9, 10) for h in ("09:00", "22:00")]
    found = coverage(_frame([*days, "2025-10-11 02:35"]))
    assert found.last_partial and not found.first_partial
    assert found.last_complete_day == dt.date(2025, 10, 10)
    assert found.note() == (
        "Counting to Fri 10 Oct: the export ends at 02:35 on 11 Oct"
    )


def test_a_last_day_ending_near_its_usual_hour_is_whole():
    # Usual last exam 22:00; 21:30 is within the hour's margin.
    days = [f"2025-10-{d} {h}" for d in (7, 8, 9, 10) for h in ("09:00", "22:00")]
    found = coverage(_frame([*days, "2025-10-11 09:00", "2025-10-11 21:30"]))
    assert not found.last_partial
    assert found.last_complete_day == dt.date(2025, 10, 11)


def test_a_first_day_starting_late_is_partial():
    # Usual first exam 09:00; the first day starts at 15:00.
    days = [f"2025-10-{d} {h}" for d in (8, 9, 10, 11) for h in ("09:00", "22:00")]
    found = coverage(_frame(["2025-10-07 15:00", *days]))
    assert found.first_partial and not found.last_partial


def test_too_few_days_judge_nothing_partial():
    found = coverage(
        _frame(["2025-10-07 09:00", "2025-10-08 22:00", "2025-10-09 01:00"])
    )
    assert not found.first_partial and not found.last_partial


def test_weeks_and_months_holding_a_partial_day_or_an_edge_are_partial():
    days = [f"2025-10-{d} {h}" for d in (7, 8, 9, 10) for h in ("09:00", "22:00")]
    found = coverage(_frame([*days, "2025-10-11 02:35"]))
    # Data from Tue 7 to Sat 11 October: the week of Mon 6 Oct holds both ends.
    assert found.partial_flags(["2025-10-06"], period="week") == [True]
    assert found.partial_flags(["2025-10"], period="month") == [True]
    assert found.partial_flags(
        ["2025-10-07", "2025-10-10", "2025-10-11"], period="day"
    ) == [False, False, True]


@pytest.fixture
def short(client, db):
    return load(client, SHORT)


def test_compare_leaves_out_the_stub_day(short):
    body = short.get("/api/compare", {"start": "2025-10-11"}).json()
    # 11–14 Oct (4 days × 2 = 8 exams) against 7–10 Oct (8 exams): no change.
    # Counting the stub would compare 11–15 Oct (9) with 6–10 Oct (8): +12.5%.
    assert (body["current"]["start"], body["current"]["end"]) == (
        "2025-10-11",
        "2025-10-14",
    )
    assert body["current"]["exams"] == 8
    assert body["comparison"]["exams"] == 8
    assert body["change"]["exams"] == {"absolute": 0, "percent": 0}
    assert body["coverage"]["last_complete_day"] == "2025-10-14"
    assert body["coverage"]["note"] == (
        "Counting to Tue 14 Oct: the export ends at 02:35 on 15 Oct"
    )


def test_an_explicit_end_is_kept(short):
    body = short.get("/api/compare", {"start": "2025-10-11", "end": "2025-10-15"})
    assert body.json()["current"]["exams"] == 9


def test_overview_counts_to_the_last_complete_day(short):
    body = short.get("/api/overview").json()
    assert body["as_of"] == "2025-10-14"
    week = body["windows"][0]
    # 8–14 Oct: 14 exams; 1–7 Oct: only 7 Oct's 2.
    assert (week["current"]["exams"], week["comparison"]["exams"]) == (14, 2)


def test_overview_page_says_where_it_counts_to(short):
    text = short.get("/overview").content.decode()
    assert "Counting to Tue 14 Oct: the export ends at 02:35 on 15 Oct" in text


def test_series_marks_the_stub_day(short):
    body = short.get("/api/series", {"period": "day"}).json()
    assert body["x"][0] == "2025-10-07" and body["x"][-1] == "2025-10-15"
    assert body["partial"] == [False] * 8 + [True]
    weeks = short.get("/api/series", {"period": "week"}).json()
    # Weeks of Mon 6 Oct (data from Tue 7) and Mon 13 Oct (ends on the stub).
    assert weeks["x"] == ["2025-10-06", "2025-10-13"]
    assert weeks["partial"] == [True, True]


def test_a_date_filter_inside_a_month_marks_it_partial(short):
    body = short.get(
        "/api/series", {"period": "day", "start": "2025-10-08", "end": "2025-10-10"}
    ).json()
    assert body["partial"] == [False, False, False]
    months = short.get("/api/series", {"period": "month", "start": "2025-10-08"}).json()
    assert months["partial"] == [True]


def test_forecast_history_ends_the_day_before_the_stub(client, db):
    # 1 July – 14 October 2025 whole (106 days), 15 October a stub.
    load(client, _export(dt.date(2025, 7, 1), dt.date(2025, 10, 14)))
    body = client.get("/api/forecast").json()
    assert body["last_day"] == "2025-10-14"
    assert body["history"][0]["x"][-1] == "2025-10-14"
    assert body["history"][0]["y"][-1] == 2
    assert body["x"][0] == "2025-10-15"
    # Two exams every day: the model fits them exactly.
    assert body["series"][0]["y"][0] == 2


def test_the_dashboard_chart_draws_the_stub_day_lighter(short):
    from exams.charts.base import PARTIAL_HOVER, PARTIAL_OPACITY
    from exams.charts.series import series_figure

    body = short.get("/api/series", {"period": "day"}).json()
    bars = series_figure(body).data[0]
    assert list(bars.marker.opacity) == [1.0] * 8 + [PARTIAL_OPACITY]
    # customdata[0] is n (a bar's count), the note comes after it.
    assert list(bars.customdata[-1]) == [1, PARTIAL_HOVER]
    assert list(bars.customdata[0]) == [2, ""]
    page = short.get("/dashboard", {"period": "day"}).content.decode()
    assert "Drawn lighter: 2025-10-15." in page


def test_a_line_chart_keeps_its_hover_values_and_adds_the_note(short):
    from exams.charts.series import series_figure

    body = short.get(
        "/api/series", {"period": "day", "metric": "complete_to_final"}
    ).json()
    line = series_figure(body).data[0]
    # Every exam's report took 40 minutes; the note comes after n and value.
    assert list(line.customdata[-1][:2]) == [1, "40 min"]
    assert "customdata[2]" in line.hovertemplate


def test_compare_chart_fades_the_stub_when_the_end_includes_it(short):
    from exams.charts.base import PARTIAL_HOVER, PARTIAL_OPACITY
    from exams.charts.compare import compare_figure

    body = short.get("/api/compare", {"start": "2025-10-11", "end": "2025-10-15"})
    result = body.json()
    # 11–15 Oct: only the last day (the stub) is partial; 6–10 Oct none.
    assert result["series"]["current"]["partial"] == [False] * 4 + [True]
    assert result["series"]["comparison"]["partial"] == [False] * 5
    current = compare_figure(result).data[0]
    assert list(current.marker.opacity) == [1.0] * 4 + [PARTIAL_OPACITY]
    assert list(current.customdata[-1]) == ["2025-10-15", PARTIAL_HOVER]
    assert "customdata[0]" in current.hovertemplate


def test_top_exam_trend_flags_partial_weeks(short):
    body = short.get("/api/top_exams", {"period": "week"}).json()
    assert body["x"] == ["2025-10-06", "2025-10-13"]
    assert body["partial"] == [True, True]


def test_compare_and_pareto_pages_name_the_lighter_periods(short):
    compare = short.get(
        "/insights/compare", {"start": "2025-10-11", "end": "2025-10-15"}
    )
    assert "Drawn lighter: 2025-10-15." in compare.content.decode()
    pareto = short.get("/insights/pareto", {"period": "week"}).content.decode()
    assert "Drawn lighter: 2025-10-06, 2025-10-13." in pareto


@pytest.mark.parametrize("grid_days", [0, 15_000])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_inner_days_first_and_last_times_as_pandas_groups_them(
    monkeypatch, grid_days, seed
):
    """The grid of minutes and the grouping (long spans) give pandas' answer."""
    monkeypatch.setattr(coverage_module, "_GRID_DAYS", grid_days)
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("1969-12-20") if seed == 1 else pd.Timestamp("2024-02-27")
    # Whole minutes over ~60 days, some days empty, some times missing.
    offsets = rng.integers(0, 60 * 24 * 60, 5_000)
    offsets = offsets[(offsets // 1440) % 9 != 4]
    times = pd.Series(start + pd.to_timedelta(offsets, unit="min"))
    times[rng.random(len(times)) < 0.05] = pd.NaT
    minutes = minute_numbers(times)
    minutes = minutes[minutes != np.iinfo(np.int64).min]
    first_day, last_day = minutes.min() // 1440, minutes.max() // 1440
    earliest, latest = coverage_module._inner_day_times(
        minutes, first_day=int(first_day), last_day=int(last_day)
    )
    known = times.dropna()
    day = (known - pd.Timestamp("1970-01-01")).dt.days
    of_day = known.dt.hour * 60 + known.dt.minute
    inner = (day > day.min()) & (day < day.max())
    by_day = of_day[inner].groupby(day[inner])
    assert earliest.index.tolist() == by_day.min().index.tolist()
    assert earliest.tolist() == by_day.min().tolist()
    assert latest.tolist() == by_day.max().tolist()
    assert len(earliest) < day.max() - day.min() - 1  # days without exams left out
