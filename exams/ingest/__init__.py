"""Ingest: a RIS export's bytes → the canonical exam frame + quality report.

Pure functions (no Django, no file-system writes). See docs/ARCHITECTURE.md
for the frame and CONTRACT §2/§4 for the fields and the report.
"""

from exams.ingest.combine import combine_exports
from exams.ingest.errors import AmbiguousDates, IngestError, NeedsMapping
from exams.ingest.headers import guess_mapping, normalise_header
from exams.ingest.load import IngestResult, read_export
from exams.ingest.quality import quality_report

__all__ = [
    "AmbiguousDates",
    "IngestError",
    "IngestResult",
    "NeedsMapping",
    "combine_exports",
    "guess_mapping",
    "normalise_header",
    "quality_report",
    "read_export",
]
