"""Combine several loaded exports (e.g. monthly files) into one data set."""

from collections.abc import Sequence

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from exams import fields
from exams.ingest.clean import drop_unused_categories, frame_rows_to_keep
from exams.ingest.load import IngestResult, empty_frame
from exams.ingest.quality import quality_report


def stack_frames(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Return the frames one under the other, categoricals kept categorical."""
    columns = list(dict.fromkeys(c for f in frames for c in f.columns))
    data = {}
    for name in columns:
        parts = [f[name] for f in frames if name in f.columns]
        if len(parts) == len(frames) and all(
            isinstance(p.dtype, pd.CategoricalDtype) for p in parts
        ):
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
    """
    combined: pd.DataFrame | None = None
    flags = pd.DataFrame()
    files = []
    for result in results:
        incoming = result.frame
        if combined is None:
            kept_new, replaced = np.arange(len(incoming)), 0
            combined, flags = incoming.reset_index(drop=True), _flags(result)
        else:
            before = len(combined)
            stacked = stack_frames([combined, incoming])
            keep = frame_rows_to_keep(stacked)
            kept_new = keep[keep >= before] - before
            keys, _ = pd.factorize(stacked[fields.ACCESSION], use_na_sentinel=True)
            old_keys = keys[:before]
            known = np.isin(keys[before:], old_keys[old_keys >= 0]) & (
                keys[before:] >= 0
            )
            replaced = int(known[kept_new].sum())
            combined = stacked.take(keep).reset_index(drop=True)
            flags = _stack_flags([flags, _flags(result)]).take(keep)
            flags = flags.reset_index(drop=True)
        files.append(
            {
                "filename": result.filename,
                "rows_read": result.rows_read,
                "added": len(kept_new) - replaced,
                "replaced": replaced,
                "skipped": len(incoming) - len(kept_new),
            }
        )
    combined = empty_frame() if combined is None else drop_unused_categories(combined)
    incoming_rows = sum(len(r.frame) for r in results)
    quality = quality_report(
        combined,
        mapped={f for r in results for f in r.columns},
        unparseable=flags,
        duplicates=sum(r.quality["duplicates"] for r in results)
        + incoming_rows
        - len(combined),
        cancelled=sum(r.quality["cancelled"] for r in results),
    )
    return combined, files, quality
