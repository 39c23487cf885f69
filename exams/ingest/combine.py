"""Combine several loaded exports (e.g. monthly files) into one data set."""

import copy
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api.types import union_categoricals

from exams import fields
from exams.ingest.clean import completeness, drop_unused_categories, rows_to_keep
from exams.ingest.load import IngestResult, empty_frame
from exams.ingest.quality import quality_report
from exams.ingest.spelling import SPELLING_FIELDS, add_counts, merge_spellings


def stack_frames(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Return the frames one under the other, categoricals kept categorical."""
    columns = list(dict.fromkeys(c for f in frames for c in f.columns))
    data = {}
    for name in columns:
        parts = [f[name] for f in frames if name in f.columns]
        if len(parts) == len(frames) and all(
            isinstance(p.dtype, pd.CategoricalDtype) for p in parts
        ):
            # union_categoricals needs one dtype of categories.
            parts = [p.cat.set_categories(p.cat.categories.astype(str)) for p in parts]
            data[name] = pd.Series(union_categoricals(parts, ignore_order=True))
        else:
            data[name] = pd.concat(
                [
                    f[name] if name in f.columns else pd.Series([None] * len(f))
                    for f in frames
                ],
                ignore_index=True,
            )
    return pd.DataFrame(data)


def _flags(result: IngestResult) -> pd.DataFrame:
    if result.unparseable is not None:
        return result.unparseable
    return pd.DataFrame(index=range(len(result.frame)))


def _stack_flags(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    stacked = pd.concat(parts, ignore_index=True)
    return stacked.fillna(False).astype(bool)


def _accession(frame: pd.DataFrame) -> pa.Array:
    return pa.array(frame[fields.ACCESSION].astype("string[pyarrow]").array)


def _final_time(frame: pd.DataFrame) -> np.ndarray:
    final = frame[fields.FINALIZED_AT].to_numpy(dtype="datetime64[ns]")
    return final.view(np.int64)


def _rows_to_keep(combined: pd.DataFrame, incoming: pd.DataFrame) -> np.ndarray:
    """Return positions (combined first, then incoming) that survive together."""
    before = len(combined)
    present = [f for f in fields.CANONICAL_FIELDS if f in combined.columns]

    def identity(positions: np.ndarray) -> pd.DataFrame:
        old, new = positions[positions < before], positions[positions >= before]
        parts = [combined.iloc[old][present], incoming.iloc[new - before][present]]
        # Categories differ between files; compare values, not codes.
        return pd.concat([p.astype(object) for p in parts], ignore_index=True)

    return rows_to_keep(
        accession=pa.chunked_array([_accession(combined), _accession(incoming)]),
        filled=np.concatenate([completeness(combined), completeness(incoming)]),
        finalized=np.concatenate([_final_time(combined), _final_time(incoming)]),
        identity=identity,
    )


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
    file is date-only in the result (`chain`).
    """
    combined: pd.DataFrame | None = None
    flags = pd.DataFrame()
    files = []
    for result in results:
        incoming = result.frame.reset_index(drop=True)
        if combined is None:
            combined, flags = incoming, _flags(result)
            added, replaced = len(incoming), 0
        else:
            before = len(combined)
            keep = _rows_to_keep(combined, incoming)
            old, new = keep[keep < before], keep[keep >= before] - before
            # Old rows are unique, so each one dropped was displaced by one
            # incoming row of the same accession.
            replaced = before - len(old)
            added = len(new) - replaced
            combined = stack_frames([combined.take(old), incoming.take(new)])
            flags = _stack_flags([flags.take(old), _flags(result).take(new)])
        files.append(
            {
                "filename": result.filename,
                "rows_read": result.rows_read,
                "added": added,
                "replaced": replaced,
                "skipped": len(incoming) - added - replaced,
            }
        )
    combined = empty_frame() if combined is None else drop_unused_categories(combined)
    mapped = {f for r in results for f in r.columns}
    combined, merged, _ = merge_spellings(
        combined,
        names=[f for f in SPELLING_FIELDS if f in mapped],
        counts=add_counts(r.spellings for r in results),
    )
    incoming_rows = sum(len(r.frame) for r in results)
    if len(results) == 1:
        # One file: the same rows, flags and counts its own report was made
        # of (dropping unused categories or merging spellings again changes
        # no count), so it is not worked out a second time.
        return combined, files, copy.deepcopy(results[0].quality)
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
