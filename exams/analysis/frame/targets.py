"""Turnaround targets: the rules table, its validation and each exam's target.

A target setting is ``{"rules": [rule, ...], "default": minutes}``; a rule
names ``minutes`` and any of ``modality``, ``priority``, ``patient_class``
(values as written in the export, case and spaces ignored) and ``metric``
(the interval it judges). Each exam, for each interval, gets the minutes of
the first rule whose named keys all match it, else the default. Every
"% within target" and "overdue" in the app goes through ``exam_targets``.

A rule may count in working days instead (``"unit": "working_days"`` with
``"days"``; exams.analysis.frame.working_days).

Pure functions: settings arrive as JSON-like values and leave as frozen
dataclasses; frames are only read.
"""

import math
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from exams import fields
from exams.analysis.frame.shifts import SettingsError
from exams.analysis.frame.target_kinds import TARGET_KIND, kind_sizes, kinds_table
from exams.analysis.frame.working_days import (
    default_days,
    rule_days,
    working_day_targets,
)
from exams.analysis.frame.working_time import WorkingTime, default_working_time

# Rule key -> the exam column it matches (metric matches the interval asked).
RULE_FIELDS = {
    "modality": fields.MODALITY,
    "priority": fields.PRIORITY,
    "patient_class": fields.PATIENT_CLASS,
}
RULE_KEYS = (*RULE_FIELDS, "metric")
# The exam columns exam_targets reads.
TARGET_FIELDS = tuple(RULE_FIELDS.values())
# Intervals a rule may name: every interval in use, the custom ones too.
TARGET_METRICS = fields.INTERVALS
MAX_RULES = 200
MAX_VALUE_LENGTH = 100

# DOMAIN defaults: report turnaround (complete -> final, the ACR definition)
# within 1 h for ED or STAT, 4 h for inpatients, 24 h for outpatients. Other
# intervals get the 24 h default until the site adds rules for them.
DEFAULT_TARGETS = {
    "rules": [
        {
            "patient_class": ["ED", "Emergency"],
            "metric": ["complete_to_final"],
            "minutes": 60,
        },
        {"priority": ["STAT"], "metric": ["complete_to_final"], "minutes": 60},
        {
            "patient_class": ["Inpatient", "IP"],
            "metric": ["complete_to_final"],
            "minutes": 240,
        },
        {
            "patient_class": ["Outpatient", "OP"],
            "metric": ["complete_to_final"],
            "minutes": 1440,
        },
    ],
    "default": 1440,
}
# The defaults before rules could name an interval: a stored copy of them is
# read as today's defaults (nobody chose them to judge every interval).
_FORMER_DEFAULT_RULES = [
    {"patient_class": ["ED", "Emergency"], "minutes": 60},
    {"priority": ["STAT"], "minutes": 60},
    {"patient_class": ["Inpatient", "IP"], "minutes": 240},
    {"patient_class": ["Outpatient", "OP"], "minutes": 1440},
]


@dataclass(frozen=True)
class TargetRule:
    """Exams whose named values all match get ``minutes`` (no values: any)."""

    minutes: float
    priorities: tuple[str, ...] = ()
    patient_classes: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    # Working days instead of minutes (``minutes`` is then unused).
    days: float | None = None

    @property
    def unit(self) -> str:
        """Return ``minutes`` or ``working_days``."""
        return "minutes" if self.days is None else "working_days"

    def values(self, key: str) -> tuple[str, ...]:
        """Return the values the rule names for a rule key (empty: any)."""
        return {
            "modality": self.modalities,
            "priority": self.priorities,
            "patient_class": self.patient_classes,
            "metric": self.metrics,
        }[key]

    def serves(self, metric: str) -> bool:
        """Return whether the rule judges ``metric`` (a rule naming none judges all)."""
        return not self.metrics or metric in self.metrics

    def as_json(self) -> dict:
        """Return the rule as stored and sent by the API."""
        rule: dict = {
            key: list(self.values(key)) for key in RULE_KEYS if self.values(key)
        }
        if self.days is None:
            rule["minutes"] = self.minutes
        else:
            rule.update(unit="working_days", days=self.days)
        return rule


@dataclass(frozen=True)
class Targets:
    """Ordered target rules (first match wins) and the default target."""

    rules: tuple[TargetRule, ...]
    default: float
    # The working days and hours a rule in working days counts (the
    # settings'; Mon–Fri 08–17 when None).
    working: WorkingTime | None = None
    # A default in working days (``default`` is then unused).
    default_days: float | None = None

    def as_json(self) -> dict:
        """Return the ``{"rules": [...], "default": minutes}`` form."""
        default = self.default
        if self.default_days is not None:
            default = {"unit": "working_days", "days": self.default_days}
        return {"rules": [r.as_json() for r in self.rules], "default": default}


