"""Four exams worked by hand for the numbers API, served in place of a data set.

Fixture bodies are plain functions; modules register the ones they use.
"""

import pandas as pd

# Four exams worked by hand (default shifts):
# A1 CT ED STAT, completed Mon 2025-01-06 09:30 (day): o→c 30, c→f 60.
# A2 CT Inpatient Routine, completed Mon 2025-01-06 23:10 (night): o→c 70,
#    c→f 110.
# A3 XR Outpatient, completed Sat 2025-02-01 16:00 (evening): o→c 60, final
#    missing (pending).
# A4 XR ED, completed Sun 2025-02-02 03:00 (night), signed 02:30: c→f -30.
EXAMS = pd.DataFrame(
    {
        "accession": pd.Series(["A1", "A2", "A3", "A4"], dtype="string"),
        "modality": pd.Categorical(["CT", "CT", "XR", "XR"]),
        "priority": pd.Categorical(["STAT", "Routine", "Routine", None]),
        "patient_class": pd.Categorical(["ED", "Inpatient", "Outpatient", "ED"]),
        "ordering_physician": pd.Categorical(["=SUM(A1)", "DOE", "DOE", None]),
        "ordered_at": pd.to_datetime(
            ["2025-01-06 09:00", "2025-01-06 22:00", "2025-02-01 15:00", None]
        ),
        "completed_at": pd.to_datetime(
            [
                "2025-01-06 09:30",
                "2025-01-06 23:10",
                "2025-02-01 16:00",
                "2025-02-02 03:00",
            ]
        ),
        "finalized_at": pd.to_datetime(
            ["2025-01-06 10:30", "2025-01-07 01:00", None, "2025-02-02 02:30"]
        ),
    }
)


def get(client, url: str):
    response = client.get(url)
    return response, (
        response.json() if response["Content-Type"] == "application/json" else None
    )


EXPORT = (
    b"Exam Complete Date/Tm,Order Procedure Accession,Exam Order Date/Time,"
    b"Final Date/Tm,Exam Order Name\r\n"
    b"01/13/2025 10:30,CT1,01/13/2025 09:00,01/13/2025 11:00,CT HEAD WO CONTRAST\r\n"
    b"01/13/2025 21:30,XR2,01/13/2025 21:00,,XR CHEST 2 VIEWS\r\n"
    b"02/14/2025 06:00,MR3,02/14/2025 05:30,02/14/2025 07:00,MRI BRAIN\r\n"
)
