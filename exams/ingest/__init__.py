"""Ingest: a RIS export's bytes → the canonical exam frame + quality report.

Pure functions (no Django, no file-system writes); docs/ARCHITECTURE.md
describes the frame, docs/API.md the fields and the report. Choices made
here, each documented where it is made:

- Cancelled rows are removed before duplicates (`clean`); a duplicate
  accession keeps its most complete row, then the earliest final time
  (addenda re-sign), then the first row; rows are never merged.
- Quality counts are over the loaded rows; every mapped field is reported,
  zeros included; ``negative`` always lists the three intervals (`quality`).
- Day/month order is decided per file; two-digit years pivot at 69 (`dates`).
- Times with UTC offsets go on the file's most common offset (`dates`);
  an interval over a year is NaN and counted as implausible (`clean`,
  `quality`).
- The encoding is the one the whole file supports; stray non-UTF-8 bytes in
  a UTF-8 file are read as Windows-1252 in place and counted (`reading`).
- A workbook's sheets are measured before calamine builds them; limits on
  rows, columns, cells and expanded text refuse a hostile one (`xlsx_scan`).
- Modality comes from a modality column (normalised: CR/DX → XR), else the
  exam name, else an accession prefix; a named exam of no known modality is
  "OT" (`modality`).
- A CSV is read in blocks (`body`), each reduced to dictionary codes and the
  accession and time strings before the next (`collect`): the whole file is
  never one string table, and a UTF-8 file on disk is not copied into
  memory. Date formats and the day/month order are still decided over the
  whole file.
- Several exports combine as they are read (`combine.Combination`): each
  file's rows are held once, and the combined frame is built a column at a
  time, so 120 monthly exports need the memory of the one file.
"""

from exams.ingest.columns.headers import guess_mapping, normalise_header
from exams.ingest.combine import Combination, combine_exports
from exams.ingest.errors import AmbiguousDates, IngestError, NeedsMapping
from exams.ingest.load import IngestResult, read_export
from exams.ingest.quality import quality_report

__all__ = [
    "AmbiguousDates",
    "Combination",
    "IngestError",
    "IngestResult",
    "NeedsMapping",
    "combine_exports",
    "guess_mapping",
    "normalise_header",
    "quality_report",
    "read_export",
]
