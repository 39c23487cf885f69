"""What the Data page says about each data set, and finding one already loaded.

- ``find_existing``: the same files loaded again (same names, same
  contents) open the data set that already holds them. Contents are compared
  by SHA-256; a saved file's hash is computed once, the first time a file of
  its name and size is uploaded, and kept in ``DatasetFile.sha256``. A copy
  under another name makes a new data set (it may be meant as one).
- ``rename``: a data set's name, checked (1–120 characters, no control
  characters).
- ``facts``: exams, dates covered (from the Parquet cache's statistics, no
  exam is read), files, size on disk and when it was last used.
"""

import datetime as dt
import hashlib
from collections.abc import Sequence
from pathlib import Path

import pyarrow.parquet as pq
from django.conf import settings
from django.utils import timezone

from exams import fields
from exams.models import Dataset, DatasetFile
from exams.storage.journal import cache_files
from exams.storage.uploads import clean_filename, upload_path

MAX_NAME = 120
_CHUNK = 1 << 20


class NameError_(ValueError):
    """A data-set name that cannot be used; ``message`` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _hash_stream(chunks) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def upload_hash(upload) -> str:
    """Return the SHA-256 of an uploaded file (read again from its start)."""
    upload.seek(0)
    found = _hash_stream(upload.chunks(_CHUNK))
    upload.seek(0)
    return found


def _saved_hash(saved: DatasetFile) -> str | None:
    """Return a saved export's hash, computing and keeping it the first time."""
    if saved.sha256:
        return saved.sha256
    path = upload_path(saved.stored_name)
    try:
        with path.open("rb") as handle:
            found = _hash_stream(iter(lambda: handle.read(_CHUNK), b""))
    except OSError:
        return None
    DatasetFile.objects.filter(pk=saved.pk).update(sha256=found)
    return found


def _size(saved: DatasetFile) -> int | None:
    try:
        return upload_path(saved.stored_name).stat().st_size
    except OSError:
        return None


def find_existing(uploads: Sequence) -> Dataset | None:
    """Return the loaded data set made of exactly these files, or None.

    Only saved files whose name and size match an upload are hashed, so
    loading a new export costs no pass over the others.
    """
    named = sorted((clean_filename(u.name), u.size) for u in uploads)
    wanted: list[str] | None = None
    for dataset in Dataset.objects.filter(pending_mapping=False).prefetch_related(
        "files"
    ):
        saved = list(dataset.files.all())
        if len(saved) != len(uploads) or not dataset.cache_name:
            continue
        if sorted((s.filename, _size(s) or -1) for s in saved) != named:
            continue
        if wanted is None:
            wanted = sorted(upload_hash(upload) for upload in uploads)
        if sorted(_saved_hash(s) or "" for s in saved) == wanted:
            return dataset
    return None


def rename(dataset: Dataset, name: str) -> Dataset:
    """Give a data set a new name; raise ``NameError_`` saying what is wrong."""
    name = (name or "").strip()
    if not name:
        raise NameError_("A data set needs a name: type at least one character.")
    if len(name) > MAX_NAME:
        raise NameError_(
            f"That name is {len(name)} characters; use at most {MAX_NAME}."
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise NameError_("A name cannot hold line breaks or control characters.")
    Dataset.objects.filter(pk=dataset.pk).update(name=name)
    dataset.name = name
    return dataset


def touch(dataset: Dataset) -> None:
    """Remember that a data set was opened now."""
    Dataset.objects.filter(pk=dataset.pk).update(last_used_at=timezone.now())


def _cache_path(dataset: Dataset) -> Path | None:
    if not dataset.cache_name:
        return None
    return Path(settings.CACHE_DIR) / dataset.cache_name


def disk_bytes(dataset: Dataset) -> int:
    """Return the bytes a data set holds on disk: its exports and its cache."""
    total = sum(_size(saved) or 0 for saved in dataset.files.all())
    for name in cache_files(dataset.cache_name):
        path = Path(settings.CACHE_DIR) / name
        if path.exists():
            total += path.stat().st_size
    return total


def dates_covered(dataset: Dataset) -> tuple[dt.date, dt.date] | None:
    """Return the first and last completion dates from the cache's statistics."""
    cache = _cache_path(dataset)
    if cache is None:
        return None
    try:
        metadata = pq.ParquetFile(cache).metadata
        column = metadata.schema.to_arrow_schema().get_field_index(fields.COMPLETED_AT)
        lows, highs = [], []
        for group in range(metadata.num_row_groups):
            stats = metadata.row_group(group).column(column).statistics
            if stats is not None and stats.has_min_max:
                lows.append(stats.min)
                highs.append(stats.max)
    except (OSError, ValueError, KeyError, IndexError):
        return None
    if not lows:
        return None
    return _as_date(min(lows)), _as_date(max(highs))


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def facts(dataset: Dataset) -> dict:
    """Return what the Data page shows about one data set."""
    dates = dates_covered(dataset)
    return {
        "exams": dataset.summary.get("rows_loaded"),
        "first_day": dates[0] if dates else None,
        "last_day": dates[1] if dates else None,
        "bytes": disk_bytes(dataset),
        "last_used": dataset.last_used_at,
    }
