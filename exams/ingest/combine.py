"""Combine several loaded exports (e.g. monthly files) into one data set.

Exports are taken in as they are read (`Combination.add`) and combined once
the last is in: 120 monthly files of 10M exams hold each file's rows once,
never beside a combined copy of all of them (each column is stacked and its
files' parts let go before the next column).
"""

import copy
import dataclasses
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import union_categoricals

from exams import fields
from exams.ingest.load import IngestResult, empty_frame
from exams.ingest.quality import quality_report
from exams.ingest.values.clean import (
    _MAX_FILLED,
    _NAT,
    completeness,
    drop_unused_categories,
)
from exams.ingest.values.spelling import SPELLING_FIELDS, add_counts, merge_spellings
from tatviz import process


def _stack_column(
    name: str, parts: list[dict[str, pd.Series]], rows: Sequence[np.ndarray]
) -> pd.Series:
    """Return column ``name`` of each file's kept ``rows``, one under the other.

    Each file's part is taken out of ``parts`` as it is used, so the column's
    memory moves into the result instead of doubling. Categoricals stay
    categorical; a file without the column gives empty values.
    """
    pieces = []
    for part, taken in zip(parts, rows, strict=True):
        column = part.pop(name, None)
        if column is None:
            pieces.append(pd.Series([None] * len(taken)))
        elif len(taken) == len(column):
            pieces.append(column.reset_index(drop=True))
        else:
            pieces.append(column.take(taken).reset_index(drop=True))
        del column
    if all(isinstance(p.dtype, pd.CategoricalDtype) for p in pieces):
        # union_categoricals needs one dtype of categories.
        pieces = [p.cat.set_categories(p.cat.categories.astype(str)) for p in pieces]
        return pd.Series(union_categoricals(pieces, ignore_order=True))
    return pd.concat(pieces, ignore_index=True)


def _flags(result: IngestResult) -> pd.DataFrame:
    if result.unparseable is not None:
        return result.unparseable
    return pd.DataFrame(index=range(len(result.frame)))


