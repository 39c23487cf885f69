"""Where the time goes (exams.analysis.chain.segments) against plain pandas."""

import numpy as np
import pandas as pd
import pytest

from exams.analysis.chain.segments import chain_of, segments, segments_csv
from exams.analysis.frame.working_time import validate_working_time

TIMES = ["ordered_at", "started_at", "completed_at", "preliminary_at", "finalized_at"]


def random_exams(size: int = 400, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ordered = pd.Timestamp("2024-03-01") + pd.to_timedelta(
        rng.integers(0, 60 * 24 * 30, size), unit="min"
    )
    frame = pd.DataFrame({"accession": [f"A{i}" for i in range(size)]})
    frame["modality"] = rng.choice(["CT", "MR", "XR", None], size)
    t = pd.Series(ordered)
    for name in TIMES:
        frame[name] = t
        # Some links negative (a few minutes back), some missing.
        t = t + pd.to_timedelta(rng.integers(-20, 300, size), unit="min")
    for name in TIMES[1:]:
        frame.loc[rng.random(size) < 0.1, name] = pd.NaT
    return frame


def pandas_link(frame: pd.DataFrame, a: str, b: str) -> pd.Series:
    minutes = (frame[b] - frame[a]).dt.total_seconds() / 60
    return minutes[minutes.notna() & (minutes >= 0)]


def test_overall_links_match_pandas_medians():
    frame = random_exams()
    result = segments(frame, chain=chain_of(frame))
    assert [(x["from"], x["to"]) for x in result["links"]] == list(
        zip(TIMES, TIMES[1:], strict=False)
    )
    medians = []
    pairs = list(zip(TIMES, TIMES[1:], strict=False))
    for link, (a, b) in zip(result["links"], pairs, strict=True):
        expected = pandas_link(frame, a, b)
        assert link["n"] == len(expected)
        assert link["median"] == pytest.approx(expected.median())
        minutes = (frame[b] - frame[a]).dt.total_seconds() / 60
        assert link["negative"] == int((minutes < 0).sum())
        assert link["missing"] == int(minutes.isna().sum())
        medians.append(expected.median())
    shares = [link["share"] for link in result["links"]]
    assert shares == pytest.approx([m / sum(medians) for m in medians])


def test_groups_match_pandas_groupby():
    frame = random_exams()
    result = segments(frame, chain=chain_of(frame), by="modality")
    assert [g["group"] for g in result["groups"]] == ["CT", "MR", "XR", "(blank)"]
    for group in result["groups"]:
        name = group["group"]
        rows = frame[
            frame["modality"].isna() if name == "(blank)" else frame["modality"] == name
        ]
        assert group["exams"] == len(rows)
        for link in group["links"]:
            expected = pandas_link(rows, link["from"], link["to"])
            assert link["n"] == len(expected)
            assert link["median"] == pytest.approx(expected.median())


def test_absent_times_are_skipped_and_links_join_present_ones():
    frame = random_exams().drop(columns=["started_at"])
    frame["preliminary_at"] = pd.NaT
    chain = chain_of(frame)
    assert chain == ["ordered_at", "completed_at", "finalized_at"]
    result = segments(frame, chain=chain)
    first = result["links"][0]
    assert (first["from"], first["to"]) == ("ordered_at", "completed_at")
    expected = pandas_link(frame, "ordered_at", "completed_at")
    assert first["median"] == pytest.approx(expected.median())


def test_a_link_with_too_few_exams_is_said_not_drawn_as_zero():
    frame = random_exams(size=40)
    frame.loc[frame.index[4:], "preliminary_at"] = pd.NaT
    result = segments(frame, chain=chain_of(frame))
    by_end = {link["to"]: link for link in result["links"]}
    # At most 4 exams have a preliminary time: both links touching it are short.
    for end in ("preliminary_at", "finalized_at"):
        assert by_end[end]["too_few"] is True
        assert by_end[end]["median"] is None and by_end[end]["share"] is None
    drawn = [x for x in result["links"] if not x["too_few"]]
    assert sum(x["share"] for x in drawn) == pytest.approx(1.0)


def test_working_time_links():
    """Ordered Fri 16:00, completed Mon 09:00, final Mon 09:30 (Mon–Fri 08–17):
    order → complete is 60 + 60 working minutes, complete → final 30."""
    frame = pd.DataFrame(
        {
            "ordered_at": [pd.Timestamp("2024-12-20 16:00")] * 5,
            "completed_at": [pd.Timestamp("2024-12-23 09:00")] * 5,
            "finalized_at": [pd.Timestamp("2024-12-23 09:30")] * 5,
        }
    )
    working = validate_working_time({})
    result = segments(frame, chain=chain_of(frame), working=working)
    assert [x["median"] for x in result["links"]] == [120.0, 30.0]
    assert result["time"] == "working"


def test_csv_has_a_row_per_group_and_link():
    frame = random_exams()
    result = segments(frame, chain=chain_of(frame), by="modality")
    lines = segments_csv(result).lstrip("\ufeff").splitlines()
    # The skips (exams without some time) follow the links, naming what they skip
    assert lines[0] == "group,from,to,median_minutes,n,share,skipped"
    assert len(lines) == 1 + (4 + len(result["skips"])) * (1 + 4)
    assert lines[1].startswith("All,ordered_at,started_at,")
