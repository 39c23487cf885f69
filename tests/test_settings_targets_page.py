"""The Settings page's targets table and example exams, read with a parser.

The tiny export (tests/page_helpers.py) has, by (modality, priority,
patient class): CT STAT ED ×2 (A1, A4), XR Routine Inpatient (A2), MR
Urgent Outpatient (A3).
"""

import json
from html.parser import HTMLParser

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_static_storage")]


class SettingsPage(HTMLParser):
    """Collect the target rules (selects and durations) and the examples."""

    def __init__(self):
        super().__init__()
        self.rules: list[dict] = []
        self.examples: list[list[str]] = []
        self.default: dict = {}
        self._where = None
        self._select = None
        self._cell = None
        self._in_template = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "template":
            self._in_template = True
        if self._in_template:
            return
        if tag == "tbody" and attrs.get("id") == "target-rows":
            self._where = "rules"
        elif tag == "table" and "examples-table" in attrs.get("class", ""):
            self._where = "examples"
        elif tag == "tr" and self._where == "rules":
            self.rules.append({"selects": {}, "options": {}})
        elif tag == "tr" and self._where == "examples":
            self.examples.append([])
        elif tag == "select" and self._where == "rules":
            self._select = attrs["name"]
            self.rules[-1]["options"][self._select] = []
        elif tag == "option" and self._select:
            self._option = [attrs.get("value"), "selected" in attrs, []]
            self.rules[-1]["options"][self._select].append(self._option)
        elif tag == "input" and self._where == "rules" and self.rules:
            self.rules[-1][attrs["name"]] = attrs.get("value")
        elif tag == "input" and attrs.get("id", "").startswith("default-"):
            self.default[attrs["id"]] = attrs.get("value")
        elif tag == "td" and self._where == "examples":
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "template":
            self._in_template = False
        elif tag == "select" and self._select:
            chosen = [o for o in self.rules[-1]["options"][self._select] if o[1]]
            self.rules[-1]["selects"][self._select] = "".join(chosen[0][2])
            self._select = None
        elif tag in ("tbody", "table"):
            self._where = None
        elif tag == "td" and self._cell is not None:
            self.examples[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._select and self.rules[-1]["options"][self._select]:
            self.rules[-1]["options"][self._select][-1][2].append(data)
        if self._cell is not None:
            self._cell.append(data)


def read(client) -> SettingsPage:
    response = client.get("/settings")
    assert response.status_code == 200
    page = SettingsPage()
    page.feed(response.content.decode())
    page.examples = [row for row in page.examples if row]  # not the heading row
    return page


def test_default_rules_read_as_a_table(loaded):
    page = read(loaded)
    # Each rule's unit is a select too: the defaults count clock time.
    assert [r["selects"].pop("unit") for r in page.rules] == ["clock time"] * 4
    assert [r["selects"] for r in page.rules] == [
        {
            "modality": "Any modality",
            "priority": "Any priority",
            "patient_class": "ED or Emergency",
            "metric": "Complete → final (report TAT)",
        },
        {
            "modality": "Any modality",
            "priority": "STAT",
            "patient_class": "Any patient class",
            "metric": "Complete → final (report TAT)",
        },
        {
            "modality": "Any modality",
            "priority": "Any priority",
            "patient_class": "Inpatient or IP",
            "metric": "Complete → final (report TAT)",
        },
        {
            "modality": "Any modality",
            "priority": "Any priority",
            "patient_class": "Outpatient or OP",
            "metric": "Complete → final (report TAT)",
        },
    ]
    assert [(r["hours"], r["minutes"]) for r in page.rules] == [
        ("1", "0"),
        ("1", "0"),
        ("4", "0"),
        ("24", "0"),
    ]
    # The default may count working days too (its box says 1, hidden).
    assert page.default == {
        "default-hours": "24",
        "default-minutes": "0",
        "default-days": "1",
    }
    # The selects offer the data set's values; option values are JSON lists.
    modality = page.rules[0]["options"]["modality"]
    assert [(v, "".join(t)) for v, _, t in modality] == [
        ("", "Any modality"),
        ('["CT"]', "CT"),
        ('["MR"]', "MR"),
        ('["XR"]', "XR"),
    ]


def test_examples_show_each_kinds_target_per_interval(loaded):
    page = read(loaded)
    # Columns: order → complete, report TAT, total TAT. Report TAT: ED
    # rule 1 (60 min), inpatient rule 3, outpatient rule 4; else 24 h default.
    default = "24 h 00 min (default)"
    assert page.examples == [
        ["CT", "STAT", "ED", "2", default, "1 h 00 min (rule 1)", default],
        ["XR", "Routine", "Inpatient", "1", default, "4 h 00 min (rule 3)", default],
        ["MR", "Urgent", "Outpatient", "1", default, "24 h 00 min (rule 4)", default],
    ]


def test_saved_rules_change_the_examples(loaded):
    targets = {
        "rules": [
            {"modality": "MR", "metric": "complete_to_final", "minutes": 150},
            {"patient_class": "ED", "minutes": 45},
        ],
        "default": 600,
    }
    response = loaded.post(
        "/api/settings",
        data=json.dumps({"targets": targets}),
        content_type="application/json",
    )
    assert response.status_code == 200
    page = read(loaded)
    assert page.rules[0]["selects"]["modality"] == "MR"
    assert (page.rules[0]["hours"], page.rules[0]["minutes"]) == ("2", "30")
    by_kind = {row[0]: row[4:] for row in page.examples}
    # CT ED: rule 2 on every interval. MR: report TAT rule 1, else default.
    assert by_kind["CT"] == ["45 min (rule 2)"] * 3
    assert by_kind["MR"] == [
        "10 h 00 min (default)",
        "2 h 30 min (rule 1)",
        "10 h 00 min (default)",
    ]
    assert by_kind["XR"] == ["10 h 00 min (default)"] * 3


def test_without_a_data_set_the_rules_still_show(client):
    page = read(client)
    assert len(page.rules) == 4 and page.examples == []
    patient_class = page.rules[0]["options"]["patient_class"]
    # Values a rule names stay offered even when no data set has them.
    assert ["".join(t) for _, _, t in patient_class] == [
        "Any patient class",
        "ED or Emergency (not in this data set)",
    ]
