"""The user's answers to ingest's questions: column mapping and date order.

A file whose columns are not recognised, or whose dates read either way,
makes ingest ask (422). The answer is kept on the file, so a cache rebuild
reads it the same way, and a chosen mapping is remembered for its header set,
so the next export from the same RIS loads with no questions.
"""

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from exams import ingest, progress
from exams.models import DatasetFile, HeaderMapping
from exams.storage.uploads import upload_path


def header_signature(headers: Iterable[str]) -> str:
    """Return a stable key for a header set (case and spacing ignored)."""
    normal = "\x1f".join(re.sub(r"\s+", " ", h).strip().lower() for h in headers)
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Answer:
    """The user's reply to a 422: a column mapping and/or a date order.

    It is used only for files that cannot be read without it: a file whose
    columns are recognised keeps its own mapping, and a file whose dates are
    clear keeps its own order. The mapping goes to each file that needs one
    and has the headers it names (other exports of the same layout in the
    upload); another layout is asked about in turn. ``file_id`` is the file
    the question was about: it takes the mapping even if it does not fit, so
    the user hears which chosen column is missing.
    """

    mapping: Mapping[str, str] = field(default_factory=dict)
    date_order: str | None = None
    file_id: int | None = None

    def mapping_for(self, f: DatasetFile, headers: list[str]) -> dict | None:
        """Return the mapping for file ``f`` (with ``headers``), or None."""
        if not self.mapping:
            return None
        known = {ingest.normalise_header(h) for h in headers}
        chosen = [h for h in self.mapping.values() if h]
        fits = all(h in headers or ingest.normalise_header(h) in known for h in chosen)
        return dict(self.mapping) if fits or f.pk == self.file_id else None


def _remembered(headers: list[str]) -> dict[str, str] | None:
    found = HeaderMapping.objects.filter(signature=header_signature(headers)).first()
    return dict(found.mapping) if found else None


def read_file(
    f: DatasetFile, *, answer: Answer | None, cancelled_statuses: Iterable[str]
) -> ingest.IngestResult:
    """Ingest one file of a data set with its own mapping and date order.

    A file without a mapping whose columns are not recognised takes the
    user's ``answer``, else the mapping remembered for its headers; an
    ambiguous "auto" date order takes the answer's. What was used is saved
    on the file, so a cache rebuild reads it the same way, and a mapping the
    user chose is remembered once a file has been read with it.
    """
    options = {"filename": f.filename, "cancelled_statuses": cancelled_statuses}
    path = upload_path(f.stored_name)
    mapping, date_order, chosen = f.mapping or None, f.date_order, None
    # Each branch either raises or settles its question for good.
    while True:
        try:
            result = ingest.read_export(
                path, mapping=mapping, date_order=date_order, **options
            )
            break
        except ingest.NeedsMapping as needs:
            if mapping is not None:
                raise
            chosen = answer.mapping_for(f, needs.headers) if answer else None
            mapping = chosen or _remembered(needs.headers)
            if mapping is None:
                raise
        except ingest.AmbiguousDates:
            if date_order != "auto" or answer is None:
                raise
            if answer.date_order not in ("mdy", "dmy"):
                raise
            date_order = answer.date_order
    if chosen:
        # The next export from the same system loads with no questions.
        HeaderMapping.objects.update_or_create(
            signature=header_signature(result.headers), defaults={"mapping": chosen}
        )
    if (mapping or {}) != f.mapping or date_order != f.date_order:
        f.mapping, f.date_order = dict(mapping or {}), date_order
        # A file being added is saved whole when its data set takes it.
        if f.pk is not None:
            f.save(update_fields=["mapping", "date_order"])
    return result


def read_files(
    files: list[DatasetFile],
    *,
    answer: Answer | None,
    cancelled_statuses: Iterable[str],
    take: Callable[[ingest.IngestResult], ingest.IngestResult] | None = None,
) -> list[ingest.IngestResult]:
    """Ingest each file; an error names the file when there are several.

    Each result goes through ``take`` as soon as it is read and what it
    returns is kept (`ingest.Combination.add` keeps the rows itself and
    returns the result without them, so no list of frames piles up).
    """
    results = []
    report = progress.current()
    if report is not None:
        report.reading(len(files))
    for f in files:
        try:
            result = read_file(f, answer=answer, cancelled_statuses=cancelled_statuses)
            results.append(result if take is None else take(result))
            del result
            if report is not None:
                report.next_file()
        except ingest.IngestError as exc:
            exc.filename, exc.file_id = f.filename, f.pk
            if len(files) > 1:
                exc.message = f"{f.filename}: {exc.message}"
                exc.args = (exc.message,)
            raise
    return results
