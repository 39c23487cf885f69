"""Target rules put for a person: a rule in words, and the common kinds of
exam with the target each gets (the Settings page's examples, the report)."""

import pandas as pd

from exams import fields
from exams.analysis.frame.targets import (
    TARGET_FIELDS,
    TargetRule,
    Targets,
    matched_rules,
)


def describe_rule(rule: TargetRule) -> str:
    """Return a rule in words: ``CT, ED, report TAT: 60 min``."""
    metric_words = [
        fields.METRIC_LABELS.get(m, m.replace("_", " ")) for m in rule.metrics
    ]
    parts = [
        " / ".join(values)
        for values in (
            rule.modalities,
            rule.priorities,
            rule.patient_classes,
            tuple(metric_words),
        )
        if values
    ]
    who = ", ".join(parts) or "every exam"
    if rule.days is not None:
        return f"{who}: {rule.days:g} working day{'' if rule.days == 1 else 's'}"
    return f"{who}: {rule.minutes:g} min"


def example_targets(
    frame: pd.DataFrame, targets: Targets, *, limit: int = 6
) -> list[dict]:
    """Return the most common kinds of exam with their target on each interval.

    A kind is a (modality, priority, patient class) combination; each entry
    has those values, ``exams`` (how many) and ``targets``: per interval the
    ``minutes`` and the ``rule`` (1-based position, None for the default).
    """
    columns = [f for f in TARGET_FIELDS if f in frame]
    if frame.empty or not columns:
        return []
    kinds = (
        frame.groupby(columns, observed=True, dropna=False, sort=False)
        .size()
        .sort_values(ascending=False, kind="stable")
        .head(limit)
    )
    examples = kinds.index.to_frame(index=False)
    for field in TARGET_FIELDS:
        if field not in examples:
            examples[field] = None
    result = []
    rules = {m: matched_rules(examples, targets, metric=m) for m in fields.INTERVALS}
    for row, count in enumerate(kinds.to_numpy()):
        values = {
            f: None if pd.isna(examples[f].iloc[row]) else str(examples[f].iloc[row])
            for f in TARGET_FIELDS
        }
        per_interval = {}
        for metric, matched in rules.items():
            position = int(matched[row])
            rule = targets.rules[position] if position >= 0 else None
            per_interval[metric] = {
                "minutes": rule.minutes if rule else targets.default,
                "rule": position + 1 if rule else None,
                "days": rule.days if rule else targets.default_days,
            }
        result.append({**values, "exams": int(count), "targets": per_interval})
    return result
