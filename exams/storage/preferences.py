"""User settings kept as ``Preference`` rows: shifts, targets, cancelled statuses.

Each getter returns validated values, or the defaults when the setting is
absent (or was stored in a shape this version cannot read, which is logged).
"""

import dataclasses
import logging
from collections.abc import Mapping

from django.db import transaction

from exams import fields
from exams.analysis.chain.custom_intervals import (
    CustomInterval,
    validate_custom_intervals,
)
from exams.analysis.frame.shifts import (
    SettingsError,
    Shift,
    default_shifts,
    validate_shifts,
)
from exams.analysis.frame.targets import (
    Targets,
    default_targets,
    read_stored_targets,
    validate_targets,
)
from exams.analysis.frame.working_time import (
    WorkingTime,
    default_working_time,
    validate_working_time,
)
from exams.models import Preference

log = logging.getLogger(__name__)

SHIFTS_KEY = "shifts"
TARGETS_KEY = "targets"
CANCELLED_KEY = "cancelled_statuses"
WORKING_TIME_KEY = "working_time"
CUSTOM_INTERVALS_KEY = "custom_intervals"
SETTING_KEYS = (
    SHIFTS_KEY,
    TARGETS_KEY,
    CANCELLED_KEY,
    WORKING_TIME_KEY,
    CUSTOM_INTERVALS_KEY,
)
# Read-only: what GET /api/settings flags (a POST may send it back; ignored).
WARNINGS_KEY = "warnings"
MAX_STATUSES = 100
MAX_STATUS_LENGTH = 60

__all__ = [
    "SettingsError",
    "get_cancelled_statuses",
    "get_custom_intervals",
    "get_settings",
    "get_shifts",
    "get_targets",
    "get_working_time",
    "save_settings",
    "validate_cancelled_statuses",
    "validate_settings",
]


def get_shifts() -> tuple[Shift, ...]:
    """Return the configured shifts (the 07–15–23 defaults when unset)."""
    return _read(SHIFTS_KEY, validate_shifts, default_shifts)


def get_targets() -> Targets:
    """Return the configured target rules (the defaults when unset).

    They carry the working time, which their rules in working days count.
    """
    targets = _read(TARGETS_KEY, read_stored_targets, default_targets)
    return dataclasses.replace(targets, working=get_working_time())


def get_cancelled_statuses() -> tuple[str, ...]:
    """Return the status values that mean an exam was cancelled."""
    return _read(
        CANCELLED_KEY,
        validate_cancelled_statuses,
        lambda: fields.DEFAULT_CANCELLED_STATUSES,
    )


def get_working_time() -> WorkingTime:
    """Return the working days, hours and holidays (Mon–Fri 08–17 when unset)."""
    return _read(WORKING_TIME_KEY, validate_working_time, default_working_time)


def get_custom_intervals() -> tuple[CustomInterval, ...]:
    """Return the user's named intervals (none when unset)."""
    return _read(CUSTOM_INTERVALS_KEY, validate_custom_intervals, tuple)


def get_settings() -> dict:
    """Return every setting in the JSON shape ``/api/settings`` uses.

    ``warnings`` is there only when a setting needs the user: a target rule
    naming an interval that no longer exists (it judges nothing).
    """
    targets, custom = get_targets(), get_custom_intervals()
    settings = {
        SHIFTS_KEY: [s.as_json() for s in get_shifts()],
        TARGETS_KEY: targets.as_json(),
        CANCELLED_KEY: list(get_cancelled_statuses()),
        WORKING_TIME_KEY: get_working_time().as_json(),
        CUSTOM_INTERVALS_KEY: [c.as_json() for c in custom],
    }
    warnings = stale_rules(targets, known={*fields.BUILT_IN, *(c.name for c in custom)})
    if warnings:
        settings[WARNINGS_KEY] = warnings
    return settings


def stale_rules(targets: Targets, *, known) -> list[dict]:
    """Return a warning per target rule naming an interval not in ``known``."""
    warnings = []
    for position, rule in enumerate(targets.rules, start=1):
        for name in rule.metrics:
            if name not in known:
                warnings.append(
                    {
                        "setting": TARGETS_KEY,
                        "rule": position,
                        "interval": name,
                        "text": f"Target rule {position} names the interval "
                        f"{name!r}, which no longer exists: it judges nothing. "
                        "Remove the rule (Settings, Turnaround targets).",
                    }
                )
    return warnings


