"""Date formats in exports: detected per column, parsed vectorised (pure)."""

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exams.ingest import AmbiguousDates, read_export


def completed(*values: str, date_order: str = "auto"):
    """Return the result of an export whose completion column holds ``values``."""
    rows = "".join(f"A{i},CT HEAD,{v}\n" for i, v in enumerate(values))
    data = ("Accession,Exam,Exam Complete Date/Tm\n" + rows).encode()
    return read_export(data, filename="dates.csv", date_order=date_order)


# Written value, day/month order, the timestamp it means, the format reported.
FORMATS = [
    ("12/16/2024 14:35", "auto", "2024-12-16 14:35", "MM/DD/YYYY HH:MM"),
    ("12/16/2024 14:35:59", "auto", "2024-12-16 14:35:59", "MM/DD/YYYY HH:MM:SS"),
    ("12/16/2024", "auto", "2024-12-16 00:00", "MM/DD/YYYY"),
    ("12/16/2024 02:35 PM", "auto", "2024-12-16 14:35", "MM/DD/YYYY HH:MM AM/PM"),
    (
        "12/16/2024 2:35:10 pm",
        "auto",
        "2024-12-16 14:35:10",
        "MM/DD/YYYY HH:MM:SS AM/PM",
    ),
    ("12/16/2024 12:05 AM", "auto", "2024-12-16 00:05", "MM/DD/YYYY HH:MM AM/PM"),
    ("12/16/2024 12:05 PM", "auto", "2024-12-16 12:05", "MM/DD/YYYY HH:MM AM/PM"),
    ("1/2/17 7:44", "mdy", "2017-01-02 07:44", "MM/DD/YY HH:MM"),
    ("1/2/17 7:44", "dmy", "2017-02-01 07:44", "DD/MM/YY HH:MM"),
    ("12/31/99 23:59", "mdy", "1999-12-31 23:59", "MM/DD/YY HH:MM"),
    ("16/12/2024 14:35", "auto", "2024-12-16 14:35", "DD/MM/YYYY HH:MM"),
    ("16.12.2024 14:35", "auto", "2024-12-16 14:35", "DD.MM.YYYY HH:MM"),
    ("12-16-2024 14:35", "auto", "2024-12-16 14:35", "MM-DD-YYYY HH:MM"),
    ("2024-12-16 14:35:00", "auto", "2024-12-16 14:35", "YYYY-MM-DD HH:MM:SS"),
    ("2024-12-16T14:35:00", "auto", "2024-12-16 14:35", "YYYY-MM-DDTHH:MM:SS"),
    ("2024-12-16T14:35:00.250Z", "auto", "2024-12-16 14:35", "YYYY-MM-DDTHH:MM:SS"),
    ("2024-12-16 14:35:00-05:00", "auto", "2024-12-16 14:35", "YYYY-MM-DD HH:MM:SS"),
    ("2024-12-16 14:35", "auto", "2024-12-16 14:35", "YYYY-MM-DD HH:MM"),
    ("2024/12/16 14:35", "auto", "2024-12-16 14:35", "YYYY/MM/DD HH:MM"),
    ("2024-12-16", "auto", "2024-12-16 00:00", "YYYY-MM-DD"),
    ("20241216143500", "auto", "2024-12-16 14:35", "YYYYMMDDHHMMSS (HL7)"),
    ("202412161435", "auto", "2024-12-16 14:35", "YYYYMMDDHHMM (HL7)"),
    ("20241216", "auto", "2024-12-16 00:00", "YYYYMMDD (HL7)"),
    ("20241216143500.0000-0500", "auto", "2024-12-16 14:35", "YYYYMMDDHHMMSS (HL7)"),
    ("16-Dec-2024 14:35:00", "auto", "2024-12-16 14:35", "DD-MON-YYYY HH:MM:SS"),
    ("16-DEC-24 14:35", "auto", "2024-12-16 14:35", "DD-MON-YY HH:MM"),
]


@pytest.mark.parametrize(("written", "order", "expected", "described"), FORMATS)
def test_each_format_is_read(written, order, expected, described):
    result = completed(written, date_order=order)
    assert result.frame["completed_at"].tolist() == [pd.Timestamp(expected)]
    assert result.date_formats == {"completed_at": described}
    assert result.quality["unparseable"] == {"completed_at": 0}


def test_excel_serial_number_in_text():
    # 45642 days after 1899-12-30, plus 0.6076388889 day = 875 minutes.
    expected = dt.datetime(1899, 12, 30) + dt.timedelta(days=45642, minutes=875)
    result = completed("45642.6076388889")
    assert result.frame["completed_at"].tolist() == [pd.Timestamp(expected)]
    assert result.date_formats["completed_at"] == "Excel serial number"


@pytest.mark.parametrize(
    "impossible",
    [
        "02/30/2024 10:00",
        "04/31/2024 10:00",
        "02/29/2023 10:00",
        "13/13/2024 10:00",
        "12/16/2024 25:00",
        "12/31/9999 10:00",
        "soon",
    ],
)
def test_impossible_dates_are_unparseable_not_rolled_over(impossible):
    result = completed("12/16/2024 14:35", impossible)
    assert len(result.frame) == 2
    assert result.frame["completed_at"].isna().tolist() == [False, True]
    assert result.quality["unparseable"]["completed_at"] == 1
    assert result.quality["missing"]["completed_at"] == 0


