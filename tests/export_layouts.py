"""Export layouts of RIS and reporting systems, each with the mapping it must get.

One set of made-up exams (no real patients) is written in the vocabularies,
date styles and separators of the report writers TATviz meets: Epic Clarity,
Cerner Millennium (procedure in CATALOG_CD, modality in SECTION, a numeric
row id), a file whose headers say nothing (A…G), one whose "Modality" column
holds exam names, a PowerScribe sign-off export with a minutes column the
report writer added, a Sectra export dated day-first. ``expected`` is the
mapping each must load with, written by hand from the layout; ``None``
means the file is ambiguous and must be asked about.
"""

import csv
import datetime as dt
import io
import random
from dataclasses import dataclass

ROWS = 60
EXAMS = (
    ("CT", "CT HEAD WO CONTRAST"),
    ("CT", "CT ABDOMEN PELVIS W CONTRAST"),
    ("MR", "MRI BRAIN W WO CONTRAST"),
    ("US", "US ABDOMEN COMPLETE"),
    ("XR", "XR CHEST 2 VIEWS"),
    ("XR", "XR KNEE 3 VIEWS RIGHT"),
    ("NM", "NM BONE SCAN WHOLE BODY"),
)
PRIORITIES = ("STAT", "Routine", "Urgent")
CLASSES = ("Inpatient", "Outpatient", "Emergency")
PEOPLE = ("Smith, John", "Garcia, Maria", "Chen, Wei", "Okafor, Ada")


@dataclass(frozen=True)
class Exam:
    """One made-up exam, before any layout writes it."""

    row: int
    accession: str
    order_id: int
    modality: str
    exam_name: str
    ordered: dt.datetime
    started: dt.datetime
    completed: dt.datetime
    finalized: dt.datetime
    priority: str
    patient_class: str
    physician: str
    radiologist: str


