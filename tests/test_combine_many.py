"""Three or more exports combined at once: per-file counts and order, by hand."""

from exams.ingest import combine_exports, read_export

HEADER = "Accession,Exam Name,Modality,Order Time,Complete Time,Final Time\n"


def _export(*rows: str):
    return (HEADER + "".join(r + "\n" for r in rows)).encode()


def _read(name: str, *rows: str):
    return read_export(_export(*rows), filename=name, date_order="mdy")


def test_each_file_counts_against_the_files_before_it():
    first = _read(
        "jan.csv",
        "A1,CT HEAD,CT,01/13/2025 09:00,01/13/2025 10:00,",  # pending
        "A2,XR CHEST,XR,01/13/2025 09:00,01/13/2025 09:30,01/13/2025 10:30",
    )
    second = _read(
        "feb.csv",
        # A1 now signed: more complete, replaces January's row.
        "A1,CT HEAD,CT,01/13/2025 09:00,01/13/2025 10:00,01/13/2025 12:00",
        "A3,MR BRAIN,MR,01/14/2025 09:00,01/14/2025 10:00,01/14/2025 13:00",
        # The same as January: skipped.
        "A2,XR CHEST,XR,01/13/2025 09:00,01/13/2025 09:30,01/13/2025 10:30",
    )
    third = _read(
        "mar.csv",
        # Pending again: less complete than February's, skipped.
        "A1,CT HEAD,CT,01/13/2025 09:00,01/13/2025 10:00,",
        # As complete, signed earlier (an addendum re-signed the later one):
        # replaces February's.
        "A3,MR BRAIN,MR,01/14/2025 09:00,01/14/2025 10:00,01/14/2025 11:00",
        "A4,US ABD,US,01/15/2025 09:00,01/15/2025 10:00,01/15/2025 10:20",
    )
    frame, files, quality = combine_exports([first, second, third])
    counts = [(f["filename"], f["added"], f["replaced"], f["skipped"]) for f in files]
    assert counts == [
        ("jan.csv", 2, 0, 0),
        ("feb.csv", 1, 1, 1),
        ("mar.csv", 1, 1, 1),
    ]
    # Kept rows in file order, then row order: A2 (Jan), A1 (Feb), A3, A4 (Mar).
    assert frame["accession"].tolist() == ["A2", "A1", "A3", "A4"]
    # Report TAT by hand: 60, 120, 60 and 20 minutes.
    assert frame["complete_to_final"].tolist() == [60.0, 120.0, 60.0, 20.0]
    # 8 rows read, 4 exams: 4 duplicates across files.
    assert quality["duplicates"] == 4


def test_rows_without_accession_are_kept_once_across_files():
    row = "  ,CT HEAD,CT,01/13/2025 09:00,01/13/2025 10:00,01/13/2025 11:00"
    other = ",XR CHEST,XR,01/13/2025 09:00,01/13/2025 09:10,01/13/2025 09:40"
    parts = [_read(f"{i}.csv", row, other) for i in range(3)]
    frame, files, _ = combine_exports(parts)
    assert len(frame) == 2
    counts = [(f["added"], f["replaced"], f["skipped"]) for f in files]
    assert counts == [(2, 0, 0), (0, 0, 2), (0, 0, 2)]
