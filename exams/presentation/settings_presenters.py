"""The Settings page's targets table and example exams, in a manager's words.

Each select offers "any" and the values of the current data set; a value a
rule names that the data set lacks stays offered (and selected), marked so.
A rule naming several values (``["ED", "Emergency"]``) is one option.
Option values are JSON lists, which settings.js sends back as they are.
"""

import json
from collections.abc import Mapping, Sequence

from exams import fields
from exams.analysis.frame.target_words import describe_rule, example_targets
from exams.analysis.frame.targets import TARGET_METRICS, Targets
from exams.presentation.formats import format_minutes

INTERVAL_NAMES = fields.INTERVAL_LABELS
UNIT_CHOICES = [("minutes", "clock time"), ("working_days", "working days")]
# Rule key -> (column heading, key of /api/options with the data set's values).
COLUMNS = {
    "modality": ("Modality", "modalities"),
    "priority": ("Priority", "priorities"),
    "patient_class": ("Patient class", "patient_classes"),
    "metric": ("Interval", None),
}


def target_table(targets: Targets, *, options: Mapping | None) -> dict:
    """Return the rows, the blank row and the default of the targets table."""
    present = {
        key: list((options or {}).get(source, ())) if source else list(TARGET_METRICS)
        for key, (_, source) in COLUMNS.items()
    }
    rows = [
        {
            "cells": [_select(key, rule.values(key), present[key]) for key in COLUMNS],
            **_hours_minutes(rule.minutes),
            "unit": rule.unit,
            "days": "1" if rule.days is None else f"{rule.days:g}",
            "words": describe_rule(rule),
            # Intervals since deleted: the rule judges nothing (said, not hidden).
            "gone": [m for m in rule.metrics if m not in TARGET_METRICS],
        }
        for rule in targets.rules
    ]
    return {
        "headings": [heading for heading, _ in COLUMNS.values()],
        "rows": rows,
        "gone_rules": [i for i, row in enumerate(rows, start=1) if row["gone"]],
        "blank": [_select(key, (), present[key]) for key in COLUMNS],
        "default": {
            **_hours_minutes(targets.default),
            "unit": "minutes" if targets.default_days is None else "working_days",
            "days": f"{targets.default_days or 1:g}",
        },
        "unit_choices": UNIT_CHOICES,
    }


def example_rows(frame, targets: Targets, *, metrics: Sequence[str]) -> list[dict]:
    """Return the commonest kinds of exam with their target per interval."""
    rows = []
    for example in example_targets(frame, targets):
        cells = []
        for metric in metrics:
            found = example["targets"][metric]
            rule = found["rule"]
            days = found.get("days")
            cells.append(
                {
                    "text": format_minutes(found["minutes"])
                    if days is None
                    else f"{days:g} working day{'' if days == 1 else 's'}",
                    "source": f"rule {rule}" if rule else "default",
                }
            )
        rows.append(
            {
                "kind": [
                    example[f] or "(blank)"
                    for f in (fields.MODALITY, fields.PRIORITY, fields.PATIENT_CLASS)
                ],
                "exams": f"{example['exams']:,}",
                "cells": cells,
            }
        )
    return rows


def interval_headings(metrics: Sequence[str]) -> list[str]:
    """Return the names of the intervals the examples show."""
    return [INTERVAL_NAMES[m] for m in metrics]


def _select(key: str, chosen: tuple[str, ...], present: list[str]) -> dict:
    label = COLUMNS[key][0]
    choices = [{"value": "", "label": f"Any {label.lower()}", "selected": not chosen}]
    folded = {v.casefold() for v in chosen}
    matched = False
    for value in present:
        selected = len(chosen) == 1 and value.casefold() in folded
        matched |= selected
        choices.append(
            {
                "value": json.dumps([value]),
                "label": _name(key, value),
                "selected": selected,
            }
        )
    if chosen and not matched:
        words = " or ".join(_name(key, v) for v in chosen)
        absent = not any(v.casefold() in folded for v in present)
        why = " (no longer exists)" if key == "metric" else " (not in this data set)"
        choices.insert(
            1,
            {
                "value": json.dumps(list(chosen)),
                "label": words + (why if absent else ""),
                "selected": True,
            },
        )
    return {"name": key, "label": label, "choices": choices}


def _name(key: str, value: str) -> str:
    return INTERVAL_NAMES.get(value, value) if key == "metric" else value


def _hours_minutes(minutes: float) -> dict:
    hours = int(minutes // 60)
    rest = minutes - hours * 60
    return {"hours": hours, "minutes": f"{rest:g}"}
