"""Targets in working days: each exam judged on the working minutes of its
interval against days × one working day (Mon–Fri 08:00–17:00 = 540 min),
worked by hand over a weekend, two holidays and midnight."""

import json

import numpy as np
import pandas as pd
import pytest

from exams.analysis.frame.target_words import describe_rule
from exams.analysis.frame.targets import Targets, exam_targets, validate_targets
from exams.analysis.frame.working_time import validate_working_time
from tests.client_fixtures import load

# 25 and 26 December 2024 (Wed, Thu) are holidays; Fri 20, Mon 23, Tue 24
# and Fri 27 are working days.
HOLIDAYS = ["2024-12-25", "2024-12-26"]
WORKING = validate_working_time({"holidays": HOLIDAYS})
# accession, modality, class, completed, final, working minutes (by hand)
EXAMS = [
    # Fri 16:00 → Mon 15:59: 60 (Fri) + 479 (Mon) = 539 → within 1 day.
    ("X1", "XR", "Inpatient", "2024-12-20 16:00", "2024-12-23 15:59", 539),
    # Fri 16:00 → Mon 16:30: 60 + 510 = 570 → not within.
    ("X2", "XR", "Inpatient", "2024-12-20 16:00", "2024-12-23 16:30", 570),
    # Tue 22:00 → Sat 10:00: Wed, Thu holidays; all of Fri = 540 → within.
    ("X3", "XR", "Inpatient", "2024-12-24 22:00", "2024-12-28 10:00", 540),
    # Tue 22:00 → Mon 30 08:30: 540 (Fri) + 30 = 570 → not within.
    ("X4", "XR", "Inpatient", "2024-12-24 22:00", "2024-12-30 08:30", 570),
    # Mon 16:30 → Tue 08:45 across midnight: 30 + 45 = 75 → within.
    ("X5", "XR", "Inpatient", "2024-12-23 16:30", "2024-12-24 08:45", 75),
    # Sat 10:00 → Mon 17:00: the weekend is not worked; Mon 540 → within.
    ("X6", "XR", "Inpatient", "2024-12-21 10:00", "2024-12-23 17:00", 540),
    # CT: no working-day rule; 30 clock minutes ≤ the 60 min default.
    ("C7", "CT", "Inpatient", "2024-12-23 09:00", "2024-12-23 09:30", 0),
]
WITHIN = {"X1", "X3", "X5", "X6", "C7"}
RULES = {
    "rules": [
        {
            "modality": "XR",
            "patient_class": "Inpatient",
            "metric": "complete_to_final",
            "unit": "working_days",
            "days": 1,
        }
    ],
    "default": 60,
}


def frame() -> pd.DataFrame:
    table = pd.DataFrame(
        EXAMS,
        columns=[
            "accession",
            "modality",
            "patient_class",
            "completed_at",
            "finalized_at",
            "working",
        ],
    )
    for name in ("completed_at", "finalized_at"):
        table[name] = pd.to_datetime(table[name])
    table["complete_to_final"] = (
        table["finalized_at"] - table["completed_at"]
    ).dt.total_seconds() / 60
    return table


def test_rule_in_working_days_judges_working_minutes():
    table = frame()
    targets = Targets(rules=validate_targets(RULES).rules, default=60, working=WORKING)
    limits = exam_targets(table, targets, metric="complete_to_final").to_numpy()
    within = table["complete_to_final"].to_numpy() <= limits
    assert set(table["accession"][within]) == WITHIN
    # Each XR deadline: the last moment at most 540 working minutes on.
    deadlines = table["completed_at"] + pd.to_timedelta(limits, unit="min")
    assert [str(d) for d in deadlines[:6]] == [
        "2024-12-23 16:00:00",
        "2024-12-23 16:00:00",
        "2024-12-30 08:00:00",  # reached Fri 17:00, last until Mon 08:00
        "2024-12-30 08:00:00",
        "2024-12-24 16:30:00",
        "2024-12-24 08:00:00",  # reached Mon 17:00, last until Tue 08:00
    ]
    # Measured in working time, the target is 540 working minutes itself.
    working = table.assign(complete_to_final=table["working"].astype(float))
    working.attrs["time"] = "working"
    limits = exam_targets(working, targets, metric="complete_to_final").to_numpy()
    np.testing.assert_array_equal(limits, [540] * 6 + [60])


def test_half_a_working_day_and_the_unit_in_words():
    rule = {**RULES["rules"][0], "days": 0.5}
    targets = Targets(
        rules=validate_targets({"rules": [rule]}).rules, default=60, working=WORKING
    )
    table = frame()
    limits = exam_targets(table, targets, metric="complete_to_final").to_numpy()
    # 270 working minutes: only X5 (75) is within.
    within = table["complete_to_final"].to_numpy()[:6] <= limits[:6]
    assert list(table["accession"][:6][within]) == ["X5"]
    assert describe_rule(targets.rules[0]).endswith(": 0.5 working days")
    assert validate_targets(RULES).as_json()["rules"][0] == {
        "modality": ["XR"],
        "patient_class": ["Inpatient"],
        "metric": ["complete_to_final"],
        "unit": "working_days",
        "days": 1,
    }


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ({"unit": "hours", "minutes": 60}, "minutes or working_days"),
        ({"unit": "working_days", "minutes": 60}, "give days"),
        ({"unit": "working_days", "days": 0}, "above 0"),
        ({"days": 1, "unit": "minutes"}, "give minutes"),
    ],
)
def test_bad_units_are_said(rule, words):
    from exams.analysis.frame.shifts import SettingsError

    with pytest.raises(SettingsError, match=words):
        validate_targets({"rules": [rule]})


