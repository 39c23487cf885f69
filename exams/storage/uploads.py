"""Saving exports in the data dir under generated names, never a browser path.

A saved export is the source of truth of its data set: the Parquet cache and
the frames in memory are rebuilt from it (`exams.storage.store`).
"""

import errno
import os
import re
import shutil
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler

ALLOWED_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx"}
PARTIAL_SUFFIX = ".part"
# The errors that mean "no room left" (disk or per-user quota).
DISK_FULL_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


@dataclass(frozen=True)
class SavedFile:
    """An upload saved in the data dir; ``filename`` is for display only."""

    filename: str
    stored_name: str


def clean_filename(raw: str) -> str:
    """Return a display name: the last path part, no control characters."""
    name = re.split(r"[\\/]", raw or "")[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".")
    return name[:200] or "export.csv"


def upload_path(stored_name: str) -> Path:
    """Return where the saved export ``stored_name`` lives."""
    return Path(settings.UPLOAD_DIR) / stored_name


def _stored_name(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    return f"{uuid.uuid4().hex}{suffix if suffix in ALLOWED_SUFFIXES else '.csv'}"


def save_upload(upload: UploadedFile, change) -> SavedFile:
    """Save an uploaded file under a generated name, atomically.

    The name goes into ``change`` (an `exams.storage.journal.Change`) first,
    so a crash before the data set takes the file leaves nothing.
    """
    filename = clean_filename(upload.name)
    stored_name = _stored_name(filename)
    change.upload(stored_name)
    target = upload_path(stored_name)
    if _move_spooled(upload, target):
        return SavedFile(filename=filename, stored_name=stored_name)
    partial = target.with_name(target.name + PARTIAL_SUFFIX)
    # Write then rename, so a crash mid-upload never leaves a half file behind
    # a real name.
    try:
        with open(partial, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return SavedFile(filename=filename, stored_name=stored_name)


def _move_spooled(upload: UploadedFile, target: Path) -> bool:
    """Move a large upload Django spooled to the data dir's tmp/ into place.

    A rename instead of a second copy of every byte (117 MB for a year of a
    large site). Return False when the file cannot be moved (an upload held
    in memory, another drive, Windows keeping it open): the caller copies.
    """
    if not hasattr(upload, "temporary_file_path"):
        return False
    try:
        upload.file.flush()
        os.replace(upload.temporary_file_path(), target)
    except OSError:
        return False
    return True


def save_uploads(uploads: Iterable[UploadedFile], change) -> list[SavedFile]:
    """Save several uploads; if one fails (disk full), keep none of them."""
    saved: list[SavedFile] = []
    try:
        for upload in uploads:
            saved.append(save_upload(upload, change))
    except BaseException:
        remove_files(s.stored_name for s in saved)
        raise
    return saved


def save_path(path: Path, change) -> SavedFile:
    """Copy a file from disk (CLI, sample) into the data dir."""
    stored_name = _stored_name(path.name)
    change.upload(stored_name)
    target = upload_path(stored_name)
    partial = target.with_name(target.name + PARTIAL_SUFFIX)
    try:
        shutil.copyfile(path, partial)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return SavedFile(filename=clean_filename(path.name), stored_name=stored_name)


class PrivateSpoolHandler(TemporaryFileUploadHandler):
    """Django's spool to tmp/, which drops its file at once when writing fails.

    Otherwise a full disk keeps the partial spool until the request is
    garbage-collected, and a retry that would fit fails too.
    """

    def receive_data_chunk(self, raw_data, start):
        try:
            return super().receive_data_chunk(raw_data, start)
        except BaseException:
            self.file.close()  # a NamedTemporaryFile: closing deletes it
            raise


def remove_files(names: Iterable[str]) -> None:
    """Delete saved exports by their stored names (missing ones are fine)."""
    for name in names:
        upload_path(name).unlink(missing_ok=True)


def is_disk_full(exc: BaseException) -> bool:
    """Return True for an OSError that means the disk (or quota) is full."""
    return isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS
