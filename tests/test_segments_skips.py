"""Segments when some exams lack a time of the chain: each exam's links go to
its next available time (completed → finalized for an exam read without a
preliminary report), against an independent pandas computation."""

import numpy as np
import pandas as pd
import pytest

from exams.analysis.chain.segments import chain_of, segments, segments_csv
from tests.test_segments import TIMES, random_exams


def exam_paths(frame: pd.DataFrame) -> pd.DataFrame:
    """Return one row per exam and step from each time it has to its next one."""
    long = frame.reset_index(names="exam").melt(
        id_vars="exam", value_vars=TIMES, var_name="time", value_name="at"
    )
    long = long.dropna(subset=["at"])
    long["order"] = long["time"].map(TIMES.index)
    long = long.sort_values(["exam", "order"])
    long["to"] = long.groupby("exam")["time"].shift(-1)
    long["end"] = long.groupby("exam")["at"].shift(-1)
    steps = long.dropna(subset=["to"]).rename(columns={"time": "from"})
    steps["minutes"] = (steps["end"] - steps["at"]).dt.total_seconds() / 60
    return steps[["exam", "from", "to", "minutes"]]


def test_every_step_of_every_exam_is_in_a_link_or_a_skip():
    frame = random_exams(size=600, seed=11)
    result = segments(frame, chain=chain_of(frame))
    steps = exam_paths(frame)
    valid = steps[steps["minutes"] >= 0]
    expected = valid.groupby(["from", "to"])["minutes"].agg(["size", "median"])
    got = {(x["from"], x["to"]): x for x in [*result["links"], *result["skips"]]}
    assert set(got) == set(expected.index)
    for pair, row in expected.iterrows():
        assert got[pair]["n"] == row["size"]
        if row["size"] >= 5:
            assert got[pair]["median"] == pytest.approx(row["median"])
        else:  # too few exams: said, not drawn
            assert got[pair]["median"] is None and got[pair]["too_few"]
    negative = steps[steps["minutes"] < 0].groupby(["from", "to"]).size()
    for pair, link in got.items():
        assert link["negative"] == negative.get(pair, 0)
    # No exam's time is lost: all the steps together are each exam's span.
    assert sum(x["n"] + x["negative"] for x in got.values()) == len(steps)


def test_a_skip_names_what_it_skips_and_has_no_share():
    frame = random_exams(size=600, seed=11)
    result = segments(frame, chain=chain_of(frame))
    skip = next(
        s
        for s in result["skips"]
        if (s["from"], s["to"]) == ("completed_at", "finalized_at")
    )
    assert skip["skipped"] == ["preliminary_at"]
    assert "share" not in skip
    # The links keep their numbers: a skip is another path, not a link.
    linked = [(x["from"], x["to"]) for x in result["links"]]
    assert linked == list(zip(TIMES, TIMES[1:], strict=False))


def test_exams_read_without_a_prelim_count_in_complete_to_final():
    # Three exams with a preliminary report, three without (worked by hand).
    day = pd.Timestamp("2025-03-03")
    completed = [day + pd.Timedelta(hours=h) for h in (8, 9, 10, 11, 12, 13)]
    frame = pd.DataFrame(
        {
            "ordered_at": [c - pd.Timedelta(minutes=30) for c in completed],
            "completed_at": completed,
            "preliminary_at": [
                completed[0] + pd.Timedelta(minutes=10),
                completed[1] + pd.Timedelta(minutes=20),
                completed[2] + pd.Timedelta(minutes=30),
                pd.NaT,
                pd.NaT,
                pd.NaT,
            ],
            "finalized_at": [
                c + pd.Timedelta(minutes=m)
                for c, m in zip(completed, (60, 70, 80, 40, 50, 90), strict=True)
            ],
        }
    )
    result = segments(frame, chain=chain_of(frame), by="none")
    (skip,) = result["skips"]
    assert (skip["from"], skip["to"], skip["n"]) == (
        "completed_at",
        "finalized_at",
        3,
    )
    assert skip["median"] is None and skip["too_few"]  # fewer than 5 exams
    links = {(x["from"], x["to"]): x for x in result["links"]}
    assert links[("completed_at", "preliminary_at")]["n"] == 3
    assert links[("preliminary_at", "finalized_at")]["n"] == 3
    assert links[("ordered_at", "completed_at")]["n"] == 6


