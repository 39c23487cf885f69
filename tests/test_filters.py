"""Query string → FilterSpec: good values, every bad value, and the way back."""

import datetime as dt
from urllib.parse import parse_qs

import pytest
from django.http import QueryDict

from exams import fields
from exams.query.filters import FilterError, FilterSpec, parse_query, to_query_string


def parse(query: str, **kwargs) -> FilterSpec:
    return parse_query(QueryDict(query), **kwargs)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {}),
        ("modality=CT", {"modality": ("CT",)}),
        ("modality=CT&modality=MR", {"modality": ("CT", "MR")}),
        ("modality=CT&modality=CT", {"modality": ("CT",)}),
        ("modality=", {"modality": ()}),
        ("modality=+CT+", {"modality": ("CT",)}),
        ("priority=STAT&priority=Routine", {"priority": ("STAT", "Routine")}),
        ("physician=SMITH%2C+JOHN+MD", {"physician": ("SMITH, JOHN MD",)}),
        ("patient_class=ED", {"patient_class": ("ED",)}),
        ("shift=night", {"shift": ("night",)}),
        ("shift=Night&shift=DAY", {"shift": ("night", "day")}),
        ("days=weekend", {"days": "weekend"}),
        ("days=Weekday", {"days": "weekday"}),
        ("days=all", {"days": "all"}),
        ("start=2024-01-01", {"start": dt.date(2024, 1, 1)}),
        ("end=2024-02-29", {"end": dt.date(2024, 2, 29)}),
        (
            "start=2024-03-01&end=2024-03-01",
            {"start": dt.date(2024, 3, 1), "end": dt.date(2024, 3, 1)},
        ),
        ("start=", {"start": None}),
        ("period=day", {"period": "day"}),
        ("period=week", {"period": "week"}),
        ("period=quarter", {"period": "quarter"}),
        ("period=year", {"period": "year"}),
        ("period=day&period=week", {"period": "week"}),
        ("metric=complete_to_final", {"metric": "complete_to_final"}),
        ("metric=complete_ratio", {"metric": "complete_ratio"}),
        ("metric=ordered", {"metric": "ordered"}),
        ("stat=p90", {"stat": "p90"}),
        ("stat=within&target=60", {"stat": "within", "target": 60.0}),
        ("target=0.5", {"target": 0.5}),
        ("target=1e3", {"target": 1000.0}),
        ("split=physician", {"split": "physician"}),
        ("split=shift", {"split": "shift"}),
        ("by=patient_class", {"by": "patient_class"}),
        ("page=3&page_size=500", {"page": 3, "page_size": 500}),
        ("page_size=1", {"page_size": 1}),
        ("sort=-complete_to_final", {"sort": "-complete_to_final"}),
        ("sort=accession", {"sort": "accession"}),
        ("sort=-shift", {"sort": "-shift"}),
        ("format=csv", {"format": "csv"}),
        ("unknown=1&_=123", {}),
    ],
)
def test_good_queries(query, expected):
    spec = parse(query)
    assert spec == FilterSpec(**expected)


def test_defaults_follow_the_contract():
    spec = parse("")
    assert (spec.period, spec.metric, spec.stat, spec.split) == (
        "month",
        "volume",
        "median",
        "none",
    )
    assert spec.target is None
    assert spec.days == "all"
    assert (spec.page, spec.page_size) == (1, fields.DEFAULT_PAGE_SIZE)