def validate_targets(raw, *, known: Container[str] | None = TARGET_METRICS) -> Targets:
    """Return targets from ``{"rules": [...], "default": minutes}``, or raise.

    A rule's ``metric`` must be one of ``known`` (None: any name, for stored
    rules naming a custom interval since removed; they then serve nothing).
    """
    if not isinstance(raw, Mapping):
        raise SettingsError(
            'Targets must be an object: {"rules": [...], "default": 1440}.'
        )
    unknown = set(raw) - {"rules", "default"}
    if unknown:
        raise SettingsError(
            f"Unknown target setting {sorted(unknown)[0]!r}: use rules and default."
        )
    days = default_days(raw.get("default"))
    default = 1440
    if days is None:
        default = _minutes(raw.get("default", 1440), what="The default target")
    rules = raw.get("rules", [])
    if isinstance(rules, str | bytes | Mapping) or not isinstance(rules, Iterable):
        raise SettingsError("Target rules must be a list.")
    rules = list(rules)
    if len(rules) > MAX_RULES:
        raise SettingsError(f"Define at most {MAX_RULES} target rules.")
    return Targets(
        rules=tuple(_parse_rule(r, i, known) for i, r in enumerate(rules, start=1)),
        default=default,
        default_days=days,
    )


def read_stored_targets(raw) -> Targets:
    """Return stored targets, migrating the shapes of earlier versions.

    Rules by priority and patient class alone still judge every interval, as
    they did; a stored copy of the former defaults becomes today's defaults.
    """
    if isinstance(raw, Mapping) and raw.get("rules") == _FORMER_DEFAULT_RULES:
        return validate_targets({**raw, "rules": DEFAULT_TARGETS["rules"]})
    return validate_targets(raw, known=None)


def default_targets() -> Targets:
    """Return the defaults: report TAT 1 h ED/STAT, 4 h inpatient, 24 h outpatient."""
    return validate_targets(DEFAULT_TARGETS)


def _parse_rule(raw, position: int, known: Container[str] | None) -> TargetRule:
    if isinstance(raw, TargetRule):
        return raw
    if not isinstance(raw, Mapping):
        raise SettingsError(f"Target rule {position} must be an object.")
    unknown = set(raw) - {*RULE_KEYS, "minutes", "unit", "days"}
    if unknown:
        raise SettingsError(
            f"Target rule {position} has an unknown key {sorted(unknown)[0]!r}: "
            f"use minutes (or unit and days) and any of {', '.join(RULE_KEYS)}."
        )
    values = {
        key: _values(raw.get(key), what=f"{key} in target rule {position}")
        for key in RULE_KEYS
    }
    wrong = [m for m in values["metric"] if known is not None and m not in known]
    if wrong:
        raise SettingsError(
            f"Target rule {position} names an unknown interval {wrong[0]!r}: "
            f"use one of {', '.join(TARGET_METRICS)}."
        )
    days = rule_days(raw, position)
    minutes = 0
    if days is None:
        minutes = _minutes(raw.get("minutes"), what=f"The target of rule {position}")
    return TargetRule(
        minutes=minutes,
        days=days,
        priorities=values["priority"],
        patient_classes=values["patient_class"],
        modalities=values["modality"],
        metrics=values["metric"],
    )


def _values(raw, *, what: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple) or not all(
        isinstance(v, str) for v in items
    ):
        raise SettingsError(f"The {what} must be text or a list of text.")
    if any(len(v) > MAX_VALUE_LENGTH for v in items):
        raise SettingsError(
            f"The {what} has a value longer than {MAX_VALUE_LENGTH} characters."
        )
    return tuple(dict.fromkeys(v.strip() for v in items if v.strip()))


def _minutes(raw, *, what: str) -> float:
    ok = isinstance(raw, int | float) and not isinstance(raw, bool)
    if not ok or not math.isfinite(raw) or raw <= 0:
        raise SettingsError(
            f"{what} must be a positive number of minutes, got {raw!r}."
        )
    return int(raw) if float(raw).is_integer() else float(raw)


def target_columns(targets: Targets | None, metrics) -> tuple[str, ...]:
    """Return the columns ``exam_targets`` reads for ``metrics``.

    The rule fields, and each interval's start when a rule counts working
    days (its deadline runs from the start).
    """
    if targets is None or (
        targets.default_days is None and all(r.days is None for r in targets.rules)
    ):
        return (*TARGET_FIELDS, TARGET_KIND)
    starts = (fields.INTERVALS[m][0] for m in metrics)
    return (*TARGET_FIELDS, TARGET_KIND, *dict.fromkeys(starts))


