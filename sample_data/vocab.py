"""Vocabulary and rates of the simulated hospital: exams, people, volumes.

Shares and medians are plausible for a mid-size US hospital, not measured:
they exist to make charts look like a real department's.
"""

from datetime import date, timedelta

CLASSES = ("ED", "Inpatient", "Outpatient")
CLASS_SHARES = (0.30, 0.25, 0.45)
PRIORITIES = ("STAT", "Urgent", "Routine")
# Priority shares per patient class (rows follow CLASSES).
PRIORITY_SHARES = ((0.85, 0.12, 0.03), (0.20, 0.30, 0.50), (0.02, 0.08, 0.90))

MODALITIES = ("XR", "CT", "MR", "US", "NM", "MG", "FL", "IR", "PET")
# Modality shares per patient class, in percent (rows follow CLASSES).
MODALITY_SHARES = (
    (52, 34, 2, 11, 0.5, 0, 0, 0.5, 0),
    (48, 20, 7, 12, 2.5, 0, 4, 6, 0.5),
    (33, 13, 12, 14, 3, 17, 2.5, 2.5, 3),
)

# Exam names by modality with relative popularity. Every name starts with a
# word that implies its modality (EXAM_PREFIXES), because the seed layout has
# no modality column and the app derives it from the name. "<" and "&" and a
# double quote are there on purpose: real names have them, and they must
# survive CSV quoting and HTML escaping.
EXAMS = {
    "XR": (
        ("XR CHEST 2 VIEWS", 30),
        ("XR CHEST 1 VIEW PORTABLE", 22),
        ("XR ABDOMEN 1 VIEW", 7),
        ("XR KNEE 3 VIEWS", 7),
        ("XR LUMBAR SPINE 2-3 VIEWS", 6),
        ("XR ANKLE 3+ VIEWS", 5),
        ("XR FOOT 3+ VIEWS", 5),
        ("XR SHOULDER 2+ VIEWS", 5),
        ("XR HIP W PELVIS 2-3 VIEWS", 5),
        ("XR HAND <3 VIEWS", 3),
    ),
    "CT": (
        ("CT HEAD WO CONTRAST", 30),
        ("CT ABDOMEN PELVIS W CONTRAST", 25),
        ("CTA CHEST PE PROTOCOL", 10),
        ("CT CHEST WO CONTRAST", 8),
        ("CT CERVICAL SPINE WO CONTRAST", 8),
        ("CT CHEST W CONTRAST", 6),
        ('CT ABDOMEN PELVIS WO CONTRAST "STONE PROTOCOL"', 5),
        ("CTA HEAD AND NECK W WO CONTRAST", 5),
        ("CT SINUS WO CONTRAST", 2),
    ),
    "MR": (
        ("MRI BRAIN W WO CONTRAST", 25),
        ("MRI LUMBAR SPINE WO CONTRAST", 18),
        ("MRI BRAIN WO CONTRAST", 15),
        ("MRI CERVICAL SPINE WO CONTRAST", 10),
        ("MRI KNEE WO CONTRAST", 10),
        ("MRI SHOULDER WO CONTRAST", 6),
        ("MRI ABDOMEN W WO CONTRAST", 6),
        ("MRI PROSTATE W WO CONTRAST", 4),
        ("MRA HEAD WO CONTRAST", 4),
    ),
    "US": (
        ("US ABDOMEN COMPLETE", 18),
        ("US ABDOMEN LIMITED RUQ", 16),
        ("US VENOUS DOPPLER LOWER EXTREMITY BILATERAL", 14),
        ("US PELVIS TRANSVAGINAL", 12),
        ("US RENAL & BLADDER", 10),
        ("US THYROID", 8),
        ("US CAROTID DOPPLER BILATERAL", 7),
        ("US BREAST LIMITED", 6),
        ("US SCROTUM", 3),
    ),
    "NM": (
        ("NM BONE SCAN WHOLE BODY", 30),
        ("NM MYOCARDIAL PERFUSION SPECT REST AND STRESS", 30),
        ("NM HEPATOBILIARY SCAN (HIDA)", 12),
        ("NM LUNG VENTILATION PERFUSION (V/Q)", 10),
        ("NM GASTRIC EMPTYING", 8),
        ("NM THYROID UPTAKE AND SCAN", 6),
    ),
    "MG": (
        ("MAMMO SCREENING BILATERAL W TOMO", 60),
        ("MAMMO DIAGNOSTIC BILATERAL W TOMO", 15),
        ("MAMMO DIAGNOSTIC UNILATERAL W TOMO", 15),
        ("MAMMO SCREENING BILATERAL", 7),
        ("MAMMO STEREOTACTIC BIOPSY", 3),
    ),
    "FL": (
        ("FLUORO MODIFIED BARIUM SWALLOW", 25),
        ("FLUORO UGI", 15),
        ("FLUORO ESOPHAGRAM", 15),
        ("FLUORO LUMBAR PUNCTURE", 12),
        ("FLUORO SMALL BOWEL FOLLOW THROUGH", 8),
        ("FLUORO HYSTEROSALPINGOGRAM", 6),
        ("FLUORO VCUG", 5),
    ),
    "IR": (
        ("IR PICC PLACEMENT", 30),
        ("IR PARACENTESIS", 20),
        ("IR THORACENTESIS", 12),
        ("IR TUNNELED CENTRAL LINE PLACEMENT", 10),
        ("IR BIOPSY LIVER PERCUTANEOUS", 8),
        ("IR PORT PLACEMENT", 8),
        ("IR NEPHROSTOMY TUBE PLACEMENT", 6),
        ("IR GASTROSTOMY TUBE PLACEMENT", 6),
    ),
    "PET": (
        ("PET/CT SKULL BASE TO MID THIGH", 70),
        ("PET/CT WHOLE BODY", 15),
        ("PET/CT PSMA SKULL BASE TO MID THIGH", 10),
        ("PET/CT BRAIN", 5),
    ),
}
# First word of an exam name -> modality (checked longest first: PET/CT is PET).
EXAM_PREFIXES = {
    "XR": "XR",
    "CT": "CT",
    "CTA": "CT",
    "MRI": "MR",
    "MRA": "MR",
    "US": "US",
    "NM": "NM",
    "MAMMO": "MG",
    "FLUORO": "FL",
    "IR": "IR",
    "PET/CT": "PET",
}

