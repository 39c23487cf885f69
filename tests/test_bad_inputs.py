"""Bad uploads get a 4xx that says what is wrong, fast, and change nothing.

Every case runs twice: through Django's test client (in-process, settings
overridable) and through a real ``launcher.py`` over loopback HTTP (waitress,
CSRF cookie and header, as a browser or a script sends it). Inputs are built
in memory (tests/export_files.py); no big file is committed.
"""

from dataclasses import dataclass, field

import pytest

from tests.app_sessions import (
    Session,
    assert_no_upload_spills,
    numbers_of,
    saved_files,
)
from tests.export_files import (
    GOOD_CSV,
    GOOD_ROWS,
    HEADER,
    PNG,
    bad_crc_workbook,
    encrypted_workbook,
    over_limit,
    plain_zip,
    random_bytes,
    with_good_header,
    xlsx,
    zip_bomb,
)
from tests.hostile_workbooks import absurd_row, shared_string_bomb

# "Within seconds": generous for a loaded 2-core CI runner.
ANSWER_SECONDS = 10.0


@dataclass
class Loaded:
    """A session with the good export current, and what it showed."""

    session: Session
    dataset_id: str
    numbers: dict = field(default_factory=dict)


@pytest.fixture
def loaded(session) -> Loaded:
    answer = session.upload([("good.csv", GOOD_CSV)])
    assert answer.status == 201, answer.body[:500]
    loaded = Loaded(session, answer.json()["id"], numbers_of(session))
    # The numbers themselves, worked by hand (GOOD_ROWS).
    total = loaded.numbers["/api/summary?by=modality"]["total"]
    assert total["exams"] == 4
    assert total["complete_to_final"]["median"] == pytest.approx(40.0)
    return loaded


@dataclass(frozen=True)
class Bad:
    """A bad upload, the status it must get and the words its message needs."""

    name: str
    files: object  # (limit_mb) -> [(filename, bytes)]
    status: int
    wrong: str  # what was wrong
    right: str  # what would be right
    headers: tuple = ()  # for a 422: the headers it must list


