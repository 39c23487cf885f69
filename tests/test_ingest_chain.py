"""The whole chain ordered ≤ started ≤ completed ≤ preliminary ≤ final is
checked, counted in the quality report and listed by the exam list."""

import io
from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from exams.ingest import combine_exports, read_export
from exams.ingest.values.chain import CHAIN, parse_pair
from exams.presentation.quality_text import quality_items
from tests.client_fixtures import load

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_static_storage")]

HEADER = (
    "Accession,Modality,ORDER_DT_TM,START_DT_TM,COMPLETE_DT_TM,PRELIM_DTTM,FINAL_DT_TM"
)
# All on 2024-01-15; hand-worked pairs out of order per row:
# A1 in order; A2 started > completed; A3 ordered > started, completed, prelim;
# A4 completed > prelim and final; A5 (no start, no prelim) completed > final;
# A6 prelim > final.
ROWS = [
    ("A1", "08:00", "08:30", "09:00", "09:20", "09:40"),
    ("A2", "08:00", "09:10", "09:00", "09:20", "09:40"),
    ("A3", "10:00", "09:30", "09:45", "09:50", "10:30"),
    ("A4", "08:00", "08:10", "08:30", "08:20", "08:25"),
    ("A5", "08:00", "", "08:30", "", "08:20"),
    ("A6", "08:00", "08:10", "08:20", "08:50", "08:40"),
]
EXPECTED = {
    "ordered_at>started_at": 1,
    "ordered_at>completed_at": 1,
    "ordered_at>preliminary_at": 1,
    "ordered_at>finalized_at": 0,
    "started_at>completed_at": 1,
    "started_at>preliminary_at": 0,
    "started_at>finalized_at": 0,
    "completed_at>preliminary_at": 1,
    "completed_at>finalized_at": 2,
    "preliminary_at>finalized_at": 1,
}


def chain_export(prefix: str = "") -> bytes:
    lines = [HEADER]
    for accession, *times in ROWS:
        stamps = [f"01/15/2024 {t}" if t else "" for t in times]
        lines.append(",".join([prefix + accession, "CT", *stamps]))
    return ("\n".join(lines) + "\n").encode()


def test_every_pair_out_of_order_is_counted():
    result = read_export(chain_export(), filename="chain.csv")
    assert result.quality["out_of_order"] == EXPECTED
    # Unchanged meaning: the intervals below zero (the file has preliminary
    # times, so the two preliminary intervals are counted too).
    assert result.quality["negative"] == {
        "order_to_complete": 1,
        "complete_to_final": 2,
        "order_to_final": 0,
        "complete_to_preliminary": 1,
        "preliminary_to_final": 1,
    }


def test_the_report_lists_pairs_not_already_in_negative():
    result = read_export(chain_export(), filename="chain.csv")
    items = [i for i in quality_items({"quality": result.quality})]
    pairs = {i["field"]: i["count"] for i in items if i["kind"] == "out_of_order"}
    # ordered>completed and completed>final are the "negative" items already.
    assert pairs == {
        "ordered_at>started_at": 1,
        "ordered_at>preliminary_at": 1,
        "started_at>completed_at": 1,
    }
    texts = [i["text"] for i in items]
    assert (
        "1 exam has its exam start time after the completion time (out of order)."
        in texts
    )


def test_pairs_match_pandas_over_random_exports():
    rng = np.random.default_rng(16)
    n = 300
    base = np.datetime64("2024-02-01T00:00") + rng.integers(0, 40 * 1440, n).astype(
        "timedelta64[m]"
    )
    # Mostly in order, with backward steps and blanks.
    steps = rng.integers(-30, 120, (n, 5)).astype("timedelta64[m]")
    times = base[:, None] + np.cumsum(steps, axis=1)
    raw = pd.DataFrame(times, columns=["o", "s", "c", "p", "f"]).apply(
        lambda col: col.dt.strftime("%m/%d/%Y %H:%M")
    )
    raw = raw.mask(rng.random((n, 5)) < 0.1, "")
    raw["c"] = raw["c"].replace("", "02/01/2024 00:01")
    raw.columns = HEADER.split(",")[2:]
    raw.insert(0, "Modality", "CT")
    raw.insert(0, "Accession", [f"R{i}" for i in range(n)])
    data = raw.to_csv(index=False).encode()
    result = read_export(data, filename="random.csv")

    independent = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    parsed = [
        pd.to_datetime(independent[h], format="%m/%d/%Y %H:%M", errors="coerce")
        for h in HEADER.split(",")[2:]
    ]
    expected = {
        f"{CHAIN[i]}>{CHAIN[j]}": int((parsed[i] > parsed[j]).sum())
        for i, j in combinations(range(5), 2)
    }
    assert result.quality["out_of_order"] == expected
    assert sum(expected.values()) > 0


