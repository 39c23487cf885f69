"""The numbers of a report: one dashboard view, optionally anonymised.

``gather_report`` collects what the report shows (series, summary, the
distribution of one interval, the weekday × hour grid, the slowest exams);
anonymised, ordering physicians become "Physician n" (numbered over the
whole data set, busiest first) and the slowest exams carry no accession.
``exams/presentation/report_page.py`` puts them into words.
"""

import dataclasses
from collections.abc import Mapping, Sequence

import pandas as pd

from exams import analysis, fields
from exams.analysis.frame.targets import Targets
from exams.analysis.insights.build import exam_limits
from exams.analysis.insights.distribution import bucket_counts
from exams.analysis.insights.heatmap import heatmap
from exams.query.filters import FilterSpec

SLOWEST_EXAMS = 10
PSEUDONYM = "Physician {}"


@dataclasses.dataclass(frozen=True)
class ReportNumbers:
    """What a report shows, before it is put into words."""

    series: dict
    summary: dict
    distribution: dict
    heatmap: dict
    slowest: list[dict]
    pseudonyms: dict[str, str]


def gather_report(
    frame: pd.DataFrame,
    *,
    spec: FilterSpec,
    by: str,
    interval: str,
    targets: Targets,
    anonymize: bool,
) -> ReportNumbers:
    """Return the numbers of the view ``spec`` over a prepared frame.

    ``by`` groups the summary table, ``interval`` is the one the
    distribution and the slowest exams describe. Anonymised, every physician
    name is a pseudonym and the slowest exams carry no accession.
    """
    selected = analysis.apply_filters(frame, spec=spec)
    series = analysis.build_series(frame, spec=spec, targets=targets)
    summary = analysis.build_summary(
        frame, spec=dataclasses.replace(spec, by=by), targets=targets
    )
    heat_metric = spec.metric if spec.metric in fields.INTERVALS else "volume"
    limits = exam_limits(
        selected, target=spec.target, targets=targets, metric=heat_metric
    )
    grid = heatmap(selected, metric=heat_metric, stat=spec.stat, targets=limits)
    slowest = analysis.list_exams(
        selected, page=1, page_size=SLOWEST_EXAMS, sort=f"-{interval}"
    )["rows"]
    slowest = [r for r in slowest if r.get(interval) is not None]
    pseudonyms = physician_pseudonyms(frame, also=spec.physician) if anonymize else {}
    if anonymize:
        series = pseudonymize_series(series, pseudonyms, split=spec.split)
        if by == "physician":
            summary = pseudonymize_groups(summary, pseudonyms)
        slowest = [_anonymous_exam(row, pseudonyms) for row in slowest]
    return ReportNumbers(
        series=series,
        summary=summary,
        distribution=bucket_counts(selected, metric=interval),
        heatmap=grid,
        slowest=slowest,
        pseudonyms=pseudonyms,
    )


def physician_pseudonyms(
    frame: pd.DataFrame, *, also: Sequence[str] = ()
) -> dict[str, str]:
    """Return ordering physician → "Physician n", the busiest first.

    Numbered over the whole data set (ties by name), so one physician keeps
    one number in every table and chart, whatever the filters; names in
    ``also`` (a filter value absent from the data) are numbered after.
    """
    counts = frame[fields.ORDERING_PHYSICIAN].value_counts(dropna=True)
    ranked = sorted(
        ((str(name), int(n)) for name, n in counts.items() if n),
        key=lambda item: (-item[1], item[0].casefold()),
    )
    names = [name for name, _ in ranked]
    names += [n for n in dict.fromkeys(also) if n not in set(names)]
    return {name: PSEUDONYM.format(i) for i, name in enumerate(names, start=1)}


def _pseudonym(name, pseudonyms: Mapping[str, str]):
    if name in (None, fields.BLANK_GROUP, fields.ALL_GROUP):
        return name
    return pseudonyms.get(str(name), PSEUDONYM.format("?"))


def _by_number(name) -> tuple[int, int]:
    # Listed by pseudonym number: alphabetical order would hint at the names.
    number = str(name).removeprefix(PSEUDONYM.format(""))
    return (0, int(number)) if number.isdigit() else (1, 0)


def pseudonymize_series(series: Mapping, pseudonyms: Mapping, *, split: str) -> dict:
    """Return a ``/api/series`` answer whose series are named by pseudonym."""
    if split != "physician":
        return dict(series)
    renamed = [
        {**one, "name": _pseudonym(one["name"], pseudonyms)}
        for one in series.get("series", [])
    ]
    return {**series, "series": sorted(renamed, key=lambda s: _by_number(s["name"]))}


def pseudonymize_groups(summary: Mapping, pseudonyms: Mapping) -> dict:
    """Return a ``/api/summary`` answer whose groups are named by pseudonym."""
    rows = [
        {**row, "group": _pseudonym(row["group"], pseudonyms)}
        for row in summary.get("rows", [])
    ]
    return {**summary, "rows": sorted(rows, key=lambda r: _by_number(r["group"]))}


def pseudonymize_spec(spec: FilterSpec, pseudonyms: Mapping) -> FilterSpec:
    """Return the spec with its physician filter values as pseudonyms."""
    chosen = tuple(_pseudonym(name, pseudonyms) for name in spec.physician)
    return dataclasses.replace(spec, physician=chosen)


def _anonymous_exam(row: Mapping, pseudonyms: Mapping) -> dict:
    out = {k: v for k, v in row.items() if k != fields.ACCESSION}
    name = row.get(fields.ORDERING_PHYSICIAN)
    out[fields.ORDERING_PHYSICIAN] = (
        None if name is None else _pseudonym(name, pseudonyms)
    )
    return out