def exam_targets(frame: pd.DataFrame, targets: Targets, *, metric: str) -> pd.Series:
    """Return each exam's target for ``metric``: first matching rule, else default."""
    serving = [r for r in targets.rules if r.serves(metric)]
    minutes = _first_match(
        frame,
        serving,
        values=[float(r.minutes) for r in serving],
        otherwise=float(targets.default),
    )
    days = [r.days for r in serving] + [targets.default_days]
    if any(d is not None for d in days):
        # The default is the last entry: position len(serving).
        rule = _first_match(
            frame, serving, values=list(range(len(serving))), otherwise=len(serving)
        )
        minutes = working_day_targets(
            frame,
            rule=rule,
            minutes=[float(r.minutes) for r in serving] + [float(targets.default)],
            days=days,
            working=targets.working or default_working_time(),
            start=fields.INTERVALS[metric][0],
        )
    return pd.Series(minutes, index=frame.index, name="target", copy=False)


def matched_rules(frame: pd.DataFrame, targets: Targets, *, metric: str) -> np.ndarray:
    """Return the position in ``targets.rules`` each exam meets first (-1: default)."""
    positions = [i for i, r in enumerate(targets.rules) if r.serves(metric)]
    rules = [targets.rules[i] for i in positions]
    return _first_match(frame, rules, values=positions, otherwise=-1)


def _first_match(
    frame: pd.DataFrame, rules: list[TargetRule], *, values: list, otherwise
) -> np.ndarray:
    # A kind is read with the three columns it was made of (prepare_frame
    # adds them all), whose categories a selection keeps.
    kinds = TARGET_KIND in frame and all(f in frame for f in TARGET_FIELDS)
    if kinds and kind_sizes(frame) is not None:
        # Decide once per kind, then look each exam's kind up.
        table = _match_each(
            kinds_table(frame), rules, values=values, otherwise=otherwise
        )
        return table.take(frame[TARGET_KIND].to_numpy())
    return _match_each(frame, rules, values=values, otherwise=otherwise)


def _match_each(
    frame: pd.DataFrame, rules: list[TargetRule], *, values: list, otherwise
) -> np.ndarray:
    # Per column, group the categories by which rules they satisfy: a handful
    # of classes whatever the number of distinct values, so the decision table
    # stays tiny and every exam is one flat lookup.
    classes, sizes, representatives = [], [], []
    for key, field in RULE_FIELDS.items():
        codes, matched = _match_classes(frame, field, [r.values(key) for r in rules])
        classes.append(codes)
        sizes.append(len(matched))
        representatives.append(matched)
    table = np.full(sizes, otherwise)
    # Apply in reverse so the first matching rule is written last and wins.
    for i in reversed(range(len(rules))):
        table[np.ix_(*(m[:, i] for m in representatives))] = values[i]
    index = np.ravel_multi_index(classes, sizes) if len(frame) else np.empty(0, int)
    return table.ravel().take(index)


def interval_targets(
    frame: pd.DataFrame, *, target: float | None, targets: Targets, metric: str
) -> pd.Series:
    """Return each exam's limit for ``metric``: ``target`` if given, else its own."""
    if target is not None:
        return pd.Series(float(target), index=frame.index, name="target")
    return exam_targets(frame, targets, metric=metric)


def common_target(
    frame: pd.DataFrame, targets: Targets, *, metric: str
) -> float | None:
    """Return the one target every exam has for ``metric``; None when they differ."""
    limits = exam_targets(frame, targets, metric=metric)
    if limits.empty:
        return None
    low, high = limits.min(), limits.max()
    return float(low) if low == high else None


def _match_classes(
    frame: pd.DataFrame, field: str, wanted: list[tuple[str, ...]]
) -> tuple[np.ndarray, np.ndarray]:
    """Return each exam's class code and the (class x rule) match matrix."""
    if field in frame:
        column = frame[field]
        if not isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype("category")
        labels = column.cat.categories.astype(str).str.strip().str.casefold()
        codes = column.cat.codes.to_numpy().astype(np.int64)
    else:
        labels = pd.Index([], dtype=str)
        codes = np.full(len(frame), -1, dtype=np.int64)
    # One row per category plus a last one for a missing value, which only
    # rules that do not care about this column match.
    matrix = np.ones((len(labels) + 1, len(wanted)), dtype=bool)
    for i, values in enumerate(wanted):
        if values:
            keys = {v.strip().casefold() for v in values}
            matrix[:, i] = np.append(labels.isin(keys), False)
    codes[codes < 0] = len(labels)
    if not wanted:
        return np.zeros(len(codes), dtype=np.int64), matrix[:1]
    unique, inverse = np.unique(matrix, axis=0, return_inverse=True)
    return inverse.reshape(-1)[codes], unique