def test_a_date_only_side_is_compared_by_day():
    data = (
        b"Accession,Modality,Order Date,START_DT_TM,COMPLETE_DT_TM\n"
        b"B1,CT,2024-01-15,2024-01-15 09:00,2024-01-15 09:30\n"
        b"B2,CT,2024-01-16,2024-01-15 09:00,2024-01-15 09:30\n"
        b"B3,CT,2024-01-15,2024-01-14 23:00,2024-01-14 23:30\n"
    )
    result = read_export(data, filename="days.csv")
    assert result.columns["ordered_at"] == "Order Date"
    # B1: same day is in order, though midnight < 09:00 would say so anyway;
    # B2: the 16th after the 15th; B3: the 15th after the 14th.
    assert result.quality["out_of_order"] == {
        "ordered_at>started_at": 2,
        "ordered_at>completed_at": 2,
        "started_at>completed_at": 0,
    }
    assert result.quality["negative"]["order_to_complete"] == 0
    assert result.frame["order_to_complete"].isna().all()
    assert result.quality["date_only"] == {"ordered_at": 3}


def test_a_later_date_only_end_on_the_same_day_is_in_order():
    # Completed on the 15th (a date alone) after a start at 09:00 that day:
    # read as midnight it would be "before" the start.
    data = (
        b"Accession,Modality,START_DT_TM,Exam Complete Date\n"
        b"C1,CT,2024-01-15 09:00,2024-01-15\n"
        b"C2,CT,2024-01-15 09:00,2024-01-14\n"
        b"C3,CT,2024-01-16 09:00,2024-01-16\n"
    )
    result = read_export(data, filename="later.csv")
    assert result.quality["out_of_order"] == {"started_at>completed_at": 1}


def test_files_combined_are_counted_again():
    one = read_export(chain_export(), filename="one.csv")
    other = read_export(
        chain_export(prefix="Z"),
        filename="two.csv",
    )
    _, _, quality = combine_exports([one, other])
    assert quality["out_of_order"] == {k: 2 * v for k, v in EXPECTED.items()}


@pytest.mark.parametrize(
    ("name", "ends"),
    [
        ("started_at>completed_at", ("started_at", "completed_at")),
        ("ordered_at>finalized_at", ("ordered_at", "finalized_at")),
        ("completed_at>started_at", None),
        ("completed_at>completed_at", None),
        ("accession>completed_at", None),
        ("", None),
    ],
)
def test_pair_names(name, ends):
    assert parse_pair(name) == ends


def test_the_exam_list_lists_a_pair(client):
    load(client, chain_export())
    response = client.get("/exams?quality=out_of_order&pair=completed_at>finalized_at")
    assert response.status_code == 200
    assert sorted(r[0]["text"] for r in response.context["rows"]) == ["A4", "A5"]
    assert "after their final time" in response.context["quality_note"]
    response = client.get(
        "/exams", {"quality": "out_of_order", "pair": "started_at>completed_at"}
    )
    assert [r[0]["text"] for r in response.context["rows"]] == ["A2"]
    # Both times of the pair are shown, in chain order (with the preliminary
    # time: the data set has one).
    labels = [h["label"] for h in response.context["headers"]]
    assert labels[labels.index("Ordered") : labels.index("Final") + 1] == [
        "Ordered",
        "Started",
        "Completed",
        "Preliminary",
        "Final",
    ]
    started = labels.index("Started")
    assert response.context["rows"][0][started]["text"] == "2024-01-15 09:10"
    assert "pair=started_at%3Ecompleted_at" in response.context["csv_url"]


@pytest.mark.parametrize("pair", ["", "completed_at>started_at", "gremlins"])
def test_a_bad_pair_is_a_400(client, pair):
    load(client, chain_export())
    response = client.get("/exams", {"quality": "out_of_order", "pair": pair})
    assert response.status_code == 400
    assert "started_at&gt;completed_at" in response.content.decode()


def test_the_upload_report_links_each_pair_to_its_exams(client):
    load(client, chain_export())
    page = client.get("/data").content.decode()
    assert "1 exam has its exam start time after the completion time" in page
    assert (
        "/exams?quality=out_of_order&amp;pair=started_at%3Ecompleted_at"
        "&amp;sort=started_at"
    ) in page
