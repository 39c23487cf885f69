"""Groups for splits and summaries: integer codes, names and display order."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from exams import fields

# Shifts keep their configured order (and weekday comes before weekend);
# other groups are sorted by name.
_CONFIGURED_ORDER = tuple(
    axis[d.axis]
    for d in fields.DIMENSIONS
    if d.axis
    for axis in fields.TIME_AXES.values()
)


@dataclass(frozen=True)
class Groups:
    """Group code of every exam (0…len(names)-1) and the names in code order."""

    codes: np.ndarray
    names: tuple[str, ...]
    column: str | None


def group_column(split: str, *, time_field: str = fields.COMPLETED_AT) -> str | None:
    """Return the column a split groups on (None for ``none``).

    A shift (or weekday/weekend) split reads the shift of the side's own
    time (docs/API.md).
    """
    if split == "none":
        return None
    dimension = fields.DIMENSION_BY_KEY[split]
    if dimension.axis:
        return fields.TIME_AXES[time_field][dimension.axis]
    return dimension.column


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


def cross_codes(frame: pd.DataFrame, *, columns: list[str]) -> "CrossGroups":
    """Return each exam's combination of groups of several columns.

    Code = the first column's code × the second's size + the second's code
    (and so on); ``order`` lists every code in display order (the first
    column's order, then the next within it).
    """
    parts = [group_codes(frame, column=column) for column in columns]
    codes = np.zeros(len(frame), dtype=np.intp)
    rank = np.zeros(1, dtype=np.intp)
    for part in parts:
        size = len(part.names)
        codes = codes * size + part.codes
        every = display_order(part.names, np.ones(size, bool), column=part.column)
        place = np.empty(size, dtype=np.intp)
        place[every] = np.arange(size)
        rank = (rank[:, None] * size + place[None, :]).ravel()
    return CrossGroups(codes, tuple(p.names for p in parts), np.argsort(rank))


@dataclass(frozen=True)
class CrossGroups:
    """Combination code of every exam, each part's names and the display order."""

    codes: np.ndarray
    names: tuple[tuple[str, ...], ...]
    order: np.ndarray

    @property
    def size(self) -> int:
        """Return the number of possible combinations."""
        return int(np.prod([len(n) for n in self.names]))

    def group(self, code: int) -> list[str]:
        """Return the names of one combination, in the order of the columns."""
        names = []
        for part in reversed(self.names):
            code, index = divmod(int(code), len(part))
            names.append(part[index])
        return names[::-1]
