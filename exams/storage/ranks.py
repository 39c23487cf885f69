"""Each interval's ranks, kept on disk beside the data set's cache.

A prepared frame carries every interval's rank among its valid values
(`exams.analysis.frame.prepare.RANK_COLUMNS`): most of the time of preparing
a frame (10M exams: ~3 s of ~5 s). They depend only on the interval minutes
in the cache, so they are written once, beside the cache and named after
it (``<cache>.ranks.parquet``), when the data set is read or, for a data
set cached before (or whose cache was rebuilt), when it is first
prepared again; a start then reads them instead of sorting every interval.
A cache rebuilt from the same exports under the same name keeps its ranks:
they pass the check below when its minutes are the same.

The file belongs to its cache: a change writes a new cache under a new
name, and the journal, housekeeping and the Data page's size on disk count
both files (`exams.storage.journal.cache_files`). A ranks file that is
missing, unreadable (its pages are checksummed), or does not hold true
ranks of the cache's minutes (checked: each valid exam ranked once, in
ascending order) is ignored and the ranks computed as before.
"""

import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from exams.analysis import parallel
from exams.analysis.frame.prepare import RANK_COLUMNS
from exams.storage.journal import cache_files
from exams.storage.uploads import PARTIAL_SUFFIX

log = logging.getLogger(__name__)
_ROW_GROUP = 131_072


def ranks_path(cache_path: Path) -> Path | None:
    """Return where the ranks of the cache at ``cache_path`` are kept."""
    names = cache_files(cache_path.name)
    return cache_path.with_name(names[1]) if names else None


def rank_columns(prepared: pd.DataFrame) -> list[str]:
    """Return the rank columns a prepared frame has."""
    return [c for c in RANK_COLUMNS.values() if c in prepared]


def save(prepared: pd.DataFrame, cache_path: Path) -> None:
    """Write the prepared frame's rank columns beside its cache (atomically).

    A failure to write (disk full, read-only) is logged, never raised: the
    ranks are only a shortcut, the data set is whole without them.
    """
    columns = rank_columns(prepared)
    path = ranks_path(cache_path)
    if not columns or path is None:
        return
    partial = path.with_name(path.name + PARTIAL_SUFFIX)
    table = pa.table({c: prepared[c].to_numpy() for c in columns})
    try:
        # Ranks are nearly all distinct: no dictionary, no compression; small
        # row groups, so the writer holds little at once (its default of 1M
        # rows held 20 MB at 1M exams).
        pq.write_table(
            table,
            partial,
            row_group_size=_ROW_GROUP,
            compression="none",
            use_dictionary=False,
            write_statistics=False,
            write_page_checksum=True,
        )
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        log.warning("Could not keep the ranks beside %s (%s)", cache_path.name, exc)


def load(cache_path: Path, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Return the kept ranks that fit ``frame`` (read from that cache), by column.

    Empty when there is no ranks file or it cannot be read; a column that
    does not fit the frame's minutes is left out (computed again).
    """
    path = ranks_path(cache_path)
    if path is None or not path.is_file():
        return {}
    try:
        names = pq.ParquetFile(path).schema_arrow.names
    except (OSError, pa.ArrowException) as exc:
        log.warning("Ignoring the ranks beside %s (%s)", cache_path.name, exc)
        return {}

    def checked(item: tuple[str, str]) -> tuple[str, np.ndarray | None]:
        interval, column = item
        try:
            ranks = _read_column(path, column)
        except (OSError, pa.ArrowException) as exc:
            log.warning("Ignoring the ranks beside %s (%s)", cache_path.name, exc)
            return column, None
        minutes = frame[interval].to_numpy(dtype=np.float64, na_value=np.nan)
        return column, ranks if _fits(ranks, minutes) else None

    kept = [
        (interval, column)
        for interval, column in RANK_COLUMNS.items()
        if column in names and interval in frame
    ]
    # Each interval checked on its own, two at a time at 10M (`parallel`).
    found = parallel.each(checked, kept, rows=len(frame))
    return {column: ranks for column, ranks in found if ranks is not None}


def _read_column(path: Path, column: str) -> np.ndarray:
    """Return one column of ranks as an array numpy owns, its pages checked.

    Read a column at a time and copied out of Arrow's memory: ranks left in
    Arrow's pool made the first summaries over them ~0.3 s slower at 10M
    exams, and the whole file read at once held every column twice.
    """
    table = pq.read_table(path, columns=[column], page_checksum_verification=True)
    chunks = [chunk.to_numpy() for chunk in table.column(0).chunks]
    return np.concatenate(chunks) if chunks else np.empty(0, dtype=np.int32)


def _fits(ranks: np.ndarray, minutes: np.ndarray) -> bool:
    """Return True when ``ranks`` are ranks of ``minutes`` (``rank_values``').

    One rank per exam, -1 exactly where the minutes are not valid (< 0 or
    missing), the valid exams' ranks each of 0 … count - 1 once, and their
    minutes ascending in that order: then every quantile read by rank is
    the one a sort would give, whichever way ties were ranked.
    """
    if ranks.dtype != np.int32 or len(ranks) != len(minutes):
        return False
    valid = minutes >= 0
    if not np.array_equal(ranks >= 0, valid) or np.any(ranks < -1):
        return False
    at = ranks[valid]
    if not len(at):
        return True
    if int(at.max()) != len(at) - 1:
        return False
    # Each valid exam's minutes put at its rank: as many ranks as places,
    # none above the last, so a place left empty (NaN) means a rank given
    # twice. One scattered pass, then one in order.
    in_order = np.full(len(at), np.nan)
    in_order[at] = minutes[valid]
    return not np.isnan(in_order).any() and bool(np.all(in_order[1:] >= in_order[:-1]))
