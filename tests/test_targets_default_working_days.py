"""The default target in working days ({"unit": "working_days", "days": N}),
worked by hand over a weekend and two holidays: the exams of
tests.test_targets_working_days, judged by the default instead of a rule."""

import json

import numpy as np
import pytest

from exams.analysis.frame.shifts import SettingsError
from exams.analysis.frame.targets import Targets, exam_targets, validate_targets
from tests.client_fixtures import load
from tests.test_targets_working_days import CSV, HOLIDAYS, WORKING, frame

# CT has a 60-minute rule; every XR exam falls to the default of 1 working
# day (540 working minutes, Mon–Fri 08–17, 25–26 Dec 2024 holidays).
DEFAULT_IN_DAYS = {
    "rules": [{"modality": "CT", "minutes": 60}],
    "default": {"unit": "working_days", "days": 1},
}


def judged(settings: dict) -> set[str]:
    table = frame()
    parsed = validate_targets(settings)
    targets = Targets(
        rules=parsed.rules,
        default=parsed.default,
        default_days=parsed.default_days,
        working=WORKING,
    )
    limits = exam_targets(table, targets, metric="complete_to_final").to_numpy()
    within = table["complete_to_final"].to_numpy() <= limits
    return set(table["accession"][within])


def test_default_in_working_days_judges_working_minutes():
    # By hand (working minutes): X1 539 ≤ 540, X2 570 >, X3 540 ≤ (Wed and
    # Thu holidays, the weekend not worked), X4 570 >, X5 75 ≤, X6 540 ≤;
    # C7 30 clock min ≤ its 60-min rule.
    assert judged(DEFAULT_IN_DAYS) == {"X1", "X3", "X5", "X6", "C7"}
    # Half a working day (270 working minutes): of the XR only X5 (75).
    half = {**DEFAULT_IN_DAYS, "default": {"unit": "working_days", "days": 0.5}}
    assert judged(half) == {"X5", "C7"}
    # Two working days (1080): every XR exam.
    two = {**DEFAULT_IN_DAYS, "default": {"unit": "working_days", "days": 2}}
    assert judged(two) == {"X1", "X2", "X3", "X4", "X5", "X6", "C7"}


def test_default_in_working_days_measured_in_working_time():
    table = frame()
    table["complete_to_final"] = table["working"].astype(float)
    table.attrs["time"] = "working"
    parsed = validate_targets(DEFAULT_IN_DAYS)
    targets = Targets(rules=parsed.rules, default=1440, default_days=1, working=WORKING)
    limits = exam_targets(table, targets, metric="complete_to_final").to_numpy()
    np.testing.assert_array_equal(limits, [540] * 6 + [60])


def test_plain_minutes_stay_as_they_were():
    parsed = validate_targets({"rules": [], "default": 90})
    assert parsed.default == 90 and parsed.default_days is None
    assert parsed.as_json() == {"rules": [], "default": 90}
    assert validate_targets(DEFAULT_IN_DAYS).as_json()["default"] == {
        "unit": "working_days",
        "days": 1,
    }


@pytest.mark.parametrize(
    ("default", "words"),
    [
        ({"unit": "working_days", "days": 0}, "above 0"),
        ({"unit": "hours", "days": 1}, "minutes .* or"),
        ({"unit": "working_days", "days": 1, "minutes": 5}, "minutes .* or"),
        ({"unit": "working_days"}, "above 0"),
        (-5, "positive number of minutes"),
    ],
)
def test_bad_defaults_are_said(default, words):
    with pytest.raises(SettingsError, match=words):
        validate_targets({"rules": [], "default": default})


def post(client, body):
    return client.post(
        "/api/settings", data=json.dumps(body), content_type="application/json"
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("plain_static_storage")
@pytest.mark.parametrize("time", ["clock", "working"])
def test_percent_within_through_the_api(client, time):
    load(client, CSV.encode())
    response = post(
        client, {"working_time": {"holidays": HOLIDAYS}, "targets": DEFAULT_IN_DAYS}
    )
    assert response.status_code == 200, response.content
    assert response.json()["targets"]["default"] == DEFAULT_IN_DAYS["default"]
    got = client.get("/api/settings").json()["targets"]["default"]
    assert got == DEFAULT_IN_DAYS["default"]
    summary = client.get(f"/api/summary?by=modality&time={time}").json()
    within = {
        row["group"]: row["complete_to_final"]["within"] for row in summary["rows"]
    }
    assert within == {"CT": 100.0, "XR": pytest.approx(4 / 6 * 100)}
    bad = post(client, {"targets": {"rules": [], "default": {"days": 1}}})
    assert bad.status_code == 400 and "default target" in bad.json()["error"]


@pytest.mark.django_db
@pytest.mark.usefixtures("plain_static_storage")
def test_settings_page_and_report_show_the_default_unit(client):
    load(client, CSV.encode())
    post(client, {"working_time": {"holidays": HOLIDAYS}, "targets": DEFAULT_IN_DAYS})
    page = client.get("/settings").content.decode()
    assert 'id="default-unit"' in page
    assert 'id="default-days" name="default_days" value="1"' in page
    report = client.get("/report?metric=complete_to_final&stat=within").content
    assert "otherwise 1 working day." in report.decode()
