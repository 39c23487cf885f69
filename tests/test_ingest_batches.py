"""Exports read in many small batches, from bytes and from a file (pure).

`read_export` streams a CSV's body through pyarrow in blocks of
``block_size`` bytes and keeps only what ingest needs of each batch; the
date formats, day/month order, categories and duplicates are still decided
over the whole file. Tiny blocks put every few rows in a batch of their own.
"""

import codecs

import pandas as pd
import pyarrow as pa
import pytest

from exams.ingest import IngestError, NeedsMapping, read_export
from exams.ingest.files import body

HEADER = "Accession,Exam,Ordered,Completed,Priority\n"
TINY = 128  # bytes: two or three rows a batch


def rows(count: int, *, start: int = 0, completed: str = "01/{d:02d}/2025 10:{m:02d}"):
    return "".join(
        f"A{i},CT HEAD,01/{1 + i % 28:02d}/2025 09:00,"
        + completed.format(d=1 + i % 28, m=i % 60)
        + ",STAT\n"
        for i in range(start, start + count)
    )


@pytest.fixture(params=["bytes", "file"])
def read(request, tmp_path):
    """Return a reader of CSV text through bytes or a file on disk."""

    def read_csv(text: str | bytes, **options):
        data = text.encode() if isinstance(text, str) else text
        source = data
        if request.param == "file":
            source = tmp_path / "export.csv"
            source.write_bytes(data)
        return read_export(source, filename="export.csv", **options)

    return read_csv


def test_tiny_batches_read_like_one_batch(read):
    text = HEADER + rows(60)
    small, whole = read(text, block_size=TINY), read(text)
    assert small.rows_read == whole.rows_read == 60
    pd.testing.assert_frame_equal(small.frame, whole.frame)
    assert small.quality == whole.quality
    assert small.notes == whole.notes


def test_date_format_that_changes_mid_file(read):
    # The first 30 rows MM/DD/YYYY HH:MM, the last 30 ISO with seconds.
    text = (
        HEADER
        + rows(30)
        + rows(30, start=30, completed="2025-02-{d:02d} 11:{m:02d}:30")
    )
    result = read(text, block_size=TINY)
    completed = result.frame["completed_at"]
    assert completed.iloc[0] == pd.Timestamp("2025-01-01 10:00")
    assert completed.iloc[29] == pd.Timestamp("2025-01-02 10:29")
    # Row 30: i = 30 → day 1 + 30 % 28 = 3, minute 30.
    assert completed.iloc[30] == pd.Timestamp("2025-02-03 11:30:30")
    assert completed.iloc[59] == pd.Timestamp("2025-02-04 11:59:30")
    assert completed.notna().all()
    assert result.quality["unparseable"]["completed_at"] == 0
    assert result.date_formats["completed_at"] == (
        "MM/DD/YYYY HH:MM or YYYY-MM-DD HH:MM:SS"
    )


def test_unparseable_and_missing_dates_in_a_later_batch(read):
    late = "A70,CT HEAD,01/02/2025 09:00,02/30/2025 10:00,STAT\n"
    late += "A71,CT HEAD,01/02/2025 09:00,not a date,STAT\n"
    late += "A72,CT HEAD,,01/03/2025 10:00,STAT\n"
    result = read(HEADER + rows(60) + late, block_size=TINY)
    assert result.rows_read == 63
    # 30 February is not a date; neither is "not a date"; A72 has no order time.
    assert result.quality["unparseable"] == {"ordered_at": 0, "completed_at": 2}
    assert result.quality["missing"]["ordered_at"] == 1
    assert result.quality["missing"]["completed_at"] == 0
    assert result.frame["completed_at"].isna().sum() == 2


def test_day_first_decided_by_a_value_in_a_later_batch(read):
    # Every early date fits both orders; only the last row has a day above 12.
    early = "".join(
        f"A{i},CT HEAD,,03/{1 + i % 12:02d}/2025 10:00,STAT\n" for i in range(40)
    )
    text = HEADER + early + "A99,CT HEAD,,25/03/2025 08:00,STAT\n"
    result = read(text, block_size=TINY)
    assert result.frame["completed_at"].iloc[-1] == pd.Timestamp("2025-03-25 08:00")
    # 03/01/2025 is then 3 January.
    assert result.frame["completed_at"].iloc[0] == pd.Timestamp("2025-01-03 10:00")
    assert result.quality["unparseable"]["completed_at"] == 0


