"""Target rules: validation, migration and each exam's target per interval.

Every expected minute below is worked by hand from the rules in the test
(first rule whose named keys all match, else the default).
"""

import numpy as np
import pandas as pd
import pytest

from exams import fields
from exams.analysis.frame.shifts import SettingsError
from exams.analysis.frame.target_words import describe_rule
from exams.analysis.frame.targets import (
    TargetRule,
    Targets,
    common_target,
    default_targets,
    exam_targets,
    read_stored_targets,
    validate_targets,
)

INTERVALS = tuple(fields.INTERVALS)


def frame_of(priority, patient_class, modality=None):
    data = {
        fields.PRIORITY: pd.Categorical(priority),
        fields.PATIENT_CLASS: pd.Categorical(patient_class),
    }
    if modality is not None:
        data[fields.MODALITY] = pd.Categorical(modality)
    return pd.DataFrame(data)


def targets_of(*rules, default=500):
    return validate_targets({"rules": list(rules), "default": default})


def minutes(frame, targets, metric="complete_to_final"):
    return exam_targets(frame, targets, metric=metric).tolist()


# ---- defaults -----------------------------------------------------------------


def test_default_report_targets_follow_domain_md():
    frame = frame_of(
        ["STAT", "Routine", "routine", "Stat", "Routine", None, "Urgent", "Routine"],
        ["Inpatient", "ED", "Inpatient", "Outpatient", "Outpatient", None, "OBS", None],
    )
    # STAT beats inpatient; ED 60; inpatient 240; STAT (any case) 60;
    # outpatient 1440; nothing known → default 1440.
    expected = [60, 60, 240, 60, 1440, 1440, 1440, 1440]
    assert minutes(frame, default_targets()) == expected


@pytest.mark.parametrize("metric", ["order_to_complete", "order_to_final"])
def test_default_rules_judge_report_tat_only(metric):
    # ED, STAT and inpatient exams get the 24 h default on every other interval.
    frame = frame_of(["STAT", "Routine", None], ["ED", "Inpatient", "Outpatient"])
    assert minutes(frame, default_targets(), metric) == [1440, 1440, 1440]


def test_a_missing_field_still_meets_a_rule_that_does_not_ask_for_it():
    # ED with no priority is the ED rule's (60); STAT with no patient class
    # is the STAT rule's (60); inpatient with no priority 240; nothing 1440.
    frame = frame_of([None, "STAT", None, None], ["ED", None, "Inpatient", None])
    assert minutes(frame, default_targets()) == [60, 60, 240, 1440]


# ---- matching -----------------------------------------------------------------


def test_first_matching_rule_wins_and_every_named_key_must_match():
    targets = targets_of(
        {"priority": "STAT", "patient_class": "ED", "minutes": 30},
        {"patient_class": " ed ", "minutes": 120},
        {"patient_class": "ED", "minutes": 90},
    )
    frame = frame_of(["STAT", "Routine", "STAT"], ["ED", "ed", "Inpatient"])
    # STAT+ED → rule 1; Routine ED → rule 2 (rule 3 never reached);
    # STAT inpatient matches no rule → default.
    assert minutes(frame, targets) == [30, 120, 500]