def validate_settings(raw) -> dict:
    """Return the validated settings present in ``raw``; raise SettingsError."""
    if not isinstance(raw, Mapping):
        raise SettingsError(
            "Send a JSON object with shifts, targets and/or cancelled_statuses."
        )
    raw = {k: v for k, v in raw.items() if k != WARNINGS_KEY}
    unknown = sorted(set(raw) - set(SETTING_KEYS))
    if unknown:
        raise SettingsError(
            f"Unknown setting {unknown[0]!r}: use {', '.join(SETTING_KEYS)}."
        )
    # Target rules may name a custom interval: those sent with them, else
    # those saved.
    sent = raw.get(CUSTOM_INTERVALS_KEY)
    custom = get_custom_intervals() if sent is None else validate_custom_intervals(sent)
    if sent is not None and TARGETS_KEY not in raw:
        _refuse_to_orphan_rules(kept={c.name for c in custom})
    declared = [c.declared() for c in custom]
    with fields.custom_intervals_in_use(declared):
        return _validate_each(raw)


def _refuse_to_orphan_rules(*, kept: set[str]) -> None:
    """Raise when deleting custom intervals that saved target rules judge.

    Refused, not done quietly: the user removes (or changes) those rules
    first, knowing which targets go.
    """
    labels = {c.name: c.label for c in get_custom_intervals() if c.name not in kept}
    rules = get_targets().rules
    naming = [
        (position, name)
        for position, rule in enumerate(rules, start=1)
        for name in rule.metrics
        if name in labels
    ]
    if not naming:
        return
    numbers = sorted({position for position, _ in naming})
    names = dict.fromkeys(f"{labels[n]} ({n})" for _, n in naming)
    which = "rule" if len(numbers) == 1 else "rules"
    raise SettingsError(
        f"Target {which} {', '.join(map(str, numbers))} judge"
        f"{'s' if len(numbers) == 1 else ''} {' and '.join(names)}, which this "
        "would delete: remove or change those rules under Turnaround targets "
        "and save them first, then delete the interval."
    )


def _validate_each(raw: Mapping) -> dict:
    validators = {
        SHIFTS_KEY: lambda v: [s.as_json() for s in validate_shifts(v)],
        TARGETS_KEY: lambda v: validate_targets(v).as_json(),
        CANCELLED_KEY: lambda v: list(validate_cancelled_statuses(v)),
        WORKING_TIME_KEY: lambda v: validate_working_time(v).as_json(),
        CUSTOM_INTERVALS_KEY: lambda v: [
            c.as_json() for c in validate_custom_intervals(v)
        ],
    }
    return {key: validators[key](value) for key, value in raw.items()}


def save_settings(raw) -> dict:
    """Validate and store the settings in ``raw`` together; return what was saved.

    Nothing is stored when any of them is invalid.
    """
    clean = validate_settings(raw)
    with transaction.atomic():
        for key, value in clean.items():
            Preference.objects.update_or_create(key=key, defaults={"value": value})
    return clean


def validate_cancelled_statuses(raw) -> tuple[str, ...]:
    """Return trimmed, distinct status values (case ignored); raise if unusable."""
    if not isinstance(raw, list | tuple) or not all(isinstance(v, str) for v in raw):
        raise SettingsError("Cancelled statuses must be a list of text values.")
    values = {}
    for value in raw:
        value = value.strip()
        if len(value) > MAX_STATUS_LENGTH:
            raise SettingsError(
                f"The cancelled status {value[:20]!r}… is longer than "
                f"{MAX_STATUS_LENGTH} characters."
            )
        if value:
            values.setdefault(value.casefold(), value)
    if len(values) > MAX_STATUSES:
        raise SettingsError(f"List at most {MAX_STATUSES} cancelled statuses.")
    return tuple(values.values())


def _read(key: str, validate, default):
    row = Preference.objects.filter(key=key).first()
    if row is None:
        return default()
    try:
        return validate(row.value)
    except SettingsError as exc:
        log.warning("Ignoring the stored %s setting: %s", key, exc)
        return default()
