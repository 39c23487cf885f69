"""The small ways an unlucky export went silently wrong, each counted now.

Every expected number is worked by hand from the text in the test.
"""

import numpy as np
import pandas as pd
import pytest

from exams.ingest import IngestError, read_export


def load(text: str, **options):
    return read_export(text.encode(), filename="export.csv", **options)


def test_every_exam_cancelled_is_refused_like_an_empty_file():
    text = (
        "Accession,Exam,Completed,Status\n"
        "C1,CT HEAD,01/13/2025 10:30,Cancelled\n"
        "C2,XR CHEST,01/13/2025 11:30,canceled\n"
        "C3,XR CHEST,01/13/2025 12:30,Cancelled\n"
    )
    with pytest.raises(IngestError) as caught:
        load(text)
    assert 400 <= caught.value.status < 500
    assert "All 3 exams in this file are cancelled" in caught.value.message
    # One exam left that is not cancelled: loaded, the three counted.
    result = load(text + "C4,CT HEAD,01/13/2025 13:30,Final\n")
    assert result.frame["accession"].tolist() == ["C4"]
    assert result.quality["cancelled"] == 3


@pytest.mark.parametrize("block_size", [1 << 20, 64])
def test_unmatched_quote_counts_every_exam_it_swallows(block_size):
    # The quote opened on A2 is never closed: A2, A3 and A4 become one
    # malformed row of 2 fields. Three exams (lines) are lost, not one;
    # every line is either loaded or counted in the note.
    text = (
        "Accession,Exam,Completed\n"
        "A1,CT HEAD,12/16/2024 14:35\n"
        'A2,"CT HEAD,12/16/2024 14:36\n'
        "A3,CT HEAD,12/16/2024 14:37\n"
        "A4,XR CHEST,12/16/2024 14:38\n"
    )
    result = load(text, block_size=block_size)
    loaded = result.frame["accession"].tolist()
    if block_size > len(text):
        assert loaded == ["A1"]
    else:
        # pyarrow's reader closes an open quote at a block's end: A4, in
        # the next block, survives. The count must still be exact.
        assert loaded == ["A1", "A4"]
    lost = 4 - len(loaded)
    note = next(n for n in result.notes if "fields skipped" in n)
    assert note.startswith(f"{lost} line(s) without 3 fields skipped")
    assert "unmatched quote" in note


def test_mixed_utc_offsets_are_put_on_one_clock():
    text = (
        "Accession,Exam,Completed,Final\n"
        # 10:30+05:00 is 06:30+01:00: 06:30 → 11:00 is 270 minutes.
        "Z1,CT HEAD,2024-12-16 10:30+05:00,2024-12-16 11:00+01:00\n"
        # Both +01:00 (the file's usual offset): 30 minutes, as written.
        "Z2,CT HEAD,2024-12-16 10:30+01:00,2024-12-16 11:00+01:00\n"
        "Z3,CT HEAD,2024-12-16 12:00+01:00,2024-12-16 12:45+01:00\n"
        # 10:30Z is 11:30+01:00; final 13:00+01:00: 90 minutes.
        "Z4,CT HEAD,2024-12-16T10:30:00Z,2024-12-16T13:00:00+01:00\n"
    )
    result = load(text)
    assert result.frame["complete_to_final"].tolist() == [270.0, 30.0, 45.0, 90.0]
    assert result.frame["completed_at"].tolist()[0] == pd.Timestamp("2024-12-16 06:30")
    note = next(n for n in result.notes if "UTC offset" in n)
    assert note.startswith("2 time(s) written with another UTC offset")
    assert "+01:00" in note


def test_one_offset_throughout_keeps_the_times_as_written():
    text = (
        "Accession,Exam,Completed,Final\n"
        "Z1,CT HEAD,2024-12-16 10:30-05:00,2024-12-16 11:00-05:00\n"
    )
    result = load(text)
    assert result.frame["completed_at"].tolist() == [pd.Timestamp("2024-12-16 10:30")]
    assert not any("UTC offset" in n for n in result.notes)


def test_intervals_over_a_year_are_implausible_excluded_and_counted():
    text = (
        "Accession,Exam,Ordered,Completed,Final\n"
        "Y1,CT HEAD,01/13/2025 09:00,01/13/2025 10:00,01/13/2025 10:30\n"
        # Final typed 2100: 75 years after completion.
        "Y2,CT HEAD,01/13/2025 09:00,01/13/2025 10:00,01/13/2100 10:30\n"
        # Ordered typed 1900: order → complete and order → final too long.
        "Y3,XR CHEST,01/13/1900 09:00,01/13/2025 10:00,01/13/2025 11:00\n"
        # Final before complete: negative, as before.
        "Y4,XR CHEST,01/13/2025 09:00,01/13/2025 10:00,01/13/2025 09:50\n"
    )
    result = load(text)
    frame = result.frame
    np.testing.assert_array_equal(
        frame["complete_to_final"], [30.0, np.nan, 60.0, -10.0]
    )
    np.testing.assert_array_equal(
        frame["order_to_complete"], [60.0, 60.0, np.nan, 60.0]
    )
    np.testing.assert_array_equal(frame["order_to_final"], [90.0, np.nan, np.nan, 50.0])
    assert result.quality["implausible"] == {
        "order_to_complete": 1,
        "complete_to_final": 1,
        "order_to_final": 2,
    }
    assert result.quality["negative"] == {
        "order_to_complete": 0,
        "complete_to_final": 1,
        "order_to_final": 0,
    }


def test_plausible_data_has_no_new_keys():
    result = load(
        "Accession,Exam,Completed,Final\nP1,CT HEAD,01/13/2025 10:00,01/13/2025 10:30\n"
    )
    assert "implausible" not in result.quality
    assert "undecodable_bytes" not in result.quality


def test_quality_text_names_the_new_findings():
    from exams.presentation.quality_text import quality_items

    quality = {"implausible": {"order_to_final": 2}, "undecodable_bytes": 1}
    items = {i["kind"]: i for i in quality_items({"quality": quality})}
    assert items["implausible"]["count"] == 2
    assert "more than a year" in items["implausible"]["text"]
    assert items["undecodable"]["count"] == 1
    assert "1 byte was not UTF-8" in items["undecodable"]["text"]
