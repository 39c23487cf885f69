"""Words ingest recognises: header tokens, header rules, modality names.

Headers are matched by meaning (`exams.ingest.columns.headers`): a header is split
into lowercase tokens, each token is replaced by its canonical form below
(``DTTM`` → ``date time``, ``Pt`` → ``patient``), and the rules say which
tokens make which canonical field. Add a vendor's spelling here, not in code.
"""

import re
from dataclasses import dataclass

from exams import fields

# Token → canonical token(s). Tokens absent from this table stand for
# themselves. One value may expand to several tokens ("dttm" → date, time).
TOKEN_ALIASES: dict[str, str] = {
    # Time words: "Date/Tm", "DTTM", "DT_TM" and "Date Time" become the same.
    "dt": "date",
    "dte": "date",
    "tm": "time",
    "dttm": "date time",
    "datetime": "date time",
    "datetm": "date time",
    "timestamp": "time",
    "ts": "time",
    "hours": "hour",
    "hrs": "hour",
    "hr": "hour",
    "mins": "minutes",
    "min": "minutes",
    # Events of the exam's life.
    "ordering": "order",
    "orders": "order",
    "ord": "order",
    "requested": "request",
    "requesting": "request",
    "req": "request",
    "begin": "start",
    "began": "start",
    "beg": "start",
    "started": "start",
    "starting": "start",
    "completed": "complete",
    "completion": "complete",
    "cmpl": "complete",
    "cmplt": "complete",
    "ended": "end",
    "ending": "end",
    "finish": "end",
    "finished": "end",
    "performed": "performed",
    "perf": "performed",
    "prelim": "preliminary",
    "prel": "preliminary",
    "dictation": "dictated",
    "dictating": "dictated",
    "dict": "dictated",
    "finalized": "final",
    "finalised": "final",
    "finalizing": "final",
    "finalising": "final",
    "finalize": "final",
    "fin": "final",
    "signed": "sign",
    "signing": "sign",
    "signoff": "sign",
    "signature": "sign",
    # A "Signer" or "Dictator" is a person (PowerScribe sign-off exports).
    "signer": "sign by",
    "dictator": "dictated by",
    "approver": "verified by",
    "verified": "verified",
    "verify": "verified",
    "verification": "verified",
    "approved": "verified",
    "approval": "verified",
    "authenticated": "verified",
    "reading": "read",
    "reader": "read",
    "interpreting": "read",
    "interpreted": "read",
    "interpretation": "read",
    "reporting": "report",
    "reported": "report",
    "rpt": "report",
    # Things.
    "acc": "accession",
    "accn": "accession",
    "accno": "accession",
    "accnum": "accession",
    "acsn": "accession",
    "num": "number",
    "no": "number",
    "nbr": "number",
    "nr": "number",
    "study": "exam",
    "studies": "exam",
    "exams": "exam",
    "examination": "exam",
    "proc": "procedure",
    "procedures": "procedure",
    "desc": "description",
    # Cerner Millennium: CATALOG_CD (its display is the orderable's name).
    "catalogue": "catalog",
    "orderable": "catalog",
    "orderables": "catalog",
    "orc": "catalog",
    "disp": "display",
    "descr": "description",
    "pt": "patient",
    "pat": "patient",
    "enc": "encounter",
    "encntr": "encounter",
    "cls": "class",
    "phys": "physician",
    "physicians": "physician",
    "doctor": "physician",
    "dr": "physician",
    "md": "physician",
    "provider": "physician",
    "prov": "physician",
    "clinician": "physician",
    "practitioner": "physician",
    "radiologists": "radiologist",
    "rad": "radiologist",
    "referring": "referring",
    "referral": "referring",
    "referrer": "referring",
    "ref": "referring",
    "mod": "modality",
    "modalities": "modality",
    "prio": "priority",
    "pri": "priority",
    "urgency": "priority",
    "dept": "department",
    "loc": "location",
    "cd": "code",
    "c": "code",
    "state": "status",
    "stat": "status",
}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


