"""The tiny export the analysis-view tests load, a long one, and their URLs."""

# Seed layout. Hand-worked (minutes):
# A1 CT Mon 03-03 10:30  order→complete 90, complete→final 30, total 120
# A2 XR Mon 03-03 23:30  order→complete 90, no final: pending
# A3 MR Sat 03-08 08:00  30, 110, 140
# A4 CT Sat 03-15 01:00  120, final 10 min BEFORE completion (-10), 110
# A5 XR Sun 03-16 09:00  60, exactly 60 (→ 1–4 h), 120; its final 10:00 is the
#    latest time in the file, so pending ages count to 2025-03-16 10:00.
EVIL = "<script>alert(1)</script>"
ANALYSIS_CSV = (
    "Exam Complete Date/Tm,Order Procedure Accession,Exam Order Date/Time,"
    "Final Date/Tm,Exam Order Name,Priority,Ordering Physician,Patient Class\r\n"
    "03/03/2025 10:30,A1,03/03/2025 09:00,03/03/2025 11:00,CT HEAD WO CONTRAST,"
    "STAT,=HYPERLINK(1),ED\r\n"
    f"03/03/2025 23:30,A2,03/03/2025 22:00,,XR CHEST 2 VIEWS,Routine,{EVIL},"
    "Inpatient\r\n"
    "03/08/2025 08:00,A3,03/08/2025 07:30,03/08/2025 09:50,MRI BRAIN,Urgent,"
    '"DOE, JANE MD",Outpatient\r\n'
    "03/15/2025 01:00,A4,03/14/2025 23:00,03/15/2025 00:50,CT CHEST,STAT,"
    '"DOE, JANE MD",ED\r\n'
    "03/16/2025 09:00,A5,03/16/2025 08:00,03/16/2025 10:00,XR CHEST 2 VIEWS,"
    'Routine,"DOE, JANE MD",Outpatient\r\n'
).encode()


def long_csv(days: int = 70) -> bytes:
    """Return ``days`` days from Mon 2025-01-06 with 3 weekday / 1 weekend exams."""
    import datetime as dt

    lines = [
        "Exam Complete Date/Tm,Order Procedure Accession,Exam Order Date/Time,"
        "Final Date/Tm,Exam Order Name"
    ]
    first = dt.date(2025, 1, 6)
    number = 0
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        for _ in range(3 if day.weekday() < 5 else 1):
            number += 1
            stamp = day.strftime("%m/%d/%Y")
            lines.append(f"{stamp} 10:00,B{number},{stamp} 09:00,{stamp} 11:00,CT HEAD")
    return ("\r\n".join(lines) + "\r\n").encode()


ENDPOINTS = [
    "/api/distribution",
    "/api/heatmap",
    "/api/compare",
    "/api/overview",
    "/api/pareto",
    "/api/top_exams",
    "/api/pending",
    "/api/forecast",
]
PAGES = [
    "/overview",
    "/insights/distribution",
    "/insights/heatmap",
    "/insights/compare",
    "/insights/pareto",
    "/insights/pending",
    "/insights/forecast",
]