def test_categories_in_order_of_first_appearance_across_batches(read):
    text = HEADER + rows(40) + "A50,MR BRAIN,,01/05/2025 10:00,Routine\n"
    result = read(text, block_size=TINY)
    assert list(result.frame["priority"].cat.categories) == ["STAT", "Routine"]
    assert list(result.frame["exam_name"].cat.categories) == ["CT HEAD", "MR BRAIN"]


def test_duplicates_across_batches(read):
    first = "A1,CT HEAD,01/01/2025 09:00,01/01/2025 10:00,STAT\n"
    again = "A1,CT HEAD,01/01/2025 09:00,,STAT\n"  # less complete: dropped
    loose = ",XR CHEST,01/01/2025 09:00,01/01/2025 11:00,STAT\n"
    text = HEADER + first + loose + rows(40, start=2) + again + loose + loose
    result = read(text, block_size=TINY)
    # One repeated accession, two repeats of the identical line without one.
    assert result.quality["duplicates"] == 3
    assert result.rows_read == 45
    assert len(result.frame) == 42
    row = result.frame[result.frame["accession"] == "A1"].iloc[0]
    assert row["completed_at"] == pd.Timestamp("2025-01-01 10:00")


def test_lines_without_an_accession_differ_in_unmapped_columns(read):
    header = "Exam,Completed,Comment\n"
    line = "XR CHEST,2025-01-01 11:00,{}\n"
    text = header + line.format("a") * 30 + line.format("b") + line.format("a")
    result = read(text, block_size=64)
    # The whole line decides: 30 + 1 copies of "a" are one exam, "b" another.
    assert result.rows_read == 32
    assert len(result.frame) == 2
    assert result.quality["duplicates"] == 30


def test_bytes_not_utf8_past_the_first_batches(read):
    tail = "A9000,CT HEAD,,01/09/2025 10:00,Très urgent\n".encode("cp1252")
    data = (HEADER + rows(3000)).encode() + tail
    result = read(data, block_size=4096)
    assert result.notes[0] == "Read as Windows-1252 text, comma-separated."
    assert result.frame["priority"].iloc[-1] == "Très urgent"
    assert result.rows_read == 3001


def test_bom_title_footer_blank_and_short_lines(read):
    text = (
        "Radiology turnaround report\n\n"
        + HEADER
        + rows(20)
        + "\n,,,,\njust one field\n"
        + rows(20, start=20)
        + "\nTotal: 40 exams\n"
    )
    result = read(codecs.BOM_UTF8 + text.encode(), block_size=TINY)
    assert result.rows_read == 40
    assert result.notes[:4] == [
        "Read as UTF-8 (with BOM) text, comma-separated.",
        "1 line(s) above the header ignored.",
        "Footer of 1 line(s) at the end ignored.",
        "1 line(s) without 5 fields skipped (not counted as rows).",
    ]


def test_header_without_rows_is_refused_before_mapping(read):
    with pytest.raises(IngestError, match="header but no exam rows") as caught:
        read("Foo,Bar,Baz\n\n\n", block_size=TINY)
    assert not isinstance(caught.value, NeedsMapping)


def test_unrecognised_columns_with_rows_ask_for_a_mapping(read):
    with pytest.raises(NeedsMapping) as caught:
        read("Foo,Bar,Baz\n" + "1,2,3\n" * 50, block_size=TINY)
    assert caught.value.headers == ["Foo", "Bar", "Baz"]


class _Reader:
    """A streaming reader that hands out batches, then an error or the end."""

    def __init__(self, batches, error=None):
        self.batches, self.error = list(batches), error
        self.calls = 0

    def read_next_batch(self):
        self.calls += 1
        if self.batches:
            return self.batches.pop(0)
        if self.error is not None:
            raise self.error
        raise StopIteration


def test_batches_read_ahead_come_in_order_and_end():
    reader = _Reader(["a", "b", "c"])
    assert list(body._read_ahead(reader)) == ["a", "b", "c"]
    assert reader.calls == 4  # three batches and the end


def test_an_error_reading_ahead_comes_after_the_batches_before_it():
    got = []
    reader = _Reader(["a", "b"], error=pa.ArrowInvalid("CSV parse error"))
    with pytest.raises(pa.ArrowInvalid):
        for batch in body._read_ahead(reader):
            got.append(batch)
    assert got == ["a", "b"]


def test_a_consumer_stopping_early_leaves_no_reading_behind():
    reader = _Reader(["a", "b", "c", "d"])
    for batch in body._read_ahead(reader):
        if batch == "b":
            break
    # "b" was being used while "c" was read; nothing after it.
    assert reader.calls == 3
