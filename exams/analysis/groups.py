"""Groups for splits and summaries: integer codes, names and display order."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from exams import fields

# Shifts keep their configured order; other groups are sorted by name.
_CONFIGURED_ORDER = (fields.SHIFT, fields.ORDERED_SHIFT)


@dataclass(frozen=True)
class Groups:
    """Group code of every exam (0…len(names)-1) and the names in code order."""

    codes: np.ndarray
    names: tuple[str, ...]
    column: str | None


def group_column(split: str, *, time_field: str = fields.COMPLETED_AT) -> str | None:
    """Return the column a split groups on (None for ``none``).

    A shift split reads the shift of the side's own time (docs/API.md).
    """
    if split == "none":
        return None
    if split == "shift":
        return fields.TIME_AXES[time_field]["shift"]
    return fields.SPLIT_FIELDS[split]


def group_codes(
    frame: pd.DataFrame, *, column: str | None, categories: pd.Index | None = None
) -> Groups:
    """Return the groups of a frame; empty values form the ``(blank)`` group.

    ``categories`` recodes the column onto a shared set of names, so two
    sides of ``complete_ratio`` line up.
    """
    if column is None:
        return Groups(np.zeros(len(frame), dtype=np.intp), (fields.ALL_GROUP,), None)
    values = frame[column]
    if not isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype("category")
    if categories is not None and not values.cat.categories.equals(categories):
        values = values.cat.set_categories(categories)
    names = (*values.cat.categories.astype(str).tolist(), fields.BLANK_GROUP)
    codes = values.cat.codes.to_numpy().astype(np.intp)
    codes[codes < 0] = len(names) - 1
    return Groups(codes, names, column)


def shared_categories(frames: list[pd.DataFrame], columns: list[str]) -> pd.Index:
    """Return the union of the categories of several columns, first seen first."""
    seen: dict = {}
    for frame, column in zip(frames, columns, strict=True):
        values = frame[column]
        if not isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype("category")
        seen.update(dict.fromkeys(values.cat.categories))
    return pd.Index(list(seen))


def display_order(names: tuple[str, ...], present: np.ndarray, *, column) -> np.ndarray:
    """Return the codes of present groups in display order, ``(blank)`` last."""
    codes = np.flatnonzero(present)
    blank = len(names) - 1
    if column not in _CONFIGURED_ORDER:
        codes = np.array(
            sorted(codes.tolist(), key=lambda c: (c == blank, names[c].casefold())),
            dtype=np.intp,
        )
    return codes


def largest_first(groups: Groups) -> list[int]:
    """Return the codes of the groups present, largest first, ties by name."""
    sizes = np.bincount(groups.codes, minlength=len(groups.names))
    present = np.flatnonzero(sizes)
    return sorted(present.tolist(), key=lambda c: (-sizes[c], groups.names[c]))
