"""The segments chart draws the skips beside the full chain: a hatched bar
starting where the link from its first time starts (waterfall), a hatched
row under each group (per group). Numbers worked by hand."""

import pandas as pd
import pytest

from exams.analysis.chain.segments import chain_of, segments
from exams.charts.chain import SKIP_NAME, segments_figure
from tests.test_segments_skips import readme_example

SKIP = "Completed → final (no preliminary)"


def hand_frame() -> pd.DataFrame:
    """Six CT exams with a prelim, five MR without one (minutes by hand).

    CT: ordered → completed 30 min; completed → prelim 10, 20, 30, 40, 50,
    60; prelim → final 5 each. MR: ordered → completed 30 min; completed →
    final 40, 50, 90, 100, 120 (no prelim).
    """
    day = pd.Timestamp("2025-03-03")
    rows = []
    for i, prelim in enumerate((10, 20, 30, 40, 50, 60)):
        done = day + pd.Timedelta(hours=8 + i)
        rows.append(("CT", done, prelim, prelim + 5))
    for i, final in enumerate((40, 50, 90, 100, 120)):
        done = day + pd.Timedelta(hours=14 + i)
        rows.append(("MR", done, None, final))
    return pd.DataFrame(
        {
            "modality": [r[0] for r in rows],
            "ordered_at": [r[1] - pd.Timedelta(minutes=30) for r in rows],
            "completed_at": [r[1] for r in rows],
            "preliminary_at": [
                pd.NaT if r[2] is None else r[1] + pd.Timedelta(minutes=r[2])
                for r in rows
            ],
            "finalized_at": [r[1] + pd.Timedelta(minutes=r[3]) for r in rows],
        }
    )


def test_waterfall_draws_the_skip_as_another_path():
    frame = hand_frame()
    figure = segments_figure(segments(frame, chain=chain_of(frame)))
    links, skip = figure.data
    # Links: ordered → completed 30 (11 exams), completed → prelim median of
    # 10..60 = 35 (6), prelim → final 5 (6); the sum 70.
    assert list(links.y) == [30.0, 35.0, 5.0, 70.0]
    assert skip.name == SKIP_NAME
    assert list(skip.x) == [SKIP]
    # Median of 40, 50, 90, 100, 120 = 90, over 5 exams, starting where the
    # link from "completed" starts (after ordered → completed's 30 minutes).
    assert list(skip.y) == [90.0]
    assert list(skip.base) == [30.0]
    assert skip.customdata[0][1] == 5
    assert skip.marker.pattern.shape == "/"
    assert figure.layout.showlegend
    order = list(figure.layout.xaxis.categoryarray)
    assert order[-2:] == [SKIP, "Sum of the medians"]


def test_groups_get_a_hatched_skip_row_under_the_full_chain():
    frame = hand_frame()
    figure = segments_figure(segments(frame, chain=chain_of(frame), by="modality"))
    names = [t.name for t in figure.data]
    assert names[-1] == SKIP
    skip = figure.data[-1]
    spacer = figure.data[-2]
    assert list(skip.y) == ["MR · no preliminary"]
    assert list(skip.x) == [90.0]
    assert list(skip.meta) == ["MR"]  # a click lists MR's exams
    assert skip.customdata[0][1] == 5
    # The spacer carries the skip to where MR's completed → ... starts: 30.
    assert list(spacer.x) == [30.0] and spacer.showlegend is False
    assert list(figure.layout.yaxis.categoryarray) == [
        "CT",
        "MR",
        "MR · no preliminary",
    ]


def test_a_skip_with_too_few_exams_is_not_drawn():
    frame = hand_frame().iloc[:9]  # MR keeps 3 exams without a prelim
    figure = segments_figure(segments(frame, chain=chain_of(frame)))
    assert len(figure.data) == 1
    assert figure.layout.showlegend is False


@pytest.mark.django_db
@pytest.mark.usefixtures("plain_static_storage")
def test_page_and_report_draw_the_skip_bar(client):
    from pathlib import Path

    from tests.client_fixtures import load

    sample = Path(__file__).resolve().parent.parent / "sample_data"
    load(client, (sample / "epic_radiant_sample.csv").read_bytes())
    page = client.get("/insights/segments?modality=CT").content.decode()
    assert SKIP_NAME in page
    report = client.get("/report?modality=CT").content.decode()
    assert SKIP_NAME in report


def test_readme_worked_example_drawn():
    # The README's 10 CT exams: 5 with a prelim (10..30 then 50 min), 5
    # without (40, 50, 60, 90, 120): links 20 and 50, the skip 60 from 0.
    frame = readme_example()
    links, skip = segments_figure(segments(frame, chain=chain_of(frame))).data
    assert list(links.y) == [20.0, 50.0, 70.0]
    assert (list(skip.y), list(skip.base)) == ([60.0], [0])
