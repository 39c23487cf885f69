"""Every count of the quality report links to its exams: unreadable dates.

The export below is worked by hand: B2's order time "yesterday" cannot be
read as a date, B3 has none; B1 and B4 are readable.
"""

import re

from tests.client_fixtures import load
from tests.page_helpers import html

CSV = (
    b"Exam Complete Date/Tm,Order Procedure Accession,Exam Order Date/Time,"
    b"Final Date/Tm,Exam Order Name,Priority,Ordering Physician,Patient Class\r\n"
    b"03/03/2025 10:30,B1,03/03/2025 09:00,03/03/2025 11:00,CT HEAD,STAT,A,ED\r\n"
    b"03/04/2025 10:30,B2,yesterday,03/04/2025 11:00,CT HEAD,STAT,A,ED\r\n"
    b"03/05/2025 10:30,B3,,03/05/2025 11:00,CT HEAD,STAT,A,ED\r\n"
    b"03/15/2025 10:30,B4,03/15/2025 09:00,03/15/2025 11:00,CT HEAD,STAT,A,ED\r\n"
)


def _links(text: str) -> dict[str, str]:
    """Return each finding's link label → its URL."""
    found = re.findall(r'<a href="([^"]*quality=[^"]*)">([^<]*)</a>', text)
    return {label: url.replace("&amp;", "&") for url, label in found}


def test_unreadable_order_dates_link_to_their_exams(client, db):
    load(client, CSV)
    text = html(client.get("/data"))
    assert "1 value in Ordered could not be read as a date" in text
    links = _links(text)
    label = "See the exams with nothing readable in “Ordered”"
    assert links[label] == "/exams?quality=unreadable&field=ordered_at"
    listed = html(client.get(links[label]))
    # B2 (unreadable) and B3 (empty) have no order time; B1 and B4 do.
    assert "B2" in listed and "B3" in listed
    assert "B1" not in listed and "B4" not in listed
    assert "of 2." in listed
    assert "nothing readable in “Ordered”" in listed
    csv = client.get(links[label] + "&format=csv").content.decode("utf-8-sig")
    rows = csv.strip().splitlines()[1:]
    assert len(rows) == 2
    assert all(("B2" in row) != ("B3" in row) for row in rows)


def test_an_unknown_field_is_a_400_page(client, db):
    load(client, CSV)
    response = client.get("/exams?quality=unreadable&field=colour")
    assert response.status_code == 400
    assert "colour" in html(response)
