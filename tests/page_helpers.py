"""The tiny export the page tests load, and readers of the pages."""

from tests.html_reader import json_script

EVIL_PHYSICIAN = "<script>alert(1)</script>"
EVIL_EXAM = "XR CHEST </script><script>alert(2)</script>"

# Seed layout, month first (03/15 settles it). Hand-worked:
# A1 CT Mon 03-03 10:30 day shift: order→complete 90, complete→final 30, total 120
# A2 XR Mon 03-03 23:30 night: order→complete 90, no final (pending)
# A3 MR Sat 03-08 08:00 day: 30, 110, 140
# A4 CT Sat 03-15 01:00 night: 120, final 10 min BEFORE completion (-10), total 110
# Report TAT median over the valid (30, 110) = 70 min, n = 2.
# Total TAT median over (120, 140, 110) = 120 min, n = 3.
TINY_CSV = (
    "Exam Complete Date/Tm,Order Procedure Accession,Exam Order Date/Time,"
    "Final Date/Tm,Exam Order Name,Priority,Ordering Physician,Patient Class\r\n"
    f"03/03/2025 10:30,A1,03/03/2025 09:00,03/03/2025 11:00,CT HEAD WO CONTRAST,"
    f"STAT,{EVIL_PHYSICIAN},ED\r\n"
    f'03/03/2025 23:30,A2,03/03/2025 22:00,,{EVIL_EXAM},Routine,"SMITH, JOHN MD",'
    "Inpatient\r\n"
    "03/08/2025 08:00,A3,03/08/2025 07:30,03/08/2025 09:50,MRI BRAIN,Urgent,"
    '"DOE, JANE MD",Outpatient\r\n'
    "03/15/2025 01:00,A4,03/14/2025 23:00,03/15/2025 00:50,CT CHEST,STAT,"
    '"DOE, JANE MD",ED\r\n'
).encode()


def html(response) -> str:
    return response.content.decode()


def figure_of(response) -> dict | None:
    """Return the figure the page embeds with json_script."""
    return json_script(response.content, "figure-data")
