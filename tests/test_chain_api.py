"""Segments, control charts, working time and custom intervals through HTTP.

Expected numbers come from pandas over the exams as loaded (the exam-list
CSV), or from tiny exports worked by hand.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.client_fixtures import exams_csv, load

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_static_storage")]
SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
TIMES = ["ordered_at", "started_at", "completed_at", "preliminary_at", "finalized_at"]

# Mon 2025-01-13 and Fri 2025-02-14 / Mon 2025-02-17 (Mon–Fri 08–17):
# CT1 ordered 09:00, completed 10:30, final 11:00 → working o→c 90, c→f 30.
# XR2 ordered 21:00, completed 21:30, no final → working o→c 0.
# MR3 ordered Fri 05:30, completed 06:00, final Mon 09:00 → working o→c 0,
#     c→f = Fri 08–17 (540) + Mon 08–09 (60) = 600.
TINY = (
    b"Exam Complete Date/Tm,Order Procedure Accession,Exam Order Date/Time,"
    b"Final Date/Tm,Exam Order Name\r\n"
    b"01/13/2025 10:30,CT1,01/13/2025 09:00,01/13/2025 11:00,CT HEAD WO CONTRAST\r\n"
    b"01/13/2025 21:30,XR2,01/13/2025 21:00,,XR CHEST 2 VIEWS\r\n"
    b"02/14/2025 06:00,MR3,02/14/2025 05:30,02/17/2025 09:00,MRI BRAIN\r\n"
)


@pytest.fixture
def sample(client):
    return load(client, (SAMPLE / "epic_radiant_sample.csv").read_bytes())


@pytest.fixture
def tiny(client):
    return load(client, TINY)


def loaded_exams(client) -> pd.DataFrame:
    frame = exams_csv(client)
    for name in TIMES:
        frame[name] = pd.to_datetime(frame[name].replace("", None))
    return frame


def link_minutes(frame, a, b) -> pd.Series:
    minutes = (frame[b] - frame[a]).dt.total_seconds() / 60
    return minutes[minutes.notna() & (minutes >= 0)]


def post_settings(client, body):
    return client.post(
        "/api/settings", data=json.dumps(body), content_type="application/json"
    )


def test_segments_of_the_sample_match_pandas(sample):
    exams = loaded_exams(sample)
    body = sample.get("/api/segments?modality=CT").json()
    ct = exams[exams["modality"] == "CT"]
    assert body["exams"] == len(ct)
    assert [(x["from"], x["to"]) for x in body["links"]] == list(
        zip(TIMES, TIMES[1:], strict=False)
    )
    for link in body["links"]:
        expected = link_minutes(ct, link["from"], link["to"])
        assert link["n"] == len(expected)
        assert link["median"] == pytest.approx(expected.median())
    assert body["groups"] == []


def test_segments_by_priority_and_csv(sample):
    exams = loaded_exams(sample)
    body = sample.get("/api/segments?by=priority").json()
    for group in body["groups"]:
        rows = exams[exams["priority"] == group["group"]]
        last = group["links"][-1]
        expected = link_minutes(rows, "preliminary_at", "finalized_at")
        assert last["n"] == len(expected)
        if len(expected) >= 5:
            assert last["median"] == pytest.approx(expected.median())
    response = sample.get("/api/segments?by=priority&format=csv&raw=1")
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    # Each group's links, then its skips (exams without some time).
    assert lines[0] == "group,from,to,median_minutes,n,share,skipped"
    rows = 4 + len(body["skips"])
    assert len(lines) == 1 + rows * (1 + len(body["groups"]))
    # For people (the default): the same rows under headers a person reads.
    response = sample.get("/api/segments?by=priority&format=csv")
    human = response.content.decode("utf-8-sig").splitlines()
    assert human[0] == "Group,From,To,Median (min),n,Share,Skipped"
    assert human[1:] == lines[1:]
    assert "tatviz-segments" in response["Content-Disposition"]


def test_control_chart_of_daily_medians_matches_pandas(sample):
    exams = loaded_exams(sample)
    body = sample.get("/api/control?metric=complete_to_final&period=day").json()
    tat = (exams["finalized_at"] - exams["completed_at"]).dt.total_seconds() / 60
    ok = tat.notna() & (tat >= 0) & exams["completed_at"].notna()
    daily = tat[ok].groupby(exams.loc[ok, "completed_at"].dt.date).median()
    daily.index = [d.isoformat() for d in daily.index]
    y = pd.Series(body["y"], index=body["x"], dtype=float).dropna()
    pd.testing.assert_series_equal(y, daily, check_names=False)
    centre = daily.mean()
    mr_bar = daily.diff().abs().mean()
    assert body["centre"] == pytest.approx(centre)
    assert body["upper"] == pytest.approx(centre + 2.66 * mr_bar)
    assert body["lower"] == pytest.approx(max(0.0, centre - 2.66 * mr_bar))
    for signal in body["signals"]:
        day = body["x"][signal["index"]]
        assert f"start={day}&end={day}" in signal["exams"]


def test_p_chart_per_week_within_a_target(sample):
    exams = loaded_exams(sample)
    body = sample.get("/api/control?stat=within&target=60&period=week").json()
    tat = (exams["finalized_at"] - exams["completed_at"]).dt.total_seconds() / 60
    ok = tat.notna() & (tat >= 0)
    hits = int((tat[ok] <= 60).sum())
    p_bar = hits / int(ok.sum())
    assert body["chart"] == "p"
    assert body["centre"] == pytest.approx(100 * p_bar)
    for lower, upper, n in zip(body["lower"], body["upper"], body["n"], strict=True):
        if n:
            spread = 3 * np.sqrt(p_bar * (1 - p_bar) / n)
            assert upper == pytest.approx(100 * min(1, p_bar + spread))
            assert lower == pytest.approx(100 * max(0, p_bar - spread))


@pytest.mark.parametrize(
    ("url", "bad"),
    [
        ("/api/control?period=month", "month"),
        ("/api/control?metric=volume", "volume"),
        ("/api/control?baseline_start=2025-13-01", "2025-13-01"),
        ("/api/control?baseline_start=2025-02-01&baseline_end=2025-01-01", "after"),
        ("/api/segments?by=colour", "colour"),
        ("/api/segments?time=office", "office"),
        ("/api/series?time=office", "office"),
        ("/api/summary?time=²", "²"),
    ],
)
def test_bad_parameters_are_400(sample, url, bad):
    response = sample.get(url)
    assert response.status_code == 400
    assert bad in response.json()["error"]


def test_control_with_too_few_points_is_422(tiny):
    response = tiny.get("/api/control?start=2025-01-13&end=2025-01-13")
    assert response.status_code == 422
    assert "at least 2 points" in response.json()["error"]


def test_working_time_through_summary_and_series(tiny):
    clock = tiny.get("/api/summary?by=modality").json()
    assert clock["total"]["complete_to_final"]["median"] == pytest.approx(
        (30 + (3 * 24 * 60 + 3 * 60)) / 2
    )
    working = tiny.get("/api/summary?by=modality&time=working").json()
    assert working["total"]["complete_to_final"]["median"] == pytest.approx(315)
    assert working["total"]["order_to_complete"]["median"] == pytest.approx(0)
    series = tiny.get(
        "/api/series?metric=complete_to_final&period=month&time=working"
    ).json()
    assert series["series"][0]["y"] == [30.0, 600.0]
    distribution = tiny.get("/api/distribution?metric=complete_to_final&time=working")
    assert distribution.status_code == 200
    assert tiny.get("/dashboard?time=working").status_code == 200
    assert tiny.get("/dashboard?time=office").status_code == 400


def test_working_time_settings_and_holidays_csv(tiny):
    response = post_settings(tiny, {"working_time": {"days": ["Mon", "Fri"]}})
    assert response.status_code == 200
    assert tiny.get("/api/settings").json()["working_time"] == {
        "days": ["Mon", "Fri"],
        "start": "08:00",
        "end": "17:00",
        "holidays": [],
    }
    response = tiny.post(
        "/api/settings/holidays",
        data="date\n2025-02-14\n",
        content_type="text/csv",
    )
    assert response.status_code == 200
    assert response.json()["working_time"]["holidays"] == ["2025-02-14"]
    # Friday 14 February is now a holiday: MR3's c→f is Mon 08–09 only.
    series = tiny.get(
        "/api/series?metric=complete_to_final&period=month&time=working"
    ).json()
    assert series["series"][0]["y"] == [30.0, 60.0]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"working_time": {"start": "18:00", "end": "08:00"}}, "end after"),
        ({"working_time": {"holidays": ["14/02/2025"]}}, "YYYY-MM-DD"),
        (
            {
                "custom_intervals": [
                    {"name": "x", "start": "finalized_at", "end": "ordered_at"}
                ]
            },
            "later event",
        ),  # fmt: skip
        (
            {
                "custom_intervals": [
                    {"name": "Bad Name", "start": "ordered_at", "end": "finalized_at"}
                ]
            },
            "lower-case",
        ),  # fmt: skip
    ],
)
def test_bad_settings_are_400_and_change_nothing(tiny, body, words):
    before = tiny.get("/api/settings").json()
    response = post_settings(tiny, body)
    assert response.status_code == 400
    assert words in response.json()["error"]
    assert tiny.get("/api/settings").json() == before


def test_bad_holiday_csv_is_400(tiny):
    response = tiny.post(
        "/api/settings/holidays", data="2025-02-14\nFriday\n", content_type="text/csv"
    )
    assert response.status_code == 400
    assert "Row 2" in response.json()["error"]


def test_custom_interval_in_the_control_chart(sample):
    custom = [{"name": "start_to_final", "start": "started_at", "end": "finalized_at"}]
    assert post_settings(sample, {"custom_intervals": custom}).status_code == 200
    settings = sample.get("/api/settings").json()
    assert settings["custom_intervals"] == [
        {
            "name": "start_to_final",
            "label": "Started → final",
            "start": "started_at",
            "end": "finalized_at",
        }
    ]
    exams = loaded_exams(sample)
    body = sample.get("/api/control?metric=start_to_final&stat=mean").json()
    tat = (exams["finalized_at"] - exams["started_at"]).dt.total_seconds() / 60
    ok = tat.notna() & (tat >= 0) & exams["completed_at"].notna()
    daily = tat[ok].groupby(exams.loc[ok, "completed_at"].dt.date).mean()
    assert [v for v in body["y"] if v is not None] == pytest.approx(daily.tolist())


@pytest.mark.parametrize(
    "url",
    [
        "/insights/segments",
        "/insights/segments?by=modality&time=working",
        "/insights/control",
        "/insights/control?stat=within&period=week&baseline_end=2025-01-31",
    ],
)
def test_pages_render_with_filters_and_tabs(sample, url):
    response = sample.get(url + ("&" if "?" in url else "?") + "modality=CT")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="insight-form"' in text and "Control chart" in text
    assert 'name="modality" value="CT"' in text


def test_report_has_segments_and_the_weekly_control_chart(sample):
    exams = loaded_exams(sample)
    response = sample.get("/report?metric=complete_to_final")
    assert response.status_code == 200
    text = response.content.decode()
    table = text[text.index('id="segments-table"') :]
    table = table[: table.index("</table>")]
    report = link_minutes(exams, "preliminary_at", "finalized_at").median()
    total = int(report + 0.5)
    shown = f"{total // 60} h {total % 60:02d} min" if total >= 60 else f"{total} min"
    assert f"{shown} (n = " in table
    assert 'id="segments"' in text and 'id="control"' in text
    assert "centre ± 2.66 × MR-bar" in text


def test_holidays_from_an_uploaded_file_and_control_csv(tiny):
    upload = SimpleUploadedFile("holidays.csv", b"\xef\xbb\xbfdate\r\n2025-01-13\r\n")
    response = tiny.post("/api/settings/holidays", {"file": upload})
    assert response.status_code == 200
    assert response.json()["working_time"]["holidays"] == ["2025-01-13"]
    # Monday 13 January is now a holiday: CT1's report took no working time.
    body = tiny.get("/api/control?stat=mean&time=working").json()
    assert body["y"][0] == 0.0 and body["y"][-1] == 600.0
    response = tiny.get("/api/control?stat=mean&time=working&format=csv&raw=1")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "x,y,n,centre,lower,upper,signals"
    response = tiny.get("/api/control?stat=mean&time=working&format=csv")
    human = response.content.decode("utf-8-sig").splitlines()
    assert human[0] == "Period,Value,n,Centre line,Lower limit,Upper limit,Signals"
    assert human[1:] == lines[1:]
    assert lines[1].startswith("2025-01-13,0.0,1,300.0,")
