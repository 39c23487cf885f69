"""A target rule naming a custom interval: deleting the interval is refused
with a 400 naming the rules; a rule whose interval is gone anyway (stored
by an earlier version, or an interval removed with the rules in one go) is
flagged by GET /api/settings and marked on the Settings page."""

import json

import pytest

from exams.analysis.frame.targets import validate_targets
from exams.models import Preference
from exams.storage import preferences

START_TO_FINAL = {
    "name": "start_to_final",
    "label": "Exam start → final",
    "start": "started_at",
    "end": "finalized_at",
}
ORDER_TO_START = {
    "name": "order_to_start",
    "label": "Order → start",
    "start": "ordered_at",
    "end": "started_at",
}
RULES = [
    {"modality": "CT", "minutes": 30},
    {"metric": "start_to_final", "minutes": 120},
    {"modality": "MR", "metric": ["start_to_final"], "minutes": 240},
]


def post(client, body):
    return client.post(
        "/api/settings", data=json.dumps(body), content_type="application/json"
    )


def saved(client):
    response = post(
        client,
        {
            "custom_intervals": [START_TO_FINAL, ORDER_TO_START],
            "targets": {"rules": RULES, "default": 1440},
        },
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.django_db
def test_deleting_an_interval_rules_judge_is_refused_naming_them(client):
    before = saved(client)
    assert "warnings" not in before  # nothing to flag yet
    response = post(client, {"custom_intervals": [ORDER_TO_START]})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error.startswith("Target rules 2, 3 judge Exam start → final")
    assert "(start_to_final)" in error and "first" in error
    # Nothing changed.
    assert client.get("/api/settings").json() == before
    # An interval no rule judges goes at once.
    response = post(client, {"custom_intervals": [START_TO_FINAL]})
    assert response.status_code == 200
    assert [c["name"] for c in response.json()["custom_intervals"]] == [
        "start_to_final"
    ]


@pytest.mark.django_db
def test_removing_the_rules_first_then_the_interval(client):
    saved(client)
    response = post(client, {"targets": {"rules": RULES[:1], "default": 1440}})
    assert response.status_code == 200
    response = post(client, {"custom_intervals": []})
    assert response.status_code == 200, response.content
    assert response.json()["custom_intervals"] == []
    assert "warnings" not in response.json()


@pytest.mark.django_db
def test_both_at_once_still_checks_the_rules_sent(client):
    saved(client)
    response = post(
        client,
        {"custom_intervals": [], "targets": {"rules": RULES, "default": 1440}},
    )
    assert response.status_code == 400
    assert "unknown interval 'start_to_final'" in response.json()["error"]


@pytest.mark.django_db
@pytest.mark.usefixtures("plain_static_storage")
def test_a_rule_whose_interval_is_gone_is_flagged(client):
    saved(client)
    # As an earlier version left it: the interval deleted, the rules kept.
    Preference.objects.filter(key="custom_intervals").update(value=[ORDER_TO_START])
    body = client.get("/api/settings").json()
    assert body["targets"]["rules"][1] == {
        "metric": ["start_to_final"],
        "minutes": 120,
    }
    assert [(w["rule"], w["interval"]) for w in body["warnings"]] == [
        (2, "start_to_final"),
        (3, "start_to_final"),
    ]
    assert all(w["setting"] == "targets" for w in body["warnings"])
    assert "no longer exists" in body["warnings"][0]["text"]
    # GET's answer may be sent back as it is: the warnings are read-only.
    again = post(client, {k: v for k, v in body.items() if k != "targets"})
    assert again.status_code == 200, again.content
    page = client.get("/settings").content.decode()
    assert 'id="targets-gone"' in page
    assert "Target rules 2, 3 name an interval that no longer exists" in page
    assert page.count("This interval no longer exists (start_to_final)") == 2
    assert page.count('class="target-row target-gone"') == 2
    assert "start_to_final (no longer exists)" in page
    # Saving the rules without them clears the warnings.
    post(client, {"targets": {"rules": RULES[:1], "default": 1440}})
    assert "warnings" not in client.get("/api/settings").json()
    assert 'id="targets-gone"' not in client.get("/settings").content.decode()


def test_stale_rules_pure():
    targets = validate_targets({"rules": RULES, "default": 60}, known=None)
    warnings = preferences.stale_rules(targets, known={"complete_to_final"})
    assert [w["rule"] for w in warnings] == [2, 3]