def test_skip_medians_and_groups_in_the_csv():
    frame = random_exams(size=600, seed=11)
    result = segments(frame, chain=chain_of(frame), by="modality")
    lines = segments_csv(result).lstrip("\ufeff").splitlines()
    assert lines[0] == "group,from,to,median_minutes,n,share,skipped"
    skips = [line for line in lines[1:] if not line.endswith(",")]
    per_group = 1 + len(result["groups"])
    assert len(skips) == per_group * len(result["skips"])
    steps = exam_paths(frame)
    ct = steps[frame.loc[steps["exam"], "modality"].to_numpy() == "CT"]
    ct = ct[(ct["minutes"] >= 0) & (ct["from"] == "completed_at")]
    expected = ct[ct["to"] == "finalized_at"]["minutes"]
    row = next(
        line for line in skips if line.startswith("CT,completed_at,finalized_at,")
    )
    cells = row.split(",")
    assert float(cells[3]) == pytest.approx(expected.median())
    assert int(cells[4]) == len(expected)
    assert cells[6] == "preliminary_at"
    assert np.isfinite(float(cells[3]))


@pytest.mark.django_db
@pytest.mark.usefixtures("plain_static_storage")
def test_api_page_and_report_show_the_skips_of_the_sample(client):
    from pathlib import Path

    from tests.client_fixtures import exams_csv, load

    sample = Path(__file__).resolve().parent.parent / "sample_data"
    load(client, (sample / "epic_radiant_sample.csv").read_bytes())
    exams = exams_csv(client)
    for name in TIMES:
        exams[name] = pd.to_datetime(exams[name].replace("", None))
    body = client.get("/api/segments?modality=CT").json()
    steps = exam_paths(exams[exams["modality"] == "CT"].reset_index(drop=True))
    no_prelim = steps[
        (steps["from"] == "completed_at")
        & (steps["to"] == "finalized_at")
        & (steps["minutes"] >= 0)
    ]
    assert len(no_prelim) > 5  # the sample reads some CT without a prelim
    skip = next(
        s
        for s in body["skips"]
        if (s["from"], s["to"]) == ("completed_at", "finalized_at")
    )
    assert skip["n"] == len(no_prelim)
    assert skip["median"] == pytest.approx(no_prelim["minutes"].median())
    page = client.get("/insights/segments?modality=CT").content.decode()
    assert 'id="skips-table"' in page
    assert "Completed → final (no preliminary)" in page
    assert f"(n = {len(no_prelim):,})" in page
    report = client.get("/report?modality=CT").content.decode()
    assert "Completed → final (no preliminary)" in report


def readme_example() -> pd.DataFrame:
    """The README's 10 CT exams: 5 read with a prelim, 5 without."""
    completed = pd.Timestamp("2025-03-03 08:00") + pd.to_timedelta(
        [h * 60 for h in range(10)], unit="min"
    )
    prelim = [10, 15, 20, 25, 30] + [None] * 5
    final = [p + 50 for p in prelim[:5]] + [40, 50, 60, 90, 120]
    return pd.DataFrame(
        {
            "completed_at": completed,
            "preliminary_at": [
                c + pd.Timedelta(minutes=p) if p else pd.NaT
                for c, p in zip(completed, prelim, strict=True)
            ],
            "finalized_at": [
                c + pd.Timedelta(minutes=f)
                for c, f in zip(completed, final, strict=True)
            ],
        }
    )


def test_readme_worked_example():
    frame = readme_example()
    result = segments(frame, chain=chain_of(frame))
    assert [(x["median"], x["n"]) for x in result["links"]] == [(20.0, 5), (50.0, 5)]
    assert result["skips"] == [
        {
            "from": "completed_at",
            "to": "finalized_at",
            "skipped": ["preliminary_at"],
            "median": 60.0,
            "n": 5,
            "too_few": False,
            "negative": 0,
        }
    ]