TIME = frozenset({"date", "time", "at", "on", "when"})
PHYSICIAN = frozenset({"physician"})
# "Ordered" alone is a time ("Ordered", like "Completed"); "Order" is not.
ORDER = frozenset({"order", "ordered", "request"})
START = frozenset({"start"})
COMPLETE = frozenset({"complete", "end"})
PERFORMED = frozenset({"performed"})
PRELIMINARY = frozenset({"preliminary"})
DICTATED = frozenset({"dictated"})
FINAL = frozenset({"final", "sign", "verified"})
GENERIC_EXAM = frozenset({"exam", "procedure", "service"})
LOCATION = _words(
    "location department facility site room resource unit ward scanner campus "
    "hospital clinic section subsection"
)
# Words that make a header something other than a timestamp.
NOT_A_TIME = LOCATION | _words(
    "physician radiologist by user tech technologist status name description "
    "number id reason comment comments duration minutes hour tat to elapsed "
    "interval flag type priority class modality accession"
)
# Other events: a header about them is not one of ours.
OTHER_EVENTS = _words(
    "scheduled schedule arrival arrived checkin check admit admission discharge "
    "birth dob transcribed transcription cancel cancelled canceled modified "
    "updated addendum"
)
NOT_A_PERSON = TIME | {"status", "date"}


@dataclass(frozen=True)
class HeaderRule:
    """A header means ``field`` when it has a token of every group in ``needs``.

    ``forbids`` rules the header out; with ``only`` the header may hold no
    other tokens. ``score`` ranks the rule against other fields and headers.
    """

    field: str
    score: int
    needs: tuple[frozenset[str], ...]
    forbids: frozenset[str] = frozenset()
    only: bool = False


def _rule(
    field: str,
    score: int,
    *needs: frozenset[str] | set[str],
    forbids: frozenset[str] | set[str] = frozenset(),
    only: bool = False,
) -> HeaderRule:
    return HeaderRule(
        field, score, tuple(frozenset(n) for n in needs), frozenset(forbids), only
    )


