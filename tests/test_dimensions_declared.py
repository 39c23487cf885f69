"""Each declared dimension is, from its one line in fields.DIMENSIONS, a
filter, a split, a summary and Pareto ``by``, a drill target, an options
list and a filter-bar control — checked for every dimension, so a ninth
one is held to the same."""

import pandas as pd
import pytest
from django.http import QueryDict

from exams import fields
from exams.analysis import build_summary, options, prepare_frame
from exams.analysis.frame.shifts import default_shifts
from exams.analysis.insights.pareto import PARETO_BY
from exams.presentation.filter_bar import filter_bar, keep_pairs
from exams.presentation.presenters import SPLIT_LABELS, describe_filters, drill_spec
from exams.query.filters import FilterSpec, parse_query, select_group

# Saturday 2025-03-08 night, Monday 2025-03-10 day: one value per dimension.
FRAME = pd.DataFrame(
    {
        "accession": ["A1", "A2"],
        "modality": ["CT", "MR"],
        "priority": ["STAT", "Routine"],
        "patient_class": ["ED", "Outpatient"],
        "ordering_physician": ["DOE", "ROE"],
        "reading_radiologist": ["Dr A", "Dr B"],
        "location": ["Main", "North"],
        "ordered_at": pd.to_datetime(["2025-03-08 23:00", "2025-03-10 08:00"]),
        "completed_at": pd.to_datetime(["2025-03-08 23:30", "2025-03-10 09:00"]),
        "finalized_at": pd.to_datetime(["2025-03-09 00:30", "2025-03-10 09:30"]),
    }
)
# The second exam's value of each dimension (what selecting it must keep).
SECOND = {
    "modality": "MR",
    "priority": "Routine",
    "patient_class": "Outpatient",
    "physician": "ROE",
    "radiologist": "Dr B",
    "location": "North",
    "shift": "day",
    "days": "weekday",
}


@pytest.fixture(scope="module")
def frame():
    return prepare_frame(FRAME, shifts=default_shifts())


def test_every_dimension_is_covered_here():
    assert set(SECOND) == {d.key for d in fields.DIMENSIONS}


@pytest.mark.parametrize("dimension", fields.DIMENSIONS, ids=lambda d: d.key)
def test_a_dimension_filters_splits_tabulates_and_drills(frame, dimension):
    key, value = dimension.key, SECOND[dimension.key]
    spec = parse_query({key: [value.lower()]})
    assert spec == FilterSpec(**select_group(key, value)) or dimension.kind == "values"
    assert build_summary(frame, spec=spec)["total"]["exams"] == 1
    assert key in fields.SPLITS and key in SPLIT_LABELS
    groups = [r["group"] for r in build_summary(frame, spec=FilterSpec(by=key))["rows"]]
    assert value in groups and len(groups) == 2
    assert dimension.pareto_name in PARETO_BY
    drilled = drill_spec(FilterSpec(split=key), bucket="2025-03", series=value)
    assert build_summary(frame, spec=drilled)["total"]["exams"] == 1
    assert dimension.label in describe_filters(spec) or dimension.kind == "choice"
    if dimension.options_key:
        listed = options(frame, shifts=default_shifts())[dimension.options_key]
        assert value in listed
    bar = filter_bar(spec, options(frame, shifts=default_shifts()))
    control = next(c for c in bar["dimensions"] if c["key"] == key)
    if dimension.kind == "choice":
        assert [c["value"] for c in control["choices"] if c["checked"]] == [value]
    else:
        assert [i["value"] for i in control["items"] if i["checked"]] == [value]


def test_the_bar_keeps_the_pages_own_parameters_only():
    query = QueryDict(
        "modality=CT&metric=complete_to_final&page=3&start=2025-01-01&by="
    )
    assert keep_pairs(query) == [("metric", "complete_to_final")]