CSV = "ACCESSION_NUM,PROC_NAME,MODALITY,END_EXAM_DTTM,FINALIZING_DTTM,PAT_CLASS_C\r\n"
CSV += "".join(
    f"{a},{'XR CHEST' if m == 'XR' else 'CT HEAD'},{m},{c},{f},{p}\r\n"
    for a, m, p, c, f, _ in EXAMS
)


def post(client, body):
    response = client.post(
        "/api/settings", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.django_db
@pytest.mark.usefixtures("plain_static_storage")
@pytest.mark.parametrize("time", ["clock", "working"])
def test_percent_within_through_the_api(client, time):
    load(client, CSV.encode())
    post(client, {"working_time": {"holidays": HOLIDAYS}, "targets": RULES})
    summary = client.get(f"/api/summary?by=modality&time={time}").json()
    within = {
        row["group"]: row["complete_to_final"]["within"] for row in summary["rows"]
    }
    assert within == {"CT": 100.0, "XR": pytest.approx(4 / 6 * 100)}
    assert summary["total"]["complete_to_final"]["within"] == pytest.approx(5 / 7 * 100)
    series = client.get(
        f"/api/series?metric=complete_to_final&stat=within&period=year&time={time}"
    ).json()
    assert series["series"][0]["y"] == [pytest.approx(5 / 7 * 100)]
    heat = client.get(
        f"/api/heatmap?metric=complete_to_final&stat=within&time={time}"
    ).json()
    # Fri 16:00 holds X1 (within) and X2 (not): 50 %.
    assert heat["z"][4][16] == 50.0


@pytest.mark.django_db
@pytest.mark.usefixtures("plain_static_storage")
def test_settings_page_offers_the_unit(client):
    load(client, CSV.encode())
    saved = post(client, {"targets": RULES})
    assert saved["targets"]["rules"][0]["unit"] == "working_days"
    page = client.get("/settings").content.decode()
    assert 'name="unit"' in page
    assert '<option value="working_days" selected>' in page


@pytest.mark.django_db
@pytest.mark.usefixtures("plain_static_storage")
@pytest.mark.parametrize("time", ["clock", "working"])
def test_pending_overdue_counts_clock_age_to_the_working_deadline(client, time):
    # Y1 completed Fri 20 Dec 16:00, no final; the data set's last time is
    # X4's final, Mon 30 Dec 08:30. Its deadline of 1 working day was Mon 23
    # Dec 16:00: overdue. Y2 completed Mon 30 Dec 08:00: 30 min old, within.
    rows = CSV + "Y1,XR CHEST,XR,2024-12-20 16:00,,Inpatient\r\n"
    rows += "Y2,XR CHEST,XR,2024-12-30 08:00,,Inpatient\r\n"
    load(client, rows.encode())
    post(client, {"working_time": {"holidays": HOLIDAYS}, "targets": RULES})
    body = client.get(f"/api/pending?time={time}").json()
    by_accession = {r["accession"]: r for r in body["rows"]}
    assert by_accession["Y1"]["overdue"] is True
    assert by_accession["Y2"]["overdue"] is False
    # Y1's target: Fri 16:00 → Mon 23 Dec 16:00 = 3 days of clock minutes.
    assert by_accession["Y1"]["target_minutes"] == 3 * 1440


@pytest.mark.django_db
@pytest.mark.usefixtures("plain_static_storage")
def test_a_rule_on_an_interval_from_the_order(client):
    # Ordered at the completion time: order → final is the report TAT above.
    head = "ACCESSION_NUM,PROC_NAME,MODALITY,ORDERING_DTTM,END_EXAM_DTTM,"
    head += "FINALIZING_DTTM,PAT_CLASS_C\r\n"
    rows = "".join(
        f"{a},{'XR CHEST' if m == 'XR' else 'CT HEAD'},{m},{c},{c},{f},{p}\r\n"
        for a, m, p, c, f, _ in EXAMS
    )
    load(client, (head + rows).encode())
    rule = {**RULES["rules"][0], "metric": "order_to_final"}
    post(
        client,
        {
            "working_time": {"holidays": HOLIDAYS},
            "targets": {"rules": [rule], "default": 60},
        },
    )
    # All six XR: 4 within. From the 24th, X3 (within) and X4 (not): a
    # selection under half the exams, which the summary copies column-wise.
    for query, share in (("modality=XR", 4 / 6), ("modality=XR&start=2024-12-24", 0.5)):
        series = client.get(
            f"/api/series?metric=order_to_final&stat=within&period=year&{query}"
        ).json()
        assert series["series"][0]["y"] == [pytest.approx(share * 100)]
        summary = client.get(f"/api/summary?{query}").json()
        assert summary["total"]["order_to_final"]["within"] == pytest.approx(
            share * 100
        )


@pytest.mark.django_db
@pytest.mark.usefixtures("plain_static_storage")
def test_the_report_says_what_a_working_day_is(client):
    load(client, CSV.encode())
    post(client, {"working_time": {"holidays": HOLIDAYS}, "targets": RULES})
    report = client.get("/report?metric=complete_to_final&stat=within").content
    text = report.decode()
    assert "XR, Inpatient, Complete → final (report TAT): 1 working day" in text
    assert (
        "Mon, Tue, Wed, Thu, Fri 08:00–17:00, 2 holidays left out; "
        "1 working day = 540 working minutes." in text
    )