@pytest.mark.parametrize(
    ("query", "param", "bad", "allowed"),
    [
        ("period=fortnight", "period", "fortnight", "day, week, month, quarter, year"),
        ("metric=speed", "metric", "speed", "volume, ordered, complete_ratio"),
        ("stat=mode", "stat", "mode", "median, mean, p75, p90, within"),
        ("split=room", "split", "room", "none, modality, shift"),
        ("by=none", "by", "none", "modality, shift, priority"),
        ("days=holiday", "days", "holiday", "all, weekday, weekend"),
        ("format=xml", "format", "xml", "json, csv"),
        ("shift=graveyard", "shift", "graveyard", "day, evening, night"),
        ("start=2024-13-01", "start", "2024-13-01", "YYYY-MM-DD"),
        ("start=2024-02-30", "start", "2024-02-30", "YYYY-MM-DD"),
        ("end=12/31/2024", "end", "12/31/2024", "YYYY-MM-DD"),
        ("end=20241231", "end", "20241231", "YYYY-MM-DD"),
        ("start=2024-1-1", "start", "2024-1-1", "YYYY-MM-DD"),
        ("target=0", "target", "0", "a positive number of minutes"),
        ("target=-5", "target", "-5", "a positive number of minutes"),
        ("target=abc", "target", "abc", "a positive number of minutes"),
        ("target=inf", "target", "inf", "a positive number of minutes"),
        ("target=nan", "target", "nan", "a positive number of minutes"),
        ("page=0", "page", "0", "a whole number from 1"),
        ("page=-1", "page", "-1", "a whole number from 1"),
        ("page=1.5", "page", "1.5", "a whole number from 1"),
        ("page_size=501", "page_size", "501", "from 1 to 500"),
        ("page_size=0", "page_size", "0", "from 1 to 500"),
        ("page_size=ten", "page_size", "ten", "from 1 to 500"),
        ("sort=colour", "sort", "colour", "completed_at"),
        ("sort=--completed_at", "sort", "--completed_at", "prefix - for largest"),
    ],
)
def test_bad_values_name_parameter_value_and_allowed(query, param, bad, allowed):
    with pytest.raises(FilterError) as caught:
        parse(query)
    message = str(caught.value)
    assert caught.value.param == param
    assert param in message
    assert repr(bad) in message
    assert allowed in message


def test_start_after_end_names_both_dates():
    with pytest.raises(FilterError) as caught:
        parse("start=2024-03-02&end=2024-03-01")
    message = str(caught.value)
    assert caught.value.param == "start"
    assert "2024-03-02" in message and "2024-03-01" in message
    assert "end" in message


def test_shifts_are_checked_against_the_configured_names():
    names = ["early", "late", "Overnight"]
    assert parse("shift=overnight", shift_names=names).shift == ("Overnight",)
    with pytest.raises(FilterError) as caught:
        parse("shift=night", shift_names=names)
    assert "early, late, Overnight" in str(caught.value)


def test_plain_mapping_works_like_a_querydict():
    spec = parse_query({"modality": ["CT", "MR"], "period": "week", "end": []})
    assert spec == FilterSpec(modality=("CT", "MR"), period="week")


def test_spec_is_immutable():
    spec = parse("")
    with pytest.raises(AttributeError):
        spec.period = "day"


def test_sort_helpers():
    assert parse("sort=-order_to_final").sort_field == "order_to_final"
    assert parse("sort=-order_to_final").descending
    assert not parse("sort=order_to_final").descending


@pytest.mark.parametrize(
    ("spec", "query"),
    [
        (FilterSpec(), ""),
        (FilterSpec(modality=("CT", "MR")), "modality=CT&modality=MR"),
        (FilterSpec(physician=("SMITH, JOHN MD",)), "physician=SMITH%2C+JOHN+MD"),
        (FilterSpec(target=60.0, stat="within"), "stat=within&target=60"),
        (FilterSpec(target=37.5), "target=37.5"),
        (
            FilterSpec(start=dt.date(2024, 1, 1), end=dt.date(2024, 1, 31)),
            "start=2024-01-01&end=2024-01-31",
        ),
        (FilterSpec(days="weekend", shift=("night",)), "shift=night&days=weekend"),
        (FilterSpec(sort="-accession", page=2), "sort=-accession&page=2"),
    ],
)
def test_to_query_string_is_canonical(spec, query):
    assert to_query_string(spec) == query


@pytest.mark.parametrize(
    "query",
    [
        "",
        "modality=CT&modality=US&priority=STAT&physician=O%27BRIEN%2C+A"
        "&patient_class=ED&shift=night&days=weekday&start=2023-12-30"
        "&end=2024-01-02&period=week&metric=complete_ratio&stat=p75&target=90"
        "&split=shift&by=priority&sort=-order_to_final&page=4&page_size=25"
        "&format=csv",
        "metric=order_to_final&stat=within&target=0.25",
    ],
)
def test_round_trip(query):
    spec = parse(query)
    rebuilt = to_query_string(spec)
    assert parse(rebuilt) == spec
    # Canonical: rebuilding again changes nothing.
    assert to_query_string(parse(rebuilt)) == rebuilt
    assert parse_qs(rebuilt) == {
        k: v for k, v in parse_qs(query).items() if k not in ("days",) or v != ["all"]
    }