# Ordering providers by the patient class they mostly order for, busiest
# first. Apostrophes, accents and the curly quote are deliberate; all of them
# exist in Windows-1252 (the cerner layout's encoding).
PHYSICIANS = {
    "ED": (
        "SMITH, JOHN MD",
        "GARCIA, MARIA MD",
        "NGUYEN, DAVID MD",
        "O’BRIEN, SEAN DO",
        "WILLIAMS, KEISHA MD",
        "KOWALSKI, PETER MD",
        "CHEN, MICHAEL MD",
        "ANDERSON, LAURA PA-C",
    ),
    "Inpatient": (
        "PATEL, RAJESH MD",
        "JOHNSON, EMILY MD",
        "MÜLLER, ANNA MD",
        "BROWN, ROBERT MD",
        "D'ANGELO, MARIA MD",
        "LEE, SUSAN MD",
        "HERNANDEZ, CARLOS MD",
        "THOMPSON, JAMES DO",
        "OKAFOR, CHIDI MD",
        "MARTIN, SARAH NP",
        "WRIGHT, THOMAS MD",
        "KIM, JENNIFER MD",
    ),
    "Outpatient": (
        "MILLER, DAVID MD",
        "DAVIS, JENNIFER MD",
        "WILSON, MARK MD",
        "MOORE, LISA MD",
        "TAYLOR, KEVIN MD",
        "JACKSON, ANGELA MD",
        "WHITE, BRIAN MD",
        "HARRIS, NICOLE DO",
        "CLARK, STEVEN MD",
        "LEWIS, KAREN MD",
        "ROBINSON, PAUL MD",
        "NÚÑEZ, JAVIER MD",
        "WALKER, AMANDA NP",
        "YOUNG, CHRISTOPHER MD",
        "ALLEN, MELISSA MD",
        "KING, JOSEPH MD",
        "SCOTT, REBECCA MD",
        "GREEN, DANIEL MD",
        "BAKER, STEPHANIE MD",
        "ADAMS, JESSICA MD",
    ),
}
# Reading radiologists by modality (sections share people, as they do).
RADIOLOGISTS = {
    "XR": (
        "RIVERA, SOFIA MD",
        "COOPER, ETHAN MD",
        "WARD, HANNAH MD",
        "COLLINS, RYAN MD",
    ),
    "CT": ("REED, ALAN MD", "SHAH, NEHA MD", "FOSTER, GRACE MD", "MORRIS, DANIEL MD"),
    "MR": ("REED, ALAN MD", "SHAH, NEHA MD", "COLLINS, RYAN MD", "BENNETT, OLIVIA MD"),
    "US": ("FOSTER, GRACE MD", "MORRIS, DANIEL MD", "BENNETT, OLIVIA MD"),
    "NM": ("LONG, VICTOR MD",),
    "MG": ("HUGHES, CLAIRE MD", "PRICE, MEGAN MD"),
    "FL": ("MORRIS, DANIEL MD", "RIVERA, SOFIA MD"),
    "IR": ("BUTLER, MARCUS MD", "SANDERS, JULIA MD"),
    "PET": ("LONG, VICTOR MD",),
}
# Residents dictate the preliminary reports of ED and overnight work (a
# teaching hospital); an attending above signs the final. Night-float
# residents cover 23:00-07:00, the others the ED by day and evening.
DAY_RESIDENTS = (
    "PARK, JOON MD (RESIDENT)",
    "IBRAHIM, LEILA MD (RESIDENT)",
    "SCHULZ, TOBIAS MD (RESIDENT)",
    "OKONKWO, ADA MD (RESIDENT)",
)
NIGHT_RESIDENTS = ("VARGAS, ELENA MD (RESIDENT)", "MURPHY, LIAM MD (RESIDENT)")
# Where an exam was done, first as a department (it decides the site), then
# as the room or scanner within it.
DEPARTMENTS = (
    "ED IMAGING",
    "MAIN RADIOLOGY",
    "OUTPATIENT IMAGING CENTER",
    "BREAST CENTER",
    "NUCLEAR MEDICINE",
    "INTERVENTIONAL RADIOLOGY",
)
# Two sites: MAIN (the hospital: ED, inpatients, IR, NM, PET) and NORTH (the
# outpatient imaging and breast center). Rooms per (site, modality), each
# used equally often; ED work has its own XR and CT rooms, portable films
# are taken by the portable unit on the wards and in the ED.
ROOMS = {
    ("MAIN", "XR"): ("MAIN XR 1", "MAIN XR 2"),
    ("MAIN", "CT"): ("MAIN CT 1", "MAIN CT 2"),
    ("MAIN", "MR"): ("MAIN MR 1", "MAIN MR 2"),
    ("MAIN", "US"): ("MAIN US 1", "MAIN US 2"),
    ("MAIN", "NM"): ("MAIN NM 1",),
    ("MAIN", "FL"): ("MAIN FLUORO 1",),
    ("MAIN", "IR"): ("MAIN IR 1", "MAIN IR 2"),
    ("MAIN", "PET"): ("MAIN PET/CT 1",),
    ("NORTH", "XR"): ("NORTH XR 1",),
    ("NORTH", "CT"): ("NORTH CT 1",),
    ("NORTH", "MR"): ("NORTH MR 1",),
    ("NORTH", "US"): ("NORTH US 1", "NORTH US 2"),
    ("NORTH", "MG"): ("NORTH MAMMO 1", "NORTH MAMMO 2", "NORTH MAMMO 3"),
}
ED_ROOMS = {"XR": "MAIN ED XR", "CT": "MAIN ED CT"}
PORTABLE_ROOM = "MAIN XR PORTABLE"