def test_rule_order_decides_between_overlapping_rules():
    ct_first = targets_of(
        {"modality": "CT", "minutes": 45}, {"patient_class": "ED", "minutes": 60}
    )
    ed_first = targets_of(
        {"patient_class": "ED", "minutes": 60}, {"modality": "CT", "minutes": 45}
    )
    frame = frame_of(["STAT", "STAT", "STAT"], ["ED", "ED", "Outpatient"])
    frame[fields.MODALITY] = pd.Categorical(["CT", "XR", "CT"])
    assert minutes(frame, ct_first) == [45, 60, 45]
    assert minutes(frame, ed_first) == [60, 60, 45]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        # Exams: CT/STAT/ED, MR/Routine/Outpatient, CT/Routine/Inpatient.
        ({"modality": "ct", "minutes": 45}, [45, 500, 45]),
        ({"priority": "ROUTINE", "minutes": 2880}, [500, 2880, 2880]),
        ({"patient_class": "Outpatient", "minutes": 2880}, [500, 2880, 500]),
        (
            {"modality": ["MR", "CT"], "priority": "Routine", "minutes": 99},
            [500, 99, 99],
        ),
        ({"metric": "complete_to_final", "minutes": 7}, [7, 7, 7]),
        ({"metric": "order_to_final", "minutes": 7}, [500, 500, 500]),
        ({"minutes": 8}, [8, 8, 8]),
    ],
)
def test_each_key_on_its_own(rule, expected):
    frame = frame_of(
        ["STAT", "Routine", "Routine"],
        ["ED", "Outpatient", "Inpatient"],
        modality=["CT", "MR", "CT"],
    )
    assert minutes(frame, targets_of(rule)) == expected


def test_interval_specific_rules_judge_only_their_interval():
    targets = targets_of(
        {"patient_class": "Inpatient", "metric": "order_to_complete", "minutes": 240},
        {
            "modality": "CT",
            "patient_class": "ED",
            "metric": "complete_to_final",
            "minutes": 60,
        },
        {"modality": "MR", "patient_class": "Outpatient", "minutes": 2880},
        default=1440,
    )
    frame = frame_of(
        ["STAT", "Routine", "Routine"],
        ["ED", "Outpatient", "Inpatient"],
        modality=["CT", "MR", "CT"],
    )
    # CT ED: report 60, else default. MR outpatient: the rule without a
    # metric serves every interval. CT inpatient: order → complete 240 only.
    assert minutes(frame, targets, "complete_to_final") == [60, 2880, 1440]
    assert minutes(frame, targets, "order_to_complete") == [1440, 2880, 240]
    assert minutes(frame, targets, "order_to_final") == [1440, 2880, 1440]
    assert minutes(frame, targets, "complete_to_preliminary") == [1440, 2880, 1440]


def test_a_rule_naming_a_column_the_data_set_lacks_never_matches():
    targets = targets_of({"modality": "CT", "minutes": 45}, {"minutes": 90})
    frame = frame_of(["STAT"], ["ED"])  # no modality column at all
    assert minutes(frame, targets) == [90]


def test_no_rules_and_no_exams():
    assert minutes(frame_of(["STAT"], ["ED"]), Targets((), 321)) == [321]
    assert minutes(frame_of([], []), default_targets()) == []


def test_many_distinct_values_match_like_a_plain_first_match_loop():
    rng = np.random.default_rng(4)
    values = {
        fields.MODALITY: [f"M{i}" for i in range(40)] + [None],
        fields.PRIORITY: [f"P{i}" for i in range(30)] + [None],
        fields.PATIENT_CLASS: [f"C{i}" for i in range(30)] + [None],
    }
    frame = pd.DataFrame(
        {
            f: pd.Categorical(rng.choice(np.array(v, dtype=object), 3000))
            for f, v in values.items()
        }
    )
    rules = []
    for i in range(25):
        rule = {"minutes": 10 + i}
        for key in ("modality", "priority", "patient_class"):
            if rng.random() < 0.5:
                pool = [v for v in values[key] if v]
                rule[key] = list(rng.choice(pool, 3, replace=False))
        if rng.random() < 0.4:
            rule["metric"] = str(rng.choice(INTERVALS))
        rules.append(rule)
    targets = targets_of(*rules, default=999)
    for metric in INTERVALS:
        expected = []
        for row in frame.itertuples(index=False):
            exam = dict(zip(frame.columns, row, strict=True))
            found = 999
            for rule in rules:
                if rule.get("metric", metric) != metric:
                    continue
                if all(exam[k] in rule[k] for k in values if k in rule):
                    found = rule["minutes"]
                    break
            expected.append(found)
        assert minutes(frame, targets, metric) == expected, metric


