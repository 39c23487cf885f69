"""Target rules through the API: round trip, refusals, migration, and every
"% within target" judged per interval.

The four exams are tests/api_exams.py's, worked by hand:
A1 CT ED STAT: o→c 30, c→f 60, o→f 90. A2 CT Inpatient Routine: o→c 70,
c→f 110, o→f 180. A3 XR Outpatient Routine: o→c 60, pending since
2025-02-01 16:00. A4 XR ED: no order time, c→f −30 (negative).
"""

import json

import pytest

from exams.models import Preference
from exams.storage import preferences
from tests.api_exams import get


@pytest.fixture
def frame(exams_frame):
    return exams_frame


@pytest.fixture
def client(client, exams_current):
    return client


# CT report TAT ≤ 100; inpatients ≤ 120 on every interval; else 65.
RULES = {
    "rules": [
        {"modality": "CT", "metric": "complete_to_final", "minutes": 100},
        {"patient_class": "inpatient", "minutes": 120},
    ],
    "default": 65,
}


def post(client, body):
    return client.post(
        "/api/settings", data=json.dumps(body), content_type="application/json"
    )


def test_target_rules_round_trip(client):
    response = post(client, {"targets": RULES})
    assert response.status_code == 200
    expected = {
        "rules": [
            {"modality": ["CT"], "metric": ["complete_to_final"], "minutes": 100},
            {"patient_class": ["inpatient"], "minutes": 120},
        ],
        "default": 65,
    }
    assert response.json()["targets"] == expected
    assert get(client, "/api/settings")[1]["targets"] == expected


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ({"scanner": "CT1", "minutes": 60}, "unknown key 'scanner'"),
        ({"modality": "CT", "minutes": -5}, "positive number of minutes"),
        ({"modality": "CT", "minutes": 0}, "positive number of minutes"),
        ({"metric": "report_tat", "minutes": 60}, "unknown interval 'report_tat'"),
        ({"metric": "volume", "minutes": 60}, "complete_to_final"),
        ({"modality": ["CT", 3], "minutes": 60}, "text or a list of text"),
    ],
)
def test_bad_rules_are_400_and_change_nothing(client, rule, reason):
    before = preferences.get_settings()
    response = post(client, {"targets": {"rules": [rule], "default": 60}})
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert preferences.get_settings() == before


def test_stored_former_defaults_read_as_todays(client):
    former = {
        "rules": [
            {"patient_class": ["ED", "Emergency"], "minutes": 60},
            {"priority": ["STAT"], "minutes": 60},
            {"patient_class": ["Inpatient", "IP"], "minutes": 240},
            {"patient_class": ["Outpatient", "OP"], "minutes": 1440},
        ],
        "default": 1440,
    }
    Preference.objects.create(key="targets", value=former)
    rules = get(client, "/api/settings")[1]["targets"]["rules"]
    assert [r["metric"] for r in rules] == [["complete_to_final"]] * 4


def test_summary_judges_each_interval_by_its_own_rules(client):
    post(client, {"targets": RULES})
    total = get(client, "/api/summary?by=modality")[1]["total"]
    # Report TAT: A1 CT 60 ≤ 100 ✓, A2 CT 110 > 100 ✗ (A4 negative: left out).
    assert total["complete_to_final"]["within"] == 50
    # Order → complete: A1 default 65 (30 ✓), A2 inpatient 120 (70 ✓), A3 65 (60 ✓).
    assert total["order_to_complete"]["within"] == 100
    # Order → final: A1 65 (90 ✗), A2 120 (180 ✗).
    assert total["order_to_final"]["within"] == 0


def test_series_within_and_its_common_target(client):
    post(client, {"targets": RULES})
    body = get(client, "/api/series?metric=order_to_final&stat=within&period=year")[1]
    assert body["series"][0]["y"] == [0]
    # A1, A2 (CT) 100 but A3, A4 (XR) 65: no one target for the chart line.
    assert (
        get(client, "/api/series?metric=complete_to_final")[1]["common_target"] is None
    )
    ct = get(client, "/api/series?metric=complete_to_final&modality=CT")[1]
    assert ct["common_target"] == 100
    # A target in the query judges every exam: no own-target line to draw.
    assert (
        "common_target"
        not in get(client, "/api/series?metric=complete_to_final&target=30")[1]
    )


def test_pending_overdue_uses_the_report_target(client):
    # Defaults: A3 outpatient 1440; its age at as_of (2025-02-02 03:00) is 660.
    row = get(client, "/api/pending")[1]["rows"][0]
    assert (row["accession"], row["target_minutes"], row["overdue"]) == (
        "A3",
        1440,
        False,
    )
    post(client, {"targets": RULES})
    body = get(client, "/api/pending")[1]
    assert body["rows"][0]["target_minutes"] == 65 and body["overdue"] == 1


def test_compare_judges_each_interval_by_its_own_rules(client):
    post(client, {"targets": RULES})
    body = get(client, "/api/compare?start=2025-01-06&end=2025-01-06")[1]
    intervals = body["current"]["intervals"]
    assert intervals["complete_to_final"]["within"] == 50
    assert intervals["order_to_complete"]["within"] == 100
    assert intervals["order_to_final"]["within"] == 0


def test_heatmap_within_uses_the_interval_asked(client):
    post(client, {"targets": RULES})
    body = get(client, "/api/heatmap?metric=order_to_complete&stat=within")[1]
    cells = [v for row in body["z"] for v in row if v is not None]
    assert cells == [100, 100, 100]  # Mon 09:00 (A1), Mon 23:00 (A2), Sat 16:00 (A3)
    body = get(client, "/api/heatmap?metric=order_to_final&stat=within")[1]
    assert [v for row in body["z"] for v in row if v is not None] == [0, 0]


def test_one_exam_carries_its_target_per_interval(client):
    # A1 is CT ED STAT: the default rules give report TAT 60, else 1440.
    body = get(client, "/api/exams/A1")[1]
    assert body["targets"] == {
        "order_to_complete": 1440,
        "complete_to_final": 60,
        "order_to_final": 1440,
    }
    assert body["target"] == 60
    post(client, {"targets": RULES})
    assert get(client, "/api/exams/A2")[1]["targets"] == {
        "order_to_complete": 120,
        "complete_to_final": 100,
        "order_to_final": 120,
    }