_TIME_FORBIDS = NOT_A_TIME | OTHER_EVENTS
# "Rad" is short for radiologist, but "RAD_EXAM_NAME" names an exam.
_NOT_A_READER = NOT_A_PERSON | ORDER | _words("referring exam procedure test")
HEADER_RULES: tuple[HeaderRule, ...] = (
    _rule(fields.ACCESSION, 100, {"accession"}, forbids=TIME | PHYSICIAN),
    _rule(
        fields.ACCESSION,
        40,
        {"exam", "order", "procedure"},
        {"number", "id"},
        forbids=TIME | PHYSICIAN | {"patient", "encounter", "visit", "account"},
    ),
    _rule(
        fields.EXAM_NAME,
        90,
        {"exam", "procedure", "order", "test", "cpt", "catalog"},
        {"name", "description", "mnemonic", "display", "text"},
        forbids=TIME | PHYSICIAN | {"status", "priority", "class"},
    ),
    _rule(
        fields.EXAM_NAME,
        70,
        {"exam", "procedure", "description", "test"},
        only=True,
    ),
    # DICOM and Agfa/Carestream: "Requested Procedure" names the exam.
    _rule(
        fields.EXAM_NAME,
        75,
        {"exam", "procedure"},
        ORDER,
        forbids=TIME
        | PHYSICIAN
        | {"id", "number", "code", "status", "priority", "class", "accession"},
    ),
    _rule(
        fields.EXAM_NAME,
        80,
        {"catalog", "mnemonic"},
        forbids=TIME | PHYSICIAN | {"status", "priority", "class", "type"},
    ),
    _rule(
        fields.EXAM_NAME,
        40,
        {"exam", "procedure", "cpt"},
        {"code"},
        forbids=TIME | PHYSICIAN | {"status", "priority", "class", "modality"},
    ),
    _rule(fields.MODALITY, 100, {"modality"}, forbids=TIME | PHYSICIAN),
    _rule(fields.PRIORITY, 100, {"priority"}, forbids=TIME | PHYSICIAN),
    _rule(
        fields.ORDERED_AT,
        90,
        ORDER,
        TIME,
        forbids=_TIME_FORBIDS | START | COMPLETE | PERFORMED | PRELIMINARY | FINAL,
    ),
    _rule(fields.ORDERED_AT, 80, {"ordered"}, only=True),
    # Sectra and NHS exports date the referral (the request) instead.
    _rule(
        fields.ORDERED_AT,
        85,
        {"referring"},
        TIME,
        forbids=_TIME_FORBIDS,
    ),
    _rule(
        fields.STARTED_AT,
        90,
        START,
        forbids=_TIME_FORBIDS | COMPLETE | PRELIMINARY | FINAL,
    ),
    _rule(
        fields.STARTED_AT,
        50,
        GENERIC_EXAM,
        TIME,
        forbids=_TIME_FORBIDS | ORDER | PERFORMED | {"report"},
    ),
    _rule(
        fields.COMPLETED_AT,
        90,
        COMPLETE,
        forbids=_TIME_FORBIDS | START | PRELIMINARY | FINAL,
    ),
    _rule(
        fields.COMPLETED_AT,
        70,
        PERFORMED,
        forbids=_TIME_FORBIDS | START | PRELIMINARY | FINAL,
    ),
    # An exam's only date ("Exam Date") is the best guess for the time axis;
    # `guess_mapping` uses it when nothing says "complete".
    _rule(
        fields.COMPLETED_AT,
        30,
        GENERIC_EXAM,
        TIME,
        forbids=_TIME_FORBIDS
        | ORDER
        | START
        | PRELIMINARY
        | DICTATED
        | FINAL
        | {"report"},
    ),
    _rule(fields.PRELIMINARY_AT, 90, PRELIMINARY, forbids=_TIME_FORBIDS | FINAL),
    _rule(fields.PRELIMINARY_AT, 60, DICTATED, forbids=_TIME_FORBIDS | FINAL),
    _rule(fields.FINALIZED_AT, 90, FINAL, forbids=_TIME_FORBIDS | PRELIMINARY),
    _rule(
        fields.FINALIZED_AT,
        60,
        {"report", "result"},
        TIME,
        forbids=_TIME_FORBIDS | PRELIMINARY | ORDER | START | COMPLETE,
    ),
    _rule(
        fields.ORDERING_PHYSICIAN,
        100,
        ORDER | {"referring"},
        PHYSICIAN,
        forbids=NOT_A_PERSON | {"radiologist"},
    ),
    _rule(fields.ORDERING_PHYSICIAN, 80, ORDER | {"referring"}, {"by"}),
    _rule(fields.ORDERING_PHYSICIAN, 70, {"referring"}, only=True),
    _rule(fields.ORDERING_PHYSICIAN, 50, PHYSICIAN, only=True),
    _rule(
        fields.PATIENT_CLASS,
        100,
        {"patient", "encounter", "visit"},
        {"class"},
        forbids=TIME,
    ),
    _rule(
        fields.PATIENT_CLASS,
        90,
        {"patient", "encounter", "visit"},
        {"type"},
        forbids=TIME,
    ),
    _rule(fields.PATIENT_CLASS, 70, {"class"}, only=True),
    _rule(fields.PATIENT_CLASS, 60, {"patient"}, {"status"}, forbids=TIME),
    _rule(
        fields.READING_RADIOLOGIST,
        100,
        {"radiologist"},
        forbids=_NOT_A_READER,
    ),
    _rule(
        fields.READING_RADIOLOGIST,
        90,
        {"read", "sign", "final", "report", "dictated", "verified", "preliminary"},
        PHYSICIAN | {"by", "radiologist"},
        forbids=_NOT_A_READER,
    ),
    _rule(fields.READING_RADIOLOGIST, 70, {"read"}, only=True),
    _rule(fields.LOCATION, 90, LOCATION, forbids=TIME | PHYSICIAN | {"type"}),
    _rule(
        fields.STATUS,
        100,
        {"status"},
        forbids=TIME | PHYSICIAN | {"patient", "report", "result"},
    ),
    _rule(fields.STATUS, 70, {"report", "result"}, {"status"}, forbids=TIME),
)
# Tokens that may sit in any header without weakening its match.
NEUTRAL_TOKENS = frozenset(
    {"exam", "procedure", "code", "the", "of", "a", "an", "and", "for", "actual"}
)

