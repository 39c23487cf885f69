"""Reading radiologist, location, the prelim intervals and the cross table
over HTTP, each number against pandas over the raw CSV (never our code)."""

import io

import numpy as np
import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from exams.analysis.dashboard.options import present_values

HEADER = (
    "ACCESSION_NUM,PROC_NAME,MODALITY,ORDERING_DTTM,END_EXAM_DTTM,PRELIM_DTTM,"
    "FINALIZING_DTTM,ORDER_PRIORITY_C,PAT_CLASS_C,ORDERING_PROV,FINALIZING_RAD,"
    "PERFORMING_DEPT"
)
RADIOLOGISTS = ["COOPER, ETHAN MD", "Lee, Ann", "PATEL, RAJ MD", ""]
LOCATIONS = ["Main CT 1", "North MR", "ED Imaging", ""]
MODALITIES = ["CT", "MR", "XR"]
INTERVALS = {
    "complete_to_preliminary": ("completed", "prelim"),
    "preliminary_to_final": ("prelim", "final"),
    "complete_to_final": ("completed", "final"),
}


def export(*, rows: int = 400, prelim: bool = True, seed: int = 7) -> str:
    """Return a seeded Epic-style CSV; some prelims missing, a few negative."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2025-01-01")
    lines = [HEADER if prelim else HEADER.replace("PRELIM_DTTM,", "")]
    for i in range(rows):
        completed = start + pd.Timedelta(minutes=int(rng.integers(0, 90 * 1440)))
        ordered = completed - pd.Timedelta(minutes=int(rng.integers(5, 600)))
        prelim_at = completed + pd.Timedelta(minutes=int(rng.integers(-20, 300)))
        final = prelim_at + pd.Timedelta(minutes=int(rng.integers(-10, 900)))
        cells = [
            f"A{i}",
            "EXAM",
            MODALITIES[i % 3],
            f"{ordered:%Y-%m-%d %H:%M:%S}",
            f"{completed:%Y-%m-%d %H:%M:%S}",
        ]
        if prelim:
            cells.append("" if i % 5 == 0 else f"{prelim_at:%Y-%m-%d %H:%M:%S}")
        cells += [
            f"{final:%Y-%m-%d %H:%M:%S}",
            "STAT" if i % 4 == 0 else "Routine",
            "ED" if i % 3 == 0 else "Outpatient",
            '"SMITH, JOHN"',
            f'"{RADIOLOGISTS[int(rng.integers(0, 4))]}"',
            LOCATIONS[int(rng.integers(0, 4))],
        ]
        lines.append(",".join(cells))
    return "\r\n".join(lines) + "\r\n"


def raw_frame(text: str) -> pd.DataFrame:
    """Return the CSV as pandas reads it, with the times and shift computed."""
    raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    out = pd.DataFrame(
        {
            "modality": raw["MODALITY"],
            "radiologist": raw["FINALIZING_RAD"],
            "location": raw["PERFORMING_DEPT"],
            "completed": pd.to_datetime(raw["END_EXAM_DTTM"]),
            "final": pd.to_datetime(raw["FINALIZING_DTTM"]),
        }
    )
    if "PRELIM_DTTM" in raw:
        out["prelim"] = pd.to_datetime(raw["PRELIM_DTTM"].replace("", None))
    hour = out["completed"].dt.hour
    out["shift"] = np.where(
        (hour >= 7) & (hour < 15),
        "day",
        np.where((hour >= 15) & (hour < 23), "evening", "night"),
    )
    return out


def minutes(frame: pd.DataFrame, metric: str) -> pd.Series:
    start, end = INTERVALS[metric]
    return (frame[end] - frame[start]).dt.total_seconds() / 60


@pytest.fixture
def loaded(db):
    text = export()
    client = Client()
    upload = SimpleUploadedFile("epic.csv", text.encode())
    assert client.post("/api/datasets", {"file": upload}).status_code == 201
    return client, raw_frame(text)


def test_radiologist_and_location_filter_the_exams(loaded):
    client, raw = loaded
    url = "/api/exams?radiologist=lee,+ann&radiologist=PATEL,+RAJ+MD&location=north+mr"
    body = client.get(url).json()
    want = raw[
        raw["radiologist"].isin(["Lee, Ann", "PATEL, RAJ MD"])
        & (raw["location"] == "North MR")
    ]
    assert body["total"] == len(want) > 0
    assert {r["reading_radiologist"] for r in body["rows"]} <= {
        "Lee, Ann",
        "PATEL, RAJ MD",
    }
    options = client.get("/api/options").json()
    assert options["radiologists"] == sorted(
        {r for r in raw["radiologist"] if r}, key=str.casefold
    )
    assert options["locations"] == sorted(
        {r for r in raw["location"] if r}, key=str.casefold
    )
    assert "complete_to_preliminary" in options["intervals"]


def test_prelim_tat_split_by_radiologist(loaded):
    client, raw = loaded
    body = client.get(
        "/api/series?metric=complete_to_preliminary&split=radiologist&period=month"
    ).json()
    raw = raw.assign(
        value=minutes(raw, "complete_to_preliminary"),
        month=raw["completed"].dt.strftime("%Y-%m"),
        group=raw["radiologist"].replace("", "(blank)"),
    )
    valid = raw[raw["value"] >= 0]
    assert body["x"] == ["2025-01", "2025-02", "2025-03"]
    assert body["excluded"]["negative"] == int((raw["value"] < 0).sum())
    assert [s["name"] for s in body["series"]] == [
        "COOPER, ETHAN MD",
        "Lee, Ann",
        "PATEL, RAJ MD",
        "(blank)",
    ]
    for one in body["series"]:
        for month, y, n in zip(body["x"], one["y"], one["n"], strict=True):
            cell = valid[(valid["group"] == one["name"]) & (valid["month"] == month)]
            assert n == len(cell)
            assert y == pytest.approx(float(np.median(cell["value"])))


@pytest.mark.parametrize("by", ["location", "radiologist"])
def test_summary_by_location_and_radiologist_with_prelim_intervals(loaded, by):
    client, raw = loaded
    body = client.get(f"/api/summary?by={by}").json()
    groups = raw[by].replace("", "(blank)")
    assert [r["group"] for r in body["rows"]] == [
        *sorted({g for g in groups if g != "(blank)"}, key=str.casefold),
        "(blank)",
    ]
    for row in body["rows"]:
        mine = raw[groups == row["group"]]
        assert row["exams"] == len(mine)
        for metric in INTERVALS:
            values = minutes(mine, metric)
            valid = values[values >= 0].to_numpy()
            entry = row[metric]
            assert entry["n"] == len(valid)
            assert entry["negative"] == int((values < 0).sum())
            assert entry["median"] == pytest.approx(float(np.median(valid)))
            assert entry["p90"] == pytest.approx(float(np.quantile(valid, 0.9)))
            assert entry["mean"] == pytest.approx(float(valid.mean()))


def test_cross_table_modality_by_shift(loaded):
    client, raw = loaded
    body = client.get("/api/summary?by=modality,shift").json()
    counts = raw.groupby(["modality", "shift"]).size()
    got = {tuple(r["group"]): r["exams"] for r in body["rows"]}
    assert got == {key: int(n) for key, n in counts.items()}
    # Modalities by name, shifts in their configured order within each.
    order = {"day": 0, "evening": 1, "night": 2}
    keys = [tuple(r["group"]) for r in body["rows"]]
    assert keys == sorted(keys, key=lambda k: (k[0], order[k[1]]))
    ct_night = raw[(raw["modality"] == "CT") & (raw["shift"] == "night")]
    values = minutes(ct_night, "complete_to_final")
    row = body["rows"][keys.index(("CT", "night"))]
    assert row["complete_to_final"]["median"] == pytest.approx(
        float(np.median(values[values >= 0]))
    )
    csv = client.get("/api/summary?by=modality,shift&format=csv&raw=1")
    table = pd.read_csv(io.StringIO(csv.content.decode("utf-8-sig")))
    assert list(table.columns[:3]) == ["modality", "shift", "exams"]
    human = client.get("/api/summary?by=modality,shift&format=csv")
    head = human.content.decode("utf-8-sig").splitlines()[0].split(",")
    assert head[:4] == ["Modality", "Shift", "Exams", "Order → complete n"]
    assert len(table) == len(counts) + 1  # and the All row
    assert table.iloc[-1][["modality", "shift", "exams"]].tolist() == [
        "All",
        "All",
        len(raw),
    ]


@pytest.mark.parametrize(
    "by", ["modality,modality", "modality,shift,location", "modality,room"]
)
def test_a_bad_cross_table_is_a_400(loaded, by):
    client, _ = loaded
    response = client.get(f"/api/summary?by={by}")
    assert response.status_code == 400
    assert "modality, shift" in response.json()["error"]


def test_without_prelim_times_the_prelim_intervals_are_absent(db):
    client = Client()
    upload = SimpleUploadedFile("ris.csv", export(prelim=False).encode())
    assert client.post("/api/datasets", {"file": upload}).status_code == 201
    options = client.get("/api/options").json()
    assert "complete_to_preliminary" not in options["intervals"]
    assert "preliminary_to_final" not in options["metrics"]
    summary = client.get("/api/summary?by=location").json()
    for row in [*summary["rows"], summary["total"]]:
        assert "complete_to_preliminary" not in row
        assert "preliminary_to_final" not in row
        assert "complete_to_final" in row
    for url in (
        "/api/series?metric=complete_to_preliminary",
        "/api/exams?sort=-preliminary_to_final",
        "/api/distribution?metric=complete_to_preliminary",
        "/api/heatmap?metric=preliminary_to_final",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "complete_to_final" in response.json()["error"], url
    row = client.get("/api/exams").json()["rows"][0]
    assert "complete_to_preliminary" not in row


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard?metric=complete_to_preliminary&split=radiologist",
        "/dashboard?metric=preliminary_to_final&stat=p90&split=location",
        "/dashboard?split=days&cross_rows=radiologist&cross_cols=location",
        "/exams?radiologist=Lee,+Ann&sort=-complete_to_preliminary",
        "/overview?location=North+MR",
        "/insights/distribution?metric=complete_to_preliminary&by=radiologist",
        "/insights/heatmap?metric=preliminary_to_final",
        "/insights/compare?radiologist=Lee,+Ann",
        "/insights/pareto?by=radiologist",
        "/insights/pareto?by=location",
        "/insights/pending?location=Main+CT+1",
        "/report?metric=complete_to_preliminary&split=location",
    ],
)
def test_every_page_answers_with_prelim_radiologist_and_location(loaded, url):
    client, _ = loaded
    response = client.get(url)
    assert response.status_code == 200, url


def test_pending_exams_say_where_they_wait_and_who_holds_them(client, db):
    # Two exams without a final report: which site's backlog, whose prelim.
    text = (
        f"{HEADER}\r\n"
        "P1,CT HEAD,CT,2025-01-02 08:00:00,2025-01-02 09:00:00,"
        '2025-01-02 09:20:00,,STAT,ED,"SMITH, JOHN","Lee, Ann",North MR\r\n'
        "P2,XR CHEST,XR,2025-01-02 10:00:00,2025-01-02 10:30:00,,,Routine,"
        'Outpatient,"SMITH, JOHN",,ED Imaging\r\n'
        "P3,XR HAND,XR,2025-01-02 11:00:00,2025-01-02 11:30:00,,"
        '2025-01-02 12:00:00,Routine,Outpatient,"SMITH, JOHN",,Main CT 1\r\n'
    )
    upload = SimpleUploadedFile("pending.csv", text.encode(), "text/csv")
    assert client.post("/api/datasets", {"file": upload}).status_code == 201
    rows = client.get("/api/pending").json()["rows"]
    got = {r["accession"]: (r["location"], r["reading_radiologist"]) for r in rows}
    assert got == {"P1": ("North MR", "Lee, Ann"), "P2": ("ED Imaging", None)}
    csv = client.get("/api/pending?format=csv").content.decode("utf-8-sig")
    assert "Location" in csv.splitlines()[0].split(",")


@pytest.mark.parametrize("distinct", [3, 200, 40_000])
def test_present_values_are_the_distinct_values_whatever_the_code_width(distinct):
    """Codes of 8, 16 and 32 bits; unused categories and missing values left out."""
    rng = np.random.default_rng(distinct)
    names = [f"Name {i:05d}" for i in range(distinct)]
    values = pd.Series(rng.choice(names, 50_000)).where(rng.random(50_000) > 0.1)
    column = values.astype(pd.CategoricalDtype([*names, "Unused", "unused too"]))
    expected = sorted(set(values.dropna()), key=str.casefold)
    assert present_values(column) == expected
    assert present_values(values) == expected