# Arrival pattern: relative volume by hour of day (0..23) per patient class.
HOUR_PROFILES = {
    "ED": (
        (0.45, 0.38, 0.32, 0.28, 0.26, 0.28, 0.35, 0.50, 0.70, 0.90, 1.00, 1.05)
        + (1.05, 1.05, 1.05, 1.05, 1.00, 1.00, 0.98, 0.95, 0.90, 0.80, 0.70, 0.55)
    ),
    # Early-morning peak: portable chest films before rounds.
    "Inpatient": (
        (0.35, 0.30, 0.30, 0.35, 0.60, 0.90, 1.00, 1.00, 1.00, 1.05, 1.00, 0.95)
        + (0.90, 0.90, 0.85, 0.80, 0.70, 0.60, 0.55, 0.50, 0.45, 0.45, 0.40, 0.38)
    ),
    "Outpatient": (
        (0.005, 0.005, 0.005, 0.005, 0.005, 0.005, 0.15, 0.60, 1.00, 1.10, 1.10)
        + (1.05, 0.85, 1.00, 1.05, 1.00, 0.90, 0.60, 0.35, 0.20, 0.10, 0.05)
        + (0.02, 0.01)
    ),
}
# Relative volume by weekday (Mon..Sun) per patient class.
WEEKDAY_FACTORS = {
    "ED": (1.10, 1.00, 1.00, 1.00, 1.00, 0.92, 0.95),
    "Inpatient": (1.00, 1.00, 1.00, 1.00, 1.00, 0.75, 0.70),
    "Outpatient": (1.00, 1.00, 1.00, 1.00, 0.92, 0.18, 0.06),
}
HOLIDAY_FACTORS = {"ED": 1.0, "Inpatient": 0.75, "Outpatient": 0.10}
TREND_PER_YEAR = 0.06  # volumes grow a few percent a year
WINTER_SURGE = 0.08  # ED and inpatient peak in January (respiratory season)

