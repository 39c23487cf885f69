"""The dashboard says what was asked: the chosen statistic in the headline
and the summary table, a cross table of two dimensions, the shift ratio.
Numbers against pandas over the raw CSV (tests/test_api_dimensions.py)."""

import io

import numpy as np
import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from exams.presentation.formats import format_minutes
from tests.test_api_dimensions import export, minutes, raw_frame


@pytest.fixture
def loaded(db):
    text = export()
    client = Client()
    upload = SimpleUploadedFile("epic.csv", text.encode())
    assert client.post("/api/datasets", {"file": upload}).status_code == 201
    return client, raw_frame(text), text


@pytest.mark.parametrize(
    ("stat", "label", "compute"),
    [
        ("p90", "P90 prelim TAT", lambda v: np.quantile(v, 0.9)),
        ("mean", "Mean prelim TAT", np.mean),
        ("median", "Median prelim TAT", np.median),
    ],
)
def test_headline_and_summary_follow_the_statistic(loaded, stat, label, compute):
    client, raw, _ = loaded
    response = client.get(f"/dashboard?metric=complete_to_preliminary&stat={stat}")
    results = response.context["results"]
    values = minutes(raw, "complete_to_preliminary")
    valid = values[values >= 0].to_numpy()
    card = results["headline"][1]
    assert card["label"] == label
    assert card["value"] == format_minutes(float(compute(valid)))
    summary = results["summary"]
    assert summary["columns"][0] == label.split()[0]
    ct = next(r for r in summary["rows"] if r["group"] == "CT")
    index = summary["intervals"].index("Prelim TAT")
    ct_values = values[(raw["modality"] == "CT") & (values >= 0)].to_numpy()
    first = ct["cells"][index]["shown"][0]
    assert first["value"] == format_minutes(float(compute(ct_values)))
    assert first["n"] == f"{len(ct_values):,}"


def test_summary_table_with_within_has_no_statistic_column(loaded):
    client, _, _ = loaded
    results = client.get("/dashboard?metric=complete_to_final&stat=within").context[
        "results"
    ]
    assert results["summary"]["columns"] == ["Within target"]
    assert all(
        len(c["shown"]) == 1 for r in results["summary"]["rows"] for c in r["cells"]
    )


def test_cross_table_of_modality_by_shift(loaded):
    client, raw, _ = loaded
    response = client.get("/dashboard?cross_rows=modality&cross_cols=shift")
    cross = response.context["results"]["cross"]
    assert cross["columns"] == ["day", "evening", "night"]
    assert [r["name"] for r in cross["rows"]] == ["CT", "MR", "XR"]
    counts = raw.groupby(["modality", "shift"]).size()
    for row in cross["rows"]:
        for shift, cell in zip(cross["columns"], row["cells"], strict=True):
            assert cell["value"] == f"{counts[(row['name'], shift)]:,}"
    csv = client.get(cross["csv_url"])
    assert csv["Content-Type"].startswith("text/csv")
    table = pd.read_csv(io.StringIO(csv.content.decode("utf-8-sig")))
    assert list(table.columns[:3]) == ["Modality", "Shift", "Exams"]
    # The cell links to its exams: the list shows as many.
    link = cross["rows"][0]["cells"][2]["url"]
    listed = client.get(link.replace("/exams", "/api/exams", 1)).json()["total"]
    assert listed == counts[("CT", "night")]


def test_complete_ratio_by_shift_is_the_shift_ratio_with_three_decimals(loaded):
    client, raw, text = loaded
    response = client.get("/dashboard?metric=complete_ratio&split=shift&period=month")
    results = response.context["results"]
    assert results["chart_title"].startswith("Shift ratio")
    # Completed per completion shift ÷ ordered per order shift (own times).
    source = pd.read_csv(io.StringIO(text), dtype=str)
    ordered = pd.to_datetime(source["ORDERING_DTTM"])
    hour = ordered.dt.hour
    ordered_shift = np.where(
        (hour >= 7) & (hour < 15),
        "day",
        np.where((hour >= 15) & (hour < 23), "evening", "night"),
    )
    month = "2025-02"
    done = (
        (raw["shift"] == "night") & (raw["completed"].dt.strftime("%Y-%m") == month)
    ).sum()
    asked = ((ordered_shift == "night") & (ordered.dt.strftime("%Y-%m") == month)).sum()
    table = results["table"]
    column = table["names"].index("night")
    row = next(r for r in table["rows"] if r["label"] == month)
    assert row["cells"][column][0] == f"{done / asked:.3f}"