CORPUS = [
    Bad("empty", lambda _: [("empty.csv", b"")], 400, "empty", "CSV"),
    Bad(
        "header only",
        lambda _: [("header.csv", with_good_header())],
        400,
        "header but no exam rows",
        "export again",
    ),
    Bad(
        "every exam cancelled",
        lambda _: [
            (
                "cancelled.csv",
                b"Accession,Exam Name,Complete Time,Status\n"
                b"C1,CT HEAD,01/13/2025 10:30,Cancelled\n"
                b"C2,XR CHEST,01/13/2025 11:30,CANCELED\n",
            )
        ],
        400,
        "All 2 exams in this file are cancelled",
        "export the completed exams",
    ),
    Bad(
        "PNG renamed .csv",
        lambda _: [("picture.csv", PNG)],
        400,
        "PNG image",
        "CSV or .xlsx",
    ),
    Bad(
        "binary renamed .csv",
        lambda _: [("data.csv", random_bytes(64 * 1024))],
        400,
        "binary data",
        "CSV or .xlsx",
    ),
    Bad(
        "old .xls renamed .xlsx",
        lambda _: [("old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))],
        400,
        ".xls",
        "save it as .xlsx or CSV",
    ),
    Bad(
        "a budget spreadsheet",
        lambda _: [
            (
                "budget.xlsx",
                xlsx(
                    [
                        ["Category", "Q1", "Q2", "Q3"],
                        ["Rent", 12000, 12000, 12500],
                        ["Salaries", 310000, 305500, 318250],
                    ]
                ),
            )
        ],
        422,
        "Could not recognise the exam completed date/time",
        "Choose the column",
        headers=("Category", "Q1", "Q2", "Q3"),
    ),
    Bad(
        "no date parses",
        lambda _: [
            (
                "nodates.csv",
                with_good_header(
                    "A1,CT HEAD,CT,STAT,ED,DOE,yesterday,soon,later",
                    "A2,XR CHEST,XR,STAT,ED,DOE,n/a,tbd,n/a",
                ),
            )
        ],
        400,
        "no date TATviz can read",
        "12/16/2024 14:35",
    ),
    Bad(
        "one 20 MB line",
        lambda _: [("oneline.csv", b"x" * (20 * 1024 * 1024))],
        400,
        "no complete line",
        "one exam per line",
    ),
    Bad(
        "a 20 MB line among good rows",
        lambda _: [
            (
                "bigrow.csv",
                GOOD_CSV + b"ACC9,CT HEAD," + b"y" * (20 * 1024 * 1024) + b"\n",
            )
        ],
        400,
        "could not be read as a CSV export",
        "CSV or .xlsx",
    ),
    Bad(
        "5,000 columns",
        lambda _: [
            (
                "wide.csv",
                (
                    ",".join(f"Field {i}" for i in range(5000))
                    + "\n"
                    + ",".join(str(i) for i in range(5000))
                    + "\n"
                ).encode(),
            )
        ],
        400,
        "5,000 columns",
        "fewer columns",
    ),
    Bad(
        "5,000 identical column names",
        lambda _: [("same.csv", ("x," * 4999 + "x\n" + "1," * 4999 + "1\n").encode())],
        400,
        "5,000 columns",
        "fewer columns",
    ),
    Bad(
        "5,000 columns in an .xlsx",
        lambda _: [
            (
                "wide.xlsx",
                xlsx([[f"Field {i}" for i in range(5000)], list(range(5000))]),
            )
        ],
        400,
        "5,000 columns",
        "fewer columns",
    ),
    Bad(
        ".xlsx zip bomb",
        lambda _: [("bomb.xlsx", zip_bomb())],
        400,
        "would unpack to",
        "Save the data as CSV",
    ),
    Bad(
        ".xlsx with a cell in Excel's last row",
        lambda _: [("absurd.xlsx", absurd_row())],
        400,
        "27,262,976 cells",
        "Save the data as CSV",
    ),
    Bad(
        ".xlsx repeating an 8 MB shared string",
        lambda _: [("strings.xlsx", shared_string_bomb())],
        400,
        "GB of text",
        "Save the data as CSV",
    ),
    Bad(
        "zip that is not a workbook",
        lambda _: [("export.xlsx", plain_zip())],
        400,
        "zip archive, not an Excel workbook",
        "Unzip it",
    ),
    Bad(
        "damaged .xlsx (bad checksum)",
        lambda _: [("damaged.xlsx", bad_crc_workbook())],
        400,
        "could not be read as an Excel workbook",
        "save it again",
    ),
    Bad(
        "encrypted .xlsx",
        lambda _: [("locked.xlsx", encrypted_workbook())],
        400,
        "encrypted",
        "without a password",
    ),
    Bad(
        "a 200 KB first cell",
        lambda _: [("cell.csv", b"x" * 200_000 + b"\n1\n2\n")],
        422,
        "Could not recognise",
        "Choose the column",
        headers=("x" * 200_000,),
    ),
    Bad(
        "truncated .xlsx",
        lambda _: [("cut.xlsx", xlsx([HEADER, GOOD_ROWS[1]])[:600])],
        400,
        "damaged",
        "save it again",
    ),
    Bad(
        "over the size limit",
        lambda limit_mb: [("big.csv", over_limit(limit_mb))],
        413,
        "the limit is",
        "TATVIZ_MAX_UPLOAD_MB",
    ),
    Bad(
        "files over the size limit together",
        lambda limit_mb: [
            ("part1.csv", over_limit(limit_mb)[: (limit_mb * 1024 + 256) * 512]),
            ("part2.csv", over_limit(limit_mb)[: (limit_mb * 1024 + 256) * 512]),
        ],
        413,
        "together",
        "several goes",
    ),
    Bad("no file field", lambda _: [], 400, "No file received", "field named 'file'"),
]


@pytest.mark.parametrize("bad", CORPUS, ids=[b.name for b in CORPUS])
def test_bad_upload_is_refused_quickly_and_changes_nothing(loaded, bad):
    session = loaded.session
    if bad.status == 413:
        session.use_small_limit()
    files = bad.files(session.limit_mb)
    before = saved_files(session.data_dir)

    answer = session.timed(session.upload, files)

    assert answer.status == bad.status, answer.body[:500]
    assert answer.header("Content-Type") == "application/json"
    message = answer.json()["error"]
    assert bad.wrong.lower() in message.lower(), message
    assert bad.right.lower() in message.lower(), message
    assert answer.seconds < ANSWER_SECONDS
    # The data set that was current is current, with the same numbers.
    assert numbers_of(session) == loaded.numbers
    if bad.status == 422:
        # Held for the user's column mapping: the file waits, nothing else.
        assert answer.json()["needs_mapping"] is True
        assert answer.json()["headers"] == list(bad.headers)
        assert len(saved_files(session.data_dir) - before) == 1
    else:
        assert saved_files(session.data_dir) == before
    assert_no_upload_spills(session.data_dir)


def test_bad_upload_added_to_the_current_data_set_changes_nothing(loaded):
    session = loaded.session
    answer = session.upload(
        [("bomb.xlsx", zip_bomb())], url="/api/datasets/current/files"
    )
    assert answer.status == 400
    assert "unpack" in answer.json()["error"]
    assert numbers_of(session) == loaded.numbers