# Modality codes (DICOM-style) and the ways exports write them. "OT" is
# DICOM's "other": an exam named but of no recognisable modality.
OTHER_MODALITY = "OT"
MODALITY_ALIASES: dict[str, tuple[str, ...]] = {
    "XR": ("XR", "CR", "DX", "DR", "X RAY", "XRAY", "RADIOGRAPHY", "RADIOGRAPH",
           "PLAIN FILM", "GENERAL RADIOLOGY"),
    "CT": ("CT", "CAT", "CTA", "CAT SCAN", "COMPUTED TOMOGRAPHY"),
    "MR": ("MR", "MRI", "MRA", "MAGNETIC RESONANCE"),
    "US": ("US", "ULTRASOUND", "SONO", "SONOGRAPHY", "ULTRASONOGRAPHY"),
    "NM": ("NM", "NUC MED", "NUCLEAR MEDICINE", "NUCLEAR"),
    "MG": ("MG", "MAMMO", "MAMMOGRAPHY", "MAMMOGRAM", "BREAST IMAGING"),
    "FL": ("FL", "RF", "FLUORO", "FLUOROSCOPY"),
    "IR": ("IR", "XA", "VIR", "INTERVENTIONAL", "INTERVENTIONAL RADIOLOGY", "ANGIO"),
    "PET": ("PET", "PT", "PET CT", "PETCT", "PET MR"),
    "DXA": ("DXA", "DEXA", "BMD", "BONE DENSITY", "DENSITOMETRY"),
    "OT": ("OT", "OTHER"),
}  # fmt: skip
# Accession prefixes ("CT123456") read as a modality; two-letter codes that
# are also common words or initials (PT, DR) are left out.
ACCESSION_PREFIXES: dict[str, str] = {
    "XR": "XR", "CR": "XR", "DX": "XR", "CT": "CT", "MR": "MR", "MRI": "MR",
    "US": "US", "NM": "NM", "MG": "MG", "FL": "FL", "RF": "FL", "IR": "IR",
    "XA": "IR", "PET": "PET", "DXA": "DXA",
}  # fmt: skip
# Exam-name words, strongest first: "PET/CT" is PET, "CT GUIDED BIOPSY" is CT,
# "US DOPPLER" is US, a bare "BIOPSY" is IR. Each entry: code, single words,
# phrases (matched on the name's words joined by single spaces).
EXAM_NAME_WORDS: tuple[tuple[str, frozenset[str], tuple[str, ...]], ...] = tuple(
    (code, frozenset(words.split()), phrases)
    for code, words, phrases in (
        ("PET", "PET PETCT PETMR", ()),
        ("NM", "NM NUC SPECT SCINTIGRAPHY HIDA MUGA VQ",
         ("NUC MED", "NUCLEAR MEDICINE", "BONE SCAN", "V Q", "LUNG SCAN")),
        ("DXA", "DEXA DXA DENSITOMETRY BMD", ("BONE DENSITY",)),
        ("MG", "MAMMO MAMMOGRAM MAMMOGRAPHY MG TOMO TOMOSYNTHESIS", ()),
        ("MR", "MR MRI MRA MRV MRCP FMRI", ()),
        ("CT", "CT CTA CTV CTPA CAT", ("COMPUTED TOMOGRAPHY",)),
        ("US", "US USG ULTRASOUND SONO SONOGRAM SONOGRAPHY ULTRASONOGRAPHY "
               "DOPPLER DUPLEX ECHO ECHOCARDIOGRAM", ()),
        ("FL", "FL RF FLUORO FLUOROSCOPY FLUOROSCOPIC ESOPHAGRAM UGI BARIUM "
               "SWALLOW ARTHROGRAM MYELOGRAM HSG VCUG CYSTOGRAM", ()),
        ("IR", "IR VIR INTERVENTIONAL ANGIO ANGIOGRAM ANGIOGRAPHY ANGIOPLASTY "
               "EMBOLIZATION BIOPSY PICC DRAIN DRAINAGE PARACENTESIS "
               "THORACENTESIS NEPHROSTOMY VENOGRAM ABLATION KYPHOPLASTY "
               "VERTEBROPLASTY", ()),
        ("XR", "XR CR DX XRAY RADIOGRAPH RADIOGRAPHS RADIOGRAPHY KUB VIEW VIEWS "
               "VW VWS PORTABLE", ("X RAY", "PLAIN FILM")),
    )
)  # fmt: skip

# A trailing line starting like this is a report footer, not an exam.
FOOTER_PATTERN = re.compile(
    r"^\W*(total|grand total|report|generated|printed|run (date|time|on|by)|"
    r"page \d|end of|record|row count|count\b|number of|confidential)",
    re.IGNORECASE,
)