def _stack_flags(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    stacked = pd.concat(parts, ignore_index=True)
    return stacked.fillna(False).astype(bool)


def _accession(frame: pd.DataFrame) -> list[pa.Array]:
    """Return the accessions as Arrow arrays (a file read in blocks has several)."""
    values = pa.array(frame[fields.ACCESSION].astype("string[pyarrow]").array)
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    return [c.cast(pa.large_string()) for c in chunks]


def _final_time(frame: pd.DataFrame) -> np.ndarray:
    final = frame[fields.FINALIZED_AT].to_numpy(dtype="datetime64[ns]")
    return final.view(np.int64)


def _file_entry(result: IngestResult, *, rows: int, added: int, replaced: int) -> dict:
    return {
        "filename": result.filename,
        "rows_read": result.rows_read,
        "added": added,
        "replaced": replaced,
        "skipped": rows - added - replaced,
    }


_FNV_OFFSET, _FNV_PRIME = np.uint64(14695981039346656037), np.uint64(1099511628211)
_HASH_SLICE = 1 << 20


def _accession_hashes(accession: pa.Array) -> np.ndarray:
    """Return a 64-bit hash (FNV-1a) of each accession's bytes; null: any value.

    Vectorised over the Arrow buffers one byte position at a time, a slice
    of rows at a time: no Python string per row (pandas' own hash makes
    one, ~70 bytes a row: 0.7 GB at 10M exams).
    """
    accession = accession.cast(pa.large_string())
    hashes = np.empty(len(accession), dtype=np.uint64)
    for start in range(0, len(accession), _HASH_SLICE):
        part = accession.slice(start, _HASH_SLICE)
        _, offsets, data = part.buffers()
        ends = np.frombuffer(
            offsets, dtype=np.int64, count=len(part) + 1, offset=part.offset * 8
        )
        data = np.frombuffer(data, dtype=np.uint8) if data else np.zeros(0, np.uint8)
        firsts, lengths = ends[:-1], np.diff(ends)
        out = np.full(len(part), _FNV_OFFSET) ^ lengths.astype(np.uint64)
        rows, at = np.flatnonzero(lengths > 0), 0
        while rows.size:
            out[rows] = (out[rows] ^ data[firsts[rows] + at]) * _FNV_PRIME
            at += 1
            rows = rows[lengths[rows] > at]
        hashes[start : start + len(part)] = out
    return hashes


def _repeated(
    accession: pa.ChunkedArray, *, hashes: np.ndarray, keyed: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return the positions of accessions in several rows, and a code for each.

    Hashes find the few rows whose accession may repeat; only those are
    told apart by value (Arrow's dictionary encoding), which over every
    row of 10M exams needs a hash table of ~1 GB. Equal accessions have
    equal hashes, so a collision only adds a row that is then found alone.
    """
    ordered = hashes[keyed]
    ordered.sort()
    shared = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    del ordered
    none = np.zeros(0, dtype=np.int64)
    if not shared.size:
        return none, none
    at = np.minimum(np.searchsorted(shared, hashes), shared.size - 1)
    rows = np.flatnonzero(keyed & (shared[at] == hashes))
    del at
    encoded = pc.dictionary_encode(accession.take(pa.array(rows)))
    codes = np.concatenate(
        [none] + [c.indices.to_numpy(zero_copy_only=False) for c in encoded.chunks]
    ).astype(np.int64)
    repeats = np.bincount(codes)[codes] > 1
    return rows[repeats], codes[repeats]


def _winners(
    accession: pa.ChunkedArray,
    *,
    hashes: np.ndarray,
    filled: np.ndarray,
    finalized: Callable[[np.ndarray], np.ndarray],
    identity: Callable[[np.ndarray], pd.DataFrame],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the kept positions, and masks of rows added and rows replacing.

    Rows are in file order and each file has an accession once. The rule
    (`clean.rows_to_keep`) is a total order: most complete, earliest final
    time (``finalized(positions)``), earliest file and row; so per accession
    the best row over every file is the one adding the files one by one
    keeps. A row is ``added`` when its accession is new (or it has none and
    is kept), ``replacing`` when it beats every earlier file's row of its
    accession. Only accessions in several files are ranked (a few percent
    of the rows); rows without one are dropped only as exact repeats, on
    ``identity(positions)``.
    """
    keyed = np.asarray(pc.is_valid(accession).to_numpy(zero_copy_only=False))
    rows, groups = _repeated(accession, hashes=hashes, keyed=keyed)
    keep = np.ones(len(keyed), dtype=bool)
    added = keyed.copy()
    replacing = np.zeros(len(keyed), dtype=bool)
    if rows.size:
        final = finalized(rows)
        final[final == _NAT] = np.iinfo(np.int64).max  # missing sorts last
        emptier = _MAX_FILLED - np.minimum(filled[rows], _MAX_FILLED)
        rank = np.empty(rows.size, dtype=np.int64)
        rank[np.lexsort((rows, final, emptier))] = np.arange(rows.size)
        order = np.argsort(groups, kind="stable")  # by accession, then file
        groups, rank = groups[order], rank[order]
        starts = np.ones(rows.size, dtype=bool)
        starts[1:] = groups[1:] != groups[:-1]
        # Running minimum within each accession: later accessions get smaller
        # offsets, so a minimum never reaches back into the one before.
        offset = (groups.max() - groups) * (rows.size + 1) + rank
        best = np.minimum.accumulate(offset)
        wins = np.zeros(rows.size, dtype=bool)
        wins[1:] = ~starts[1:] & (offset[1:] < best[:-1])
        # Each accession's last improvement is its best row: the one kept.
        improved = np.flatnonzero(starts | wins)
        last = np.ones(improved.size, dtype=bool)
        last[:-1] = groups[improved[1:]] != groups[improved[:-1]]
        keep[rows] = False
        keep[rows[order[improved[last]]]] = True
        added[rows] = False
        added[rows[order[starts]]] = True
        replacing[rows[order[wins]]] = True
    loose = np.flatnonzero(~keyed)
    if loose.size > 1:
        keep[loose[identity(loose).duplicated().to_numpy()]] = False
    added |= keep & ~keyed
    return np.flatnonzero(keep), added, replacing


class Combination:
    """Exports taken in one at a time, in order, and combined at the end.

    `add` keeps a file's rows and what the combination needs of them, and
    returns the file's result without its rows: a caller keeping the
    results for their names and notes does not keep every file's frame.
    """

    def __init__(self) -> None:
        self._results: list[IngestResult] = []
        self._frames: list[pd.DataFrame] = []
        self._flags: list[pd.DataFrame] = []
        self._accession: list[pa.Array] = []
        self._filled: list[np.ndarray] = []

    def add(self, result: IngestResult) -> IngestResult:
        """Take in the next export; return its result without the rows."""
        frame = result.frame.reset_index(drop=True)
        self._frames.append(frame)
        self._flags.append(_flags(result))
        self._accession.extend(_accession(frame))
        # At most 63 fields (`_MAX_FILLED`): a byte a row, not eight.
        self._filled.append(completeness(frame).astype(np.int8))
        light = dataclasses.replace(
            result, frame=result.frame.iloc[:0].copy(), unparseable=None
        )
        self._results.append(light)
        return light

    def finish(self) -> tuple[pd.DataFrame, list[dict], dict]:
        """Return the combined frame, the per-file report and the quality."""
        results = self._results
        if len(results) == 1:
            frame, flags = self._frames[0], self._flags[0]
            files = [
                _file_entry(results[0], rows=len(frame), added=len(frame), replaced=0)
            ]
        elif results:
            frame, flags, files = self._combine()
        else:
            frame, flags, files = None, pd.DataFrame(), []
        self._frames, self._flags = [], []
        combined = _report(results, frame, flags=flags, files=files)
        process.give_back()
        return combined

    def _combine(self) -> tuple[pd.DataFrame, pd.DataFrame, list[dict]]:
        frames, results = self._frames, self._results
        sizes = [len(f) for f in frames]
        bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        present = [f for f in fields.CANONICAL_FIELDS if f in frames[0].columns]

        def identity(positions: np.ndarray) -> pd.DataFrame:
            # Categories differ between files; compare values, not codes.
            parts = [
                frames[i].iloc[positions[(positions >= a) & (positions < b)] - a]
                for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True))
            ]
            return pd.concat(
                [p[present].astype(object) for p in parts], ignore_index=True
            )

        def finalized(positions: np.ndarray) -> np.ndarray:
            cuts = np.searchsorted(positions, bounds)
            return np.concatenate(
                [np.zeros(0, dtype=np.int64)]
                + [
                    _final_time(frame)[positions[c:d] - a]
                    for frame, c, d, a in zip(
                        frames, cuts[:-1], cuts[1:], bounds[:-1], strict=True
                    )
                ]
            )

        keep, added, replacing = _winners(
            pa.chunked_array(self._accession, type=pa.large_string()),
            hashes=np.concatenate(
                [np.zeros(0, dtype=np.uint64)]
                + [_accession_hashes(a) for a in self._accession]
            ),
            filled=np.concatenate(self._filled),
            finalized=finalized,
            identity=identity,
        )
        self._accession, self._filled = [], []
        # Each file's columns are small enough to live in glibc's heap, and
        # freed they stay with the process: at 10M exams ~1 GB still counted
        # while the combined and prepared frames are made. Handed back here,
        # after choosing the rows, after each stacked column and at the end.
        process.give_back()
        files = [
            _file_entry(
                r,
                rows=n,
                added=int(np.count_nonzero(added[a:b])),
                replaced=int(np.count_nonzero(replacing[a:b])),
            )
            for r, n, a, b in zip(results, sizes, bounds[:-1], bounds[1:], strict=True)
        ]
        del added, replacing
        cuts = np.searchsorted(keep, bounds)
        taken = [
            keep[c:d] - a
            for c, d, a in zip(cuts[:-1], cuts[1:], bounds[:-1], strict=True)
        ]
        columns = list(dict.fromkeys(c for f in frames for c in f.columns))
        # Columns, not frames, from here: each goes once it is stacked.
        parts = [dict(f.items()) for f in frames]
        frames.clear()
        stacked = {}
        for name in columns:
            stacked[name] = _stack_column(name, parts, taken)
            process.give_back()
        combined = pd.DataFrame(stacked, copy=False)
        flags = _stack_flags(self._flags).take(keep).reset_index(drop=True)
        return combined, flags, files


def _report(
    results: Sequence[IngestResult],
    combined: pd.DataFrame | None,
    *,
    flags: pd.DataFrame,
    files: list[dict],
) -> tuple[pd.DataFrame, list[dict], dict]:
    """Return the frame with spellings merged, the files and the quality."""
    combined = empty_frame() if combined is None else drop_unused_categories(combined)
    mapped = {f for r in results for f in r.columns}
    combined, merged, _ = merge_spellings(
        combined,
        names=[f for f in SPELLING_FIELDS if f in mapped],
        counts=add_counts(r.spellings for r in results),
    )
    if len(results) == 1:
        # One file: the same rows, flags and counts its own report was made
        # of (dropping unused categories or merging spellings again changes
        # no count), so it is not worked out a second time.
        return combined, files, copy.deepcopy(results[0].quality)
    incoming_rows = sum(f["added"] + f["replaced"] + f["skipped"] for f in files)
    quality = quality_report(
        combined,
        mapped=mapped,
        unparseable=flags,
        duplicates=sum(r.quality["duplicates"] for r in results)
        + incoming_rows
        - len(combined),
        cancelled=sum(r.quality["cancelled"] for r in results),
        date_only={f for r in results for f in r.date_only},
        merged=merged,
        undecodable_bytes=sum(r.quality.get("undecodable_bytes", 0) for r in results),
    )
    return combined, files, quality


def combine_exports(
    results: Sequence[IngestResult],
) -> tuple[pd.DataFrame, list[dict], dict]:
    """Return the combined canonical frame, a per-file report and the quality.

    Files are taken in order. Across files an accession appears once: the
    rule of `clean.rows_to_keep` picks the row (most complete, then earliest final
    time, then the one loaded first), so a later export that now has the
    final time replaces the pending row, and the same file twice adds
    nothing. Each file reports ``added`` (new exams), ``replaced`` (rows that
    displaced an earlier file's row) and ``skipped`` (rows an earlier file
    already had as complete). The quality is recounted over the result;
    ``duplicates`` adds the files' own duplicates to those across files.
    Spellings are merged again across files (`spelling`: "STAT" in one file
    and "Stat" in the next are one value), and a field date-only in any
    file is date-only in the result (`chain`). `Combination` does the same
    for files taken in as they are read.
    """
    combination = Combination()
    for result in results:
        combination.add(result)
    return combination.finish()