def exams(seed: int = 15) -> list[Exam]:
    """Return ``ROWS`` exams, one every few hours from 3 March 2025 on."""
    rng = random.Random(seed)
    out, when = [], dt.datetime(2025, 3, 3, 7, 0)
    for row in range(1, ROWS + 1):
        modality, name = EXAMS[row % len(EXAMS)]
        when += dt.timedelta(minutes=rng.randint(100, 400))
        started = when + dt.timedelta(minutes=rng.randint(20, 240))
        completed = started + dt.timedelta(minutes=rng.randint(10, 50))
        out.append(
            Exam(
                row=row,
                accession=f"ACC{5_000_000 + row * 37}",
                order_id=80_000_000 + rng.randint(0, 9_999_999) // 100 * 100 + row,
                modality=modality,
                exam_name=name,
                ordered=when,
                started=started,
                completed=completed,
                finalized=completed + dt.timedelta(minutes=rng.randint(15, 600)),
                priority=PRIORITIES[row % 3],
                patient_class=CLASSES[(row // 3) % 3],
                physician=PEOPLE[row % 4],
                radiologist=PEOPLE[(row + 1) % 4],
            )
        )
    return out


@dataclass(frozen=True)
class Layout:
    """An export layout: how to write it and the mapping it must load with."""

    name: str
    filename: str
    delimiter: str
    columns: tuple[tuple[str, object], ...]  # header → value of an Exam
    expected: dict[str, str] | None

    def text(self, rows: list[Exam]) -> str:
        """Return the export as the system would write it."""
        out = io.StringIO()
        writer = csv.writer(out, delimiter=self.delimiter, lineterminator="\r\n")
        writer.writerow([h for h, _ in self.columns])
        for exam in rows:
            writer.writerow([f(exam) for _, f in self.columns])
        return out.getvalue()


def _us(t: dt.datetime) -> str:
    return t.strftime("%m/%d/%Y %H:%M")


def _us_ampm(t: dt.datetime) -> str:
    return f"{t.month}/{t.day}/{t.year} {t.strftime('%I:%M %p').lstrip('0')}"


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S")


def _cerner(t: dt.datetime) -> str:
    return t.strftime("%d-%b-%Y %H:%M").upper()


def _uk(t: dt.datetime) -> str:
    return t.strftime("%d/%m/%Y %H:%M")


LAYOUTS = (
    Layout(
        "Epic Clarity report",
        "epic.csv",
        ",",
        (
            ("ORDER_PROC_ID", lambda e: e.order_id),
            ("ACCESSION_NUM", lambda e: e.accession),
            ("PROC_NAME", lambda e: e.exam_name),
            ("ORDERING_DTTM", lambda e: _us(e.ordered)),
            ("BEGIN_EXAM_DTTM", lambda e: _us(e.started)),
            ("END_EXAM_DTTM", lambda e: _us(e.completed)),
            ("FINALIZING_DTTM", lambda e: _us(e.finalized)),
            ("PAT_CLASS", lambda e: e.patient_class),
            ("PRIORITY_C_NAME", lambda e: e.priority),
        ),
        {
            "accession": "ACCESSION_NUM",
            "exam_name": "PROC_NAME",
            "ordered_at": "ORDERING_DTTM",
            "started_at": "BEGIN_EXAM_DTTM",
            "completed_at": "END_EXAM_DTTM",
            "finalized_at": "FINALIZING_DTTM",
            "priority": "PRIORITY_C_NAME",
            "patient_class": "PAT_CLASS",
        },
    ),
    Layout(
        "Cerner Millennium extract (catalogue code, section, row id)",
        "cerner.txt",
        "|",
        (
            ("ID", lambda e: e.row),
            ("ORDER_ID", lambda e: e.order_id),
            ("CATALOG_CD", lambda e: e.exam_name.title()),
            ("SECTION", lambda e: e.modality),
            ("PRIORITY_DISP", lambda e: e.priority),
            ("ENCNTR_TYPE_DISP", lambda e: e.patient_class),
            ("ORIG_ORDER_DT_TM", lambda e: _cerner(e.ordered)),
            ("COMPLETE_DT_TM", lambda e: _cerner(e.completed)),
            ("FINAL_DT_TM", lambda e: _cerner(e.finalized)),
        ),
        {
            "accession": "ORDER_ID",
            "exam_name": "CATALOG_CD",
            "modality": "SECTION",
            "ordered_at": "ORIG_ORDER_DT_TM",
            "completed_at": "COMPLETE_DT_TM",
            "finalized_at": "FINAL_DT_TM",
            "priority": "PRIORITY_DISP",
            "patient_class": "ENCNTR_TYPE_DISP",
        },
    ),
    Layout(
        "Headers that say nothing (A…G): the values decide",
        "letters.csv",
        ";",
        (
            ("A", lambda e: e.accession),
            ("B", lambda e: e.modality),
            ("C", lambda e: e.exam_name),
            ("D", lambda e: _iso(e.ordered)),
            ("E", lambda e: _iso(e.completed)),
            ("F", lambda e: _iso(e.finalized)),
            ("G", lambda e: e.priority),
        ),
        {
            "accession": "A",
            "exam_name": "C",
            "modality": "B",
            "ordered_at": "D",
            "completed_at": "E",
            "finalized_at": "F",
            "priority": "G",
        },
    ),
    Layout(
        "A 'Modality' column holding exam names, codes under 'Dept'",
        "misleading.tsv",
        "\t",
        (
            ("Accession", lambda e: e.accession),
            ("Modality", lambda e: e.exam_name),
            ("Dept", lambda e: e.modality),
            ("Order Date", lambda e: _uk(e.ordered)),
            ("Exam Complete", lambda e: _uk(e.completed)),
            ("Report Date", lambda e: _uk(e.finalized)),
            ("Pt Type", lambda e: e.patient_class),
        ),
        {
            "accession": "Accession",
            "exam_name": "Modality",
            "modality": "Dept",
            "ordered_at": "Order Date",
            "completed_at": "Exam Complete",
            "finalized_at": "Report Date",
            "patient_class": "Pt Type",
        },
    ),
    Layout(
        "PowerScribe sign-off export with a minutes column added",
        "powerscribe.csv",
        ",",
        (
            ("Accession Number", lambda e: e.accession),
            ("Procedure Description", lambda e: e.exam_name),
            ("Modality", lambda e: e.modality),
            ("Patient Class", lambda e: e.patient_class),
            ("Ordering Physician", lambda e: e.physician),
            ("Ordered Date", lambda e: _us_ampm(e.ordered)),
            ("Exam Completed Date", lambda e: _us_ampm(e.completed)),
            ("Sign Date", lambda e: _us_ampm(e.finalized)),
            ("Signer", lambda e: e.radiologist),
            (
                "TAT (min)",
                lambda e: int((e.finalized - e.completed).total_seconds() // 60),
            ),
        ),
        {
            "accession": "Accession Number",
            "exam_name": "Procedure Description",
            "modality": "Modality",
            "ordered_at": "Ordered Date",
            "completed_at": "Exam Completed Date",
            "finalized_at": "Sign Date",
            "ordering_physician": "Ordering Physician",
            "patient_class": "Patient Class",
            "reading_radiologist": "Signer",
        },
    ),
    Layout(
        "Sectra RIS export, day-first dates",
        "sectra.csv",
        ";",
        (
            ("Examination no", lambda e: e.accession),
            ("Examination code", lambda e: f"R{e.modality}{len(e.exam_name)}"),
            ("Examination", lambda e: e.exam_name.capitalize()),
            ("Referral date", lambda e: _uk(e.ordered)),
            ("Examination date", lambda e: _uk(e.completed)),
            ("Report signed", lambda e: _uk(e.finalized)),
        ),
        {
            "accession": "Examination no",
            "exam_name": "Examination",
            "ordered_at": "Referral date",
            "completed_at": "Examination date",
            "finalized_at": "Report signed",
        },
    ),
)
# Two date columns whose names say nothing: completion and report, or order
# and completion? The values cannot tell, so the user is asked.
AMBIGUOUS = Layout(
    "Two unnamed date columns",
    "ambiguous.csv",
    ",",
    (
        ("A", lambda e: e.accession),
        ("B", lambda e: e.exam_name),
        ("C", lambda e: _iso(e.completed)),
        ("D", lambda e: _iso(e.finalized)),
        ("E", lambda e: e.modality),
    ),
    None,
)
EXAMS_FOR_BROWSER = exams()