def test_leap_day_and_month_ends_are_kept():
    result = completed(
        "02/29/2024 10:00",
        "04/30/2024 10:00",
        "03/01/2024 10:00",
        "12/31/2024 23:59",
        date_order="mdy",
    )
    assert result.frame["completed_at"].tolist() == [
        pd.Timestamp("2024-02-29 10:00"),
        pd.Timestamp("2024-04-30 10:00"),
        pd.Timestamp("2024-03-01 10:00"),
        pd.Timestamp("2024-12-31 23:59"),
    ]


AMBIGUOUS = (
    "Accession,Exam,Exam Complete Date/Tm,Final Date/Tm\n"
    "A1,CT HEAD,01/02/2024 10:00,01/02/2024 11:00\n"
    "A2,CT HEAD,03/04/2024 10:00,05/04/2024 09:00\n"
)


def test_ambiguous_day_month_asks_the_user():
    with pytest.raises(AmbiguousDates) as caught:
        read_export(AMBIGUOUS.encode(), filename="a.csv")
    assert caught.value.status == 422
    assert caught.value.columns == ["completed_at", "finalized_at"]
    assert "'Exam Complete Date/Tm'" in caught.value.message


@pytest.mark.parametrize(
    ("order", "first", "second_final"),
    [
        ("mdy", "2024-01-02 10:00", "2024-05-04 09:00"),
        ("dmy", "2024-02-01 10:00", "2024-04-05 09:00"),
    ],
)
def test_ambiguous_day_month_read_as_chosen(order, first, second_final):
    result = read_export(AMBIGUOUS.encode(), filename="a.csv", date_order=order)
    assert result.frame["completed_at"].tolist()[0] == pd.Timestamp(first)
    assert result.frame["finalized_at"].tolist()[1] == pd.Timestamp(second_final)


def test_day_first_evidence_in_one_column_settles_the_whole_file():
    result = read_export(
        b"Accession,Exam,Exam Complete Date/Tm,Final Date/Tm\n"
        b"A1,CT HEAD,01/02/2024 10:00,16/02/2024 11:00\n",
        filename="uk.csv",
    )
    assert result.frame["completed_at"].tolist() == [pd.Timestamp("2024-02-01 10:00")]
    assert result.frame["finalized_at"].tolist() == [pd.Timestamp("2024-02-16 11:00")]
    assert result.date_formats == {
        "completed_at": "DD/MM/YYYY HH:MM",
        "finalized_at": "DD/MM/YYYY HH:MM",
    }


def test_iso_and_hl7_columns_are_never_ambiguous():
    result = completed("2024-01-02 10:00:00", "2024-03-04 10:00:00")
    assert result.frame["completed_at"].tolist()[0] == pd.Timestamp("2024-01-02 10:00")
    result = completed("20240102100000")
    assert result.frame["completed_at"].tolist() == [pd.Timestamp("2024-01-02 10:00")]


def test_a_column_mixing_two_formats_reads_both():
    result = completed("2024-12-16 14:35:00", "2024-12-17", "2024-12-18 08:00:00")
    assert result.frame["completed_at"].tolist() == [
        pd.Timestamp("2024-12-16 14:35"),
        pd.Timestamp("2024-12-17 00:00"),
        pd.Timestamp("2024-12-18 08:00"),
    ]
    assert result.date_formats["completed_at"] == "YYYY-MM-DD HH:MM:SS or YYYY-MM-DD"


def test_columns_may_use_different_formats():
    result = read_export(
        b"Accession,Exam,Exam Order Date/Time,Exam Complete Date/Tm,Final Date/Tm\n"
        b"A1,CT HEAD,2024-12-16 14:00:00,12/16/2024 02:35 PM,20241216150500\n",
        filename="mixed.csv",
    )
    row = result.frame.iloc[0]
    assert row["order_to_complete"] == 35.0
    assert row["complete_to_final"] == 30.0
    assert result.date_formats == {
        "ordered_at": "YYYY-MM-DD HH:MM:SS",
        "completed_at": "MM/DD/YYYY HH:MM AM/PM",
        "finalized_at": "YYYYMMDDHHMMSS (HL7)",
    }


def test_large_column_decides_day_month_from_all_values_not_the_sample():
    # 6,000 ambiguous dates and one, far from the sample's picks, that
    # only reads day first.
    values = ["01/02/2024 10:00"] * 6000
    values[3001] = "13/02/2024 10:00"
    result = completed(*values)
    assert result.frame["completed_at"].iloc[0] == pd.Timestamp("2024-02-01 10:00")
    assert result.frame["completed_at"].iloc[3001] == pd.Timestamp("2024-02-13 10:00")


# strftime writes each format independently of the parser under test. The
# first row (31 December) settles day/month order for the numeric formats.
ROUND_TRIP_FORMATS = [
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M %p",
    "%d/%m/%Y %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y%m%d%H%M%S",
    "%d-%b-%Y %H:%M",
]


@settings(max_examples=40, deadline=None)
@given(
    stamps=st.lists(
        st.datetimes(
            min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2030, 12, 31)
        ),
        min_size=1,
        max_size=30,
    ),
    pattern=st.sampled_from(ROUND_TRIP_FORMATS),
)
def test_written_dates_read_back_exactly(stamps, pattern):
    stamps = [
        s.replace(second=0 if "%S" not in pattern else s.second, microsecond=0)
        for s in [dt.datetime(2024, 12, 31, 23, 59), *stamps]
    ]
    result = completed(*(s.strftime(pattern) for s in stamps))
    assert result.frame["completed_at"].tolist() == [pd.Timestamp(s) for s in stamps]