def test_common_target_is_the_one_target_of_every_exam_or_none():
    frame = frame_of(["STAT", "Routine"], ["ED", "ED"])
    assert common_target(frame, default_targets(), metric="complete_to_final") == 60
    mixed = frame_of(["STAT", "Routine"], ["ED", "Inpatient"])
    assert common_target(mixed, default_targets(), metric="complete_to_final") is None
    assert common_target(mixed, default_targets(), metric="order_to_final") == 1440
    assert (
        common_target(frame.iloc[0:0], default_targets(), metric="order_to_final")
        is None
    )


# ---- settings shape -------------------------------------------------------------


def test_targets_round_trip_through_json():
    assert validate_targets(default_targets().as_json()) == default_targets()
    assert validate_targets({"rules": [], "default": 90.5}) == Targets((), 90.5)
    rule = validate_targets(
        {"rules": [{"modality": "CT", "metric": "order_to_final", "minutes": 45}]}
    )
    assert rule.rules == (
        TargetRule(minutes=45, modalities=("CT",), metrics=("order_to_final",)),
    )
    assert rule.as_json() == {
        "rules": [{"modality": ["CT"], "metric": ["order_to_final"], "minutes": 45}],
        "default": 1440,
    }


def test_stored_former_defaults_become_todays_defaults():
    former = {
        "rules": [
            {"patient_class": ["ED", "Emergency"], "minutes": 60},
            {"priority": ["STAT"], "minutes": 60},
            {"patient_class": ["Inpatient", "IP"], "minutes": 240},
            {"patient_class": ["Outpatient", "OP"], "minutes": 1440},
        ],
        "default": 720,
    }
    migrated = read_stored_targets(former)
    assert migrated.rules == default_targets().rules
    assert migrated.default == 720  # a changed default is kept


def test_stored_rules_by_priority_and_class_keep_judging_every_interval():
    old = {
        "rules": [{"priority": ["STAT"], "patient_class": ["ED"], "minutes": 30}],
        "default": 600,
    }
    migrated = read_stored_targets(old)
    frame = frame_of(["STAT", "Routine"], ["ED", "ED"])
    for metric in INTERVALS:
        assert minutes(frame, migrated, metric) == [30, 600]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ([], "must be an object"),
        ({"rules": [], "default": 0}, "positive number of minutes"),
        ({"rules": [], "default": "60"}, "positive number of minutes"),
        ({"rules": [], "default": True}, "positive number of minutes"),
        ({"rules": [], "default": float("inf")}, "positive number of minutes"),
        ({"rules": {}}, "must be a list"),
        ({"rules": [{"priority": "STAT"}]}, "positive number of minutes"),
        ({"rules": [{"priority": "STAT", "minutes": -1}]}, "positive number"),
        ({"rules": [{"priority": 5, "minutes": 60}]}, "text or a list of text"),
        ({"rules": [{"room": "CT", "minutes": 60}]}, "unknown key 'room'"),
        ({"rules": [{"metric": "volume", "minutes": 60}]}, "unknown interval 'volume'"),
        ({"rules": [{"modality": "x" * 101, "minutes": 60}]}, "longer than 100"),
        ({"rules": [{"minutes": 60}] * 201}, "at most 200"),
        ({"rules": ["STAT"]}, "must be an object"),
        ({"goal": 5}, "Unknown target setting 'goal'"),
    ],
)
def test_unusable_targets_are_refused_with_a_reason(raw, reason):
    with pytest.raises(SettingsError) as caught:
        validate_targets(raw)
    assert reason in str(caught.value)


def test_rules_in_words():
    rule = TargetRule(
        minutes=60,
        modalities=("CT",),
        patient_classes=("ED",),
        metrics=("complete_to_final",),
    )
    assert describe_rule(rule) == "CT, ED, Complete → final (report TAT): 60 min"
    assert describe_rule(TargetRule(minutes=90)) == "every exam: 90 min"
