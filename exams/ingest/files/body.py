"""Stream the rows of a CSV export, in record batches of strings.

The export's body is read by pyarrow's streaming CSV reader, one block at a
time, so the whole file never exists as one string table: `exams.ingest.load`
turns each batch into what it keeps (dictionary codes, the time and
accession strings) before the next is read. A UTF-8 file on disk is read
from the disk, not from a copy of its bytes in memory.
"""

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa
import pyarrow.csv as pa_csv

from exams.ingest.errors import IngestError
from exams.ingest.files.reading import NULL_VALUES, UPLOAD_HINT, drop_blank_rows
from exams.ingest.files.text import TextExport

# pyarrow's own default for read_csv: a line longer than a block fails the
# same way as before, and 1 MB blocks measured fastest with the least memory
# (BENCHMARKS.md).
BLOCK_SIZE = 1 << 20


class NotUtf8(Exception):
    """pyarrow found bytes that are not UTF-8 past the head."""


def read_batches(
    export: TextExport,
    *,
    consume: Callable[[pa.RecordBatch], None],
    block_size: int = BLOCK_SIZE,
) -> tuple[int, int]:
    """Pass the body's rows to ``consume`` as string batches, blank rows dropped.

    Return how many lines were skipped in malformed rows (not the header's
    number of fields), and how many of those rows spanned several lines (an
    unmatched quote joins every line up to the next quote into one row:
    each of those lines was an exam). Raise `NotUtf8` for bytes that are
    not UTF-8 (the caller starts again, decoding by the whole file's
    evidence) and `IngestError` for a body pyarrow cannot split.
    """
    malformed = joined = 0

    def skip(row: pa_csv.InvalidRow) -> str:
        nonlocal malformed, joined
        text = row.text.strip(" \t\r\n")
        if text:
            lines = len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
            malformed += lines
            joined += lines > 1
        return "skip"

    if export.end <= export.start:
        return 0, 0
    headers = export.headers
    stream = export.body.open(export.start, export.end)
    try:
        reader = pa_csv.open_csv(
            stream,
            read_options=pa_csv.ReadOptions(
                column_names=headers, block_size=block_size
            ),
            parse_options=pa_csv.ParseOptions(
                delimiter=export.delimiter, invalid_row_handler=skip
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={name: pa.string() for name in headers},
                strings_can_be_null=True,
                null_values=NULL_VALUES,
            ),
        )
        for batch in _read_ahead(reader):
            batch = drop_blank_rows(batch)
            if batch.num_rows:
                consume(batch)
    except pa.ArrowInvalid as exc:
        if "utf8" in str(exc).lower():
            raise NotUtf8 from None
        # pyarrow's message quotes the row; exports hold patient data.
        raise IngestError(
            "This file could not be read as a CSV export (its rows do not "
            f"split into the {len(headers)} columns of its header). " + UPLOAD_HINT
        ) from None
    finally:
        stream.close()
    return malformed, joined


def _read_ahead(reader: pa_csv.CSVStreamingReader) -> Iterator[pa.RecordBatch]:
    """Yield the reader's batches, parsing the next while the caller uses one.

    pyarrow's streaming reader parses on one thread and lets go of the GIL
    while it does, so the other core reduces the batch before (1M exams:
    ~0.4 s of the reading's wall time). Errors come out in order, as the
    batch they stopped.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="csv") as pool:
        ahead = pool.submit(reader.read_next_batch)
        while True:
            try:
                batch = ahead.result()
            except StopIteration:
                return
            ahead = pool.submit(reader.read_next_batch)
            yield batch
