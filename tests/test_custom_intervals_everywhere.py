"""A user-named interval is an interval everywhere: series, summary,
distribution, heatmap, control, targets, exam list, CSVs, pages, report.

Expected numbers come from pandas over the exams' own times as loaded (the
exam-list CSV), never from the interval's column; the working-time ones
from a tiny export worked by hand.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.client_fixtures import exams_csv, load
from tests.test_chain_api import TINY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_static_storage")]
SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
CUSTOM = {
    "name": "start_to_final",
    "label": "Exam start → final",
    "start": "started_at",
    "end": "finalized_at",
}


def post_settings(client, body):
    return client.post(
        "/api/settings", data=json.dumps(body), content_type="application/json"
    )


@pytest.fixture
def sample(client):
    load(client, (SAMPLE / "epic_radiant_sample.csv").read_bytes())
    assert post_settings(client, {"custom_intervals": [CUSTOM]}).status_code == 200
    return client


@pytest.fixture
def exams(sample) -> pd.DataFrame:
    frame = exams_csv(sample)
    for name in ("started_at", "completed_at", "finalized_at"):
        frame[name] = pd.to_datetime(frame[name].replace("", None))
    # Independent of the app's column: the two times themselves.
    frame["minutes"] = (
        frame["finalized_at"] - frame["started_at"]
    ).dt.total_seconds() / 60
    return frame


def valid(frame: pd.DataFrame) -> pd.Series:
    minutes = frame["minutes"]
    return minutes[minutes.notna() & (minutes >= 0)]


def test_exam_list_and_its_csv_carry_the_minutes(sample, exams):
    listed = pd.to_numeric(exams["start_to_final"].replace("", None))
    np.testing.assert_allclose(listed, exams["minutes"], equal_nan=True)
    top = sample.get("/api/exams?sort=-start_to_final&page_size=1").json()
    assert top["rows"][0]["start_to_final"] == pytest.approx(valid(exams).max())
    page = sample.get("/exams?sort=-start_to_final").content.decode()
    assert "Exam start → final" in page
    slowest = exams.loc[exams["minutes"].idxmax()]
    one = sample.get(f"/api/exams/{slowest['accession']}").json()
    assert one["start_to_final"] == pytest.approx(slowest["minutes"])
    assert one["targets"]["start_to_final"] == 1440  # the default target


def test_summary_has_its_own_entry_per_row(sample, exams):
    body = sample.get("/api/summary?by=modality").json()
    for row in body["rows"]:
        mine = valid(exams[exams["modality"] == row["group"]])
        entry = row["start_to_final"]
        assert entry["n"] == len(mine)
        assert entry["median"] == pytest.approx(mine.median())
        assert entry["p90"] == pytest.approx(mine.quantile(0.9))
    negative = int((exams["minutes"] < 0).sum())
    assert body["total"]["start_to_final"]["negative"] == negative
    csv = sample.get("/api/summary?by=modality&format=csv").content.decode()
    header = csv.splitlines()[0]
    # Its columns by name (a script's CSV) or by label (a person's).
    assert "start_to_final median" in header or "Exam start → final" in header


def test_series_and_control_by_period(sample, exams):
    body = sample.get("/api/series?metric=start_to_final&period=month").json()
    months = exams.assign(month=exams["completed_at"].dt.strftime("%Y-%m"))
    ok = months[months["minutes"] >= 0]
    expected = ok.groupby("month")["minutes"].median()
    assert body["x"] == list(expected.index)
    assert body["series"][0]["y"] == pytest.approx(list(expected))
    control = sample.get("/api/control?metric=start_to_final&period=week").json()
    weeks = ok["completed_at"].dt.to_period("W-SUN").dt.start_time
    weekly = ok.groupby(weeks)["minutes"].median()
    assert control["y"] == pytest.approx(list(weekly))
    assert control["centre"] == pytest.approx(weekly.mean())


def test_distribution_and_heatmap(sample, exams):
    body = sample.get("/api/distribution?metric=start_to_final").json()
    minutes = valid(exams)
    counts = {b["label"]: b["count"] for b in body["buckets"]}
    assert counts["<1 h"] == int((minutes < 60).sum())
    assert counts[">48 h"] == int((minutes >= 2880).sum())
    started = exams["started_at"].notna() & exams["finalized_at"].isna()
    assert counts["pending"] == int(started.sum())
    boxes = sample.get("/api/distribution?by=modality").json()["boxes"]
    ct = next(
        b for b in boxes if b["metric"] == "start_to_final" and b["group"] == "CT"
    )
    mine = valid(exams[exams["modality"] == "CT"])
    assert (ct["n"], ct["median"]) == (len(mine), pytest.approx(mine.median()))
    assert ct["q3"] == pytest.approx(mine.quantile(0.75))
    heat = sample.get("/api/heatmap?metric=start_to_final&stat=median").json()
    ok = exams[exams["minutes"] >= 0]
    monday_9 = ok[
        (ok["completed_at"].dt.day_of_week == 0) & (ok["completed_at"].dt.hour == 9)
    ]
    assert heat["z"][0][9] == pytest.approx(monday_9["minutes"].median())
    assert heat["n"][0][9] == len(monday_9)


def test_a_target_rule_may_name_it(sample, exams):
    rules = {
        "rules": [{"metric": "start_to_final", "minutes": 120}],
        "default": 30,
    }
    assert post_settings(sample, {"targets": rules}).status_code == 200
    body = sample.get("/api/summary?by=modality").json()
    minutes = valid(exams)
    assert body["total"]["start_to_final"]["within"] == pytest.approx(
        (minutes <= 120).mean() * 100
    )
    # The other intervals keep the default.
    report = valid(
        exams.assign(
            minutes=(exams["finalized_at"] - exams["completed_at"]).dt.total_seconds()
            / 60
        )
    )
    assert body["total"]["complete_to_final"]["within"] == pytest.approx(
        (report <= 30).mean() * 100
    )


def test_pages_offer_it_and_unknown_names_are_400(sample):
    for path in (
        "/dashboard",
        "/insights/distribution",
        "/insights/heatmap",
        "/insights/control",
    ):
        page = sample.get(path).content.decode()
        assert '<option value="start_to_final"' in page, path
    page = sample.get("/dashboard?metric=start_to_final").content.decode()
    assert "Exam start → final" in page
    report = sample.get("/report?metric=start_to_final").content.decode()
    assert "Exam start → final" in report
    for path in ("/api/series", "/api/distribution", "/api/heatmap", "/api/control"):
        response = sample.get(f"{path}?metric=start_to_finale")
        assert response.status_code == 400, path
        assert "start_to_final" in response.json()["error"]


def test_a_target_rule_naming_an_unknown_interval_is_400(sample):
    rules = {"rules": [{"metric": "start_to_finale", "minutes": 60}]}
    response = post_settings(sample, {"targets": rules})
    assert response.status_code == 400
    assert "start_to_final" in response.json()["error"]
    # Named with the custom interval sent alongside, it is accepted.
    other = {**CUSTOM, "name": "start_to_finale"}
    response = post_settings(sample, {"targets": rules, "custom_intervals": [other]})
    assert response.status_code == 200


def test_working_time_applies_to_it(client):
    load(client, TINY)
    custom = {"name": "order_to_report", "start": "ordered_at", "end": "finalized_at"}
    assert post_settings(client, {"custom_intervals": [custom]}).status_code == 200
    # CT1 Mon 09:00 → 11:00 = 120 working minutes; MR3 Fri 05:30 → Mon 09:00
    # = 540 (Fri 08–17) + 60 = 600; XR2 has no final. Clock: 120 and 4,530.
    working = client.get("/api/summary?by=modality&time=working").json()
    clock = client.get("/api/summary?by=modality").json()
    assert working["total"]["order_to_report"]["median"] == 360
    assert clock["total"]["order_to_report"]["median"] == (120 + 4530) / 2
    rows = client.get("/api/exams?sort=accession&time=working").json()["rows"]
    assert [r["order_to_report"] for r in rows] == [120, 600, None]


def test_readme_worked_example(client):
    csv = (
        "ACCESSION_NUM,PROC_NAME,MODALITY,BEGIN_EXAM_DTTM,END_EXAM_DTTM,"
        "FINALIZING_DTTM\r\n"
        "A1,CT HEAD,CT,2025-03-03 09:00,2025-03-03 09:20,2025-03-03 09:40\r\n"
        "A2,CT HEAD,CT,2025-03-03 10:00,2025-03-03 10:20,2025-03-03 11:30\r\n"
        "A3,CT HEAD,CT,2025-03-03 11:00,2025-03-03 11:10,2025-03-03 11:20\r\n"
    )
    load(client, csv.encode())
    assert post_settings(client, {"custom_intervals": [CUSTOM]}).status_code == 200
    total = client.get("/api/summary").json()["total"]["start_to_final"]
    assert total == {
        "n": 3,
        "median": 40.0,
        "mean": 50.0,
        "p75": 65.0,
        "p90": 80.0,
        "within": 100.0,
        "negative": 0,
        "missing": 0,
    }


def test_the_report_defines_it(sample):
    report = sample.get("/report").content.decode()
    assert "Exam start → final" in report
    assert "Final time minus started time: an interval of your own" in report


def test_csvs_for_people_head_it_by_its_name(sample):
    exams = sample.get("/api/exams?format=csv").content.decode("utf-8-sig")
    head = exams.splitlines()[0].split(",")
    assert "Exam start → final (min)" in head
    summary = sample.get("/api/summary?by=modality&format=csv")
    head = summary.content.decode("utf-8-sig").splitlines()[0].split(",")
    assert "Exam start → final median (min)" in head
    series = sample.get("/api/series?metric=start_to_final&format=csv")
    head = series.content.decode("utf-8-sig").splitlines()[0]
    assert "All: Median exam start → final (min)" in head