# Minutes from completion back to the start of the exam (median by modality).
EXAM_MINUTES = {
    "XR": 8,
    "CT": 12,
    "MR": 40,
    "US": 25,
    "NM": 45,
    "MG": 15,
    "FL": 25,
    "IR": 60,
    "PET": 35,
}
# Order -> complete: median minutes by class x priority, times a modality
# factor; outpatient routine exams are mostly scheduled days ahead instead.
ORDER_MEDIANS = ((40, 75, 120), (60, 240, 720), (90, 120, 50))
ORDER_MODALITY_FACTORS = {
    "XR": 0.7,
    "CT": 1.0,
    "MR": 2.5,
    "US": 1.5,
    "NM": 2.0,
    "MG": 1.0,
    "FL": 2.0,
    "IR": 2.0,
    "PET": 2.0,
}
WALK_IN_SHARES = {"XR": 0.85, "US": 0.15, "CT": 0.10}  # others: 3%
SCHEDULE_LEAD_DAYS = {"MR": 10, "MG": 14, "NM": 7, "PET": 7}  # others: 5
# Complete -> final: median minutes by priority (routine outpatient reads wait
# for the next working day), times a modality factor.
REPORT_MEDIANS = (28, 90, 240)
REPORT_MODALITY_FACTORS = {
    "XR": 0.8,
    "CT": 1.0,
    "MR": 1.6,
    "US": 1.0,
    "NM": 1.5,
    "MG": 1.0,
    "FL": 1.2,
    "IR": 1.5,
    "PET": 1.5,
}
READING_DAY = (8 * 60, 17 * 60)  # weekday reading hours for routine work


def us_holidays(*, first_year: int, last_year: int) -> set[date]:
    """Return US federal holidays that close outpatient imaging (as observed)."""

    def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
        first = date(year, month, 1)
        day = first + timedelta(days=(weekday - first.weekday()) % 7)
        if n > 0:
            return day + timedelta(weeks=n - 1)
        next_month = date(year + month // 12, month % 12 + 1, 1)
        return next_month - timedelta(days=(next_month.weekday() - weekday - 1) % 7 + 1)

    days = set()
    for year in range(first_year, last_year + 1):
        for fixed in (date(year, 1, 1), date(year, 7, 4), date(year, 12, 25)):
            # A Saturday holiday is observed on Friday, a Sunday one on Monday.
            shift = {5: -1, 6: 1}.get(fixed.weekday(), 0)
            days.add(fixed + timedelta(days=shift))
        days.update(
            (
                nth_weekday(year, 1, 0, 3),  # Martin Luther King Jr. Day
                nth_weekday(year, 2, 0, 3),  # Presidents' Day
                nth_weekday(year, 5, 0, -1),  # Memorial Day
                nth_weekday(year, 9, 0, 1),  # Labor Day
                nth_weekday(year, 11, 3, 4),  # Thanksgiving
            )
        )
    return days
