"""Work kept between refreshes (issue 17, 10M exams) follows the settings at once,
and leaves with its data set; the fast paths give what the slow ones give.

The four API exams (tests/api_exams.py) are worked by hand there: A1 CT ED
STAT c→f 60, o→c 30, o→f 90; A2 CT Inpatient c→f 110, o→c 70, o→f 180;
A3 XR Outpatient o→c 60, pending; A4 XR ED c→f −30 (negative).
"""

import gc
import json
import weakref

import numpy as np
import pandas as pd
import pytest

from exams import analysis
from exams.analysis.chain.segments import _tick_minutes
from exams.analysis.frame import memo
from exams.analysis.frame.shifts import default_shifts
from exams.analysis.frame.target_kinds import KIND_FIELDS, TARGET_KIND
from exams.analysis.frame.targets import (
    TARGET_FIELDS,
    default_targets,
    exam_targets,
    validate_targets,
)
from exams.storage import framecache
from tests.api_exams import EXAMS, get
from tests.test_storage_release import _upload

RULES = {
    "rules": [
        {"modality": "CT", "metric": "complete_to_final", "minutes": 100},
        {"patient_class": "inpatient", "minutes": 120},
    ],
    "default": 65,
}


def _post_targets(client, targets):
    response = client.post(
        "/api/settings",
        data=json.dumps({"targets": targets}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content


def test_changed_target_rule_changes_within_right_away(client, exams_current):
    memo.answers.clear()
    memo.arrays.clear()
    url = "/api/summary?by=modality"
    # Half the exams (CT): judged on the whole frame with the others masked.
    ct = "/api/summary?by=modality&modality=CT"
    total = get(client, url)[1]["total"]
    # Defaults: A1 ED 60 ≤ 60 ✓, A2 inpatient 110 ≤ 240 ✓ (A3 pending, A4 <0).
    assert total["complete_to_final"]["within"] == 100
    assert get(client, ct)[1]["total"]["complete_to_final"]["within"] == 100
    assert memo.answers._items and memo.arrays._items  # kept for the next refresh
    assert get(client, url)[1]["total"] == total
    _post_targets(client, RULES)
    total = get(client, url)[1]["total"]
    # CT report TAT ≤ 100: A1 60 ✓, A2 110 ✗; inpatient 120 on o→c/o→f:
    # o→c A1 65 (30 ✓), A2 120 (70 ✓), A3 65 (60 ✓); o→f A1 90 > 65, A2 180 > 120.
    assert total["complete_to_final"]["within"] == 50
    assert total["order_to_complete"]["within"] == 100
    assert total["order_to_final"]["within"] == 0
    assert get(client, ct)[1]["total"]["complete_to_final"]["within"] == 50
    # Per group too, and the dashboard's JSON says the same.
    rows = {r["group"]: r for r in get(client, url)[1]["rows"]}
    assert rows["CT"]["complete_to_final"]["within"] == 50
    _post_targets(client, {"rules": [], "default": 100})
    total = get(client, url)[1]["total"]
    # Everything ≤ 100: c→f A1 60 ✓, A2 110 ✗; o→f A1 90 ✓, A2 180 ✗.
    assert total["complete_to_final"]["within"] == 50
    assert total["order_to_final"]["within"] == 50


def test_whole_frame_answers_are_kept_and_copied(exams_frame):
    def count(rows):
        return {"n": [len(rows)]}

    answer = memo.over_all(exams_frame, exams_frame, ("test",), count)
    answer["n"].append(-1)  # as a page's presenter might
    # Kept (not computed again) and unchanged by the caller's edit.
    assert memo.over_all(exams_frame, exams_frame, ("test",), None) == {"n": [4]}
    # Fewer exams than the frame: their own answer, not the kept one.
    assert memo.over_all(exams_frame, exams_frame.iloc[:2], ("test",), count) == {
        "n": [2]
    }


def test_whole_frame_distribution_by_hand(client, exams_current):
    url = "/api/distribution?by=modality&metric=complete_to_final"
    for _ in range(2):  # computed, then kept
        boxes = {(b["metric"], b["group"]): b for b in get(client, url)[1]["boxes"]}
        # Report TAT of CT: A1 60, A2 110 → median 85; XR has none valid.
        assert boxes[("complete_to_final", "CT")]["median"] == 85
        assert ("complete_to_final", "XR") not in boxes


def test_kept_work_leaves_with_its_data_set(client, db):
    _upload(client, "first.csv", "ACC1")
    for url in ("/api/summary", "/api/series", "/api/segments", "/api/distribution"):
        assert client.get(url).status_code == 200
    (prepared,) = [v for v in framecache.prepared._items.values()]
    gone = weakref.ref(prepared)
    assert any(ref() is prepared for ref, _ in memo.answers._items.values())
    del prepared
    _upload(client, "second.csv", "ACC2")
    gc.collect()
    # Nothing kept the first data set's frame alive, and its work went with it.
    assert gone() is None
    assert all(ref() is not None for ref, _ in memo.answers._items.values())
    assert all(ref() is not None for ref, _ in memo.arrays._items.values())


@pytest.mark.parametrize("targets", [RULES, {"rules": [], "default": 30}])
def test_kinds_give_the_targets_of_each_exam(targets):
    # Missing values and unused categories: the lookup per kind must give
    # what matching each exam's three fields gives.
    frame = EXAMS.assign(
        priority=pd.Categorical(
            ["STAT", None, "Routine", None], categories=["Routine", "STAT", "ASAP"]
        )
    )
    prepared = analysis.prepare_frame(frame, shifts=default_shifts())
    assert KIND_FIELDS == TARGET_FIELDS  # every field a rule may name
    assert prepared[TARGET_KIND].dtype == np.uint16
    bare = prepared.drop(columns=[TARGET_KIND])
    rules = validate_targets(targets)
    for metric in ("complete_to_final", "order_to_complete", "order_to_final"):
        fast = exam_targets(prepared, rules, metric=metric)
        slow = exam_targets(bare, rules, metric=metric)
        pd.testing.assert_series_equal(fast, slow)
    # By hand, default rules, report TAT: A1 ED 60, A2 Inpatient 240,
    # A3 Outpatient 1440, A4 ED 60.
    got = exam_targets(prepared, default_targets(), metric="complete_to_final")
    assert got.tolist() == [60, 240, 1440, 60]
    # A copied selection keeps its kinds.
    got = exam_targets(
        prepared.iloc[[3, 1]], default_targets(), metric="complete_to_final"
    )
    assert got.tolist() == [60, 240]


@pytest.mark.parametrize("unit", ["ns", "us", "s"])
def test_link_minutes_from_ticks_equal_pandas(unit):
    start = pd.Series(
        pd.to_datetime(
            [
                "2025-01-01 10:00",
                "2025-01-01 10:00:30",
                "2025-01-01 10:00:00.123456",
                None,
                "2025-03-01 00:00",
                "2025-01-01 10:00",
            ],
            format="ISO8601",
        )
    ).astype(f"datetime64[{unit}]")
    end = pd.Series(
        pd.to_datetime(
            [
                "2025-01-01 11:30",
                "2025-01-01 10:02:45",
                "2025-01-01 10:07:00.654321",
                "2025-01-01 10:00",
                "2025-02-28 23:59:59",
                None,
            ],
            format="ISO8601",
        )
    ).astype(f"datetime64[{unit}]")
    expected = (end - start).dt.total_seconds().to_numpy(
        dtype=np.float64, na_value=np.nan
    ) / 60
    got = _tick_minutes(start, end)
    np.testing.assert_array_equal(got, expected)
    # By hand: 90 minutes; 2 min 15 s; negative 1 s.
    assert got[0] == 90 and got[1] == 2.25 and got[4] == -1 / 60


def test_mixed_units_are_left_to_pandas():
    start = pd.Series(pd.to_datetime(["2025-01-01 10:00"])).astype("datetime64[s]")
    end = pd.Series(pd.to_datetime(["2025-01-01 10:30"])).astype("datetime64[ns]")
    assert _tick_minutes(start, end) is None
