"""Word the exam list, the data sets and the quality report for the pages.

Pure functions like ``presenters``: dicts in, template-ready dicts out.
"""

import dataclasses
from collections.abc import Mapping, Sequence

from exams import fields
from exams.presentation.formats import format_minutes
from exams.presentation.links import named, url_for, with_params
from exams.presentation.presenters import (
    SHORT_INTERVALS,
    describe_filters,
    number,
    sentence,
)
from exams.query.filters import FilterSpec

# What each canonical field holds, for the column-mapping form.
MAPPING_LABELS = {
    **fields.FIELD_LABELS,
    fields.COMPLETED_AT: "Exam completed (date/time)",
    fields.EXAM_NAME: "Exam / procedure name",
    fields.ORDERED_AT: "Ordered (date/time)",
    fields.STARTED_AT: "Exam started (date/time)",
    fields.PRELIMINARY_AT: "Preliminary report (date/time)",
    fields.FINALIZED_AT: "Final report signed (date/time)",
    fields.ACCESSION: "Accession number",
}


def quality_report(summary: Mapping, items: Sequence[Mapping], *, date_range) -> dict:
    """Return the quality report of a data set, each finding with its exams."""
    shown = []
    for item in items:
        url = _quality_url(item)
        label = "See these exams"
        if url and item["kind"] in ("unparseable", "missing"):
            name = fields.FIELD_LABELS.get(item["field"], item["field"])
            label = f"See the exams with nothing readable in “{name}”"
        shown.append({**item, "url": url, "link_label": label})
    columns = [
        (fields.FIELD_LABELS.get(field, field), header)
        for field, header in (summary.get("columns") or {}).items()
    ]
    return {
        "summary": summary,
        "rows_loaded": number(summary.get("rows_loaded", 0)),
        "rows_read": number(summary.get("rows_read", 0)),
        "items": shown,
        "notes": summary.get("notes", []),
        "files": summary.get("files", []),
        "columns": columns,
        "date_range": date_range,
    }


def _quality_url(item: Mapping) -> str:
    if item["kind"] == "pending":
        return named("exams-list", {"quality": "pending", "sort": "completed_at"})
    if item["kind"] == "negative":
        return named(
            "exams-list",
            {"quality": "negative", "metric": item["field"], "sort": item["field"]},
        )
    if item["kind"] == "out_of_order":
        # field is the pair, e.g. "started_at>completed_at"
        first = item["field"].partition(">")[0]
        return named(
            "exams-list",
            {"quality": "out_of_order", "pair": item["field"], "sort": first},
        )
    if item["kind"] in ("unparseable", "missing") and item["field"]:
        # Once loaded, an unreadable date and an empty one are both missing:
        # the link lists both, and says so.
        return named("exams-list", {"quality": "unreadable", "field": item["field"]})
    return ""


def sort_links(spec: FilterSpec, columns: Sequence[str], *, name: str) -> list[dict]:
    """Return the exam list's column headers, each a link that sorts by it."""
    links = []
    for column in columns:
        current = spec.sort_field == column
        # Times and intervals read best largest first on the second click.
        sort = f"-{column}" if current and not spec.descending else column
        links.append(
            {
                "field": column,
                "label": _column_label(column),
                "url": url_for(name, spec, sort=sort, page=1),
                "aria_sort": (
                    ("descending" if spec.descending else "ascending")
                    if current
                    else ""
                ),
                "numeric": column in fields.INTERVALS,
            }
        )
    return links


def _column_label(column: str) -> str:
    if column in fields.INTERVALS:
        return sentence(SHORT_INTERVALS[column])
    if column == fields.SHIFT:
        return "Shift"
    return fields.FIELD_LABELS.get(column, column)


def exam_page(
    page: Mapping,
    *,
    spec: FilterSpec,
    quality: str | None,
    columns: Sequence[str],
    pair: str = "",
    field: str = "",
) -> dict:
    """Return the exam list page: headers that sort, rows, paging and links."""
    extra = {"quality": quality} if quality else {}
    if quality == "negative" and spec.metric in fields.INTERVALS:
        extra["metric"] = spec.metric
    if quality == "out_of_order":
        extra["pair"] = pair
    if quality == "unreadable":
        extra["field"] = field
    total, size, number_ = page["total"], page["page_size"], page["page"]
    first = (number_ - 1) * size + 1 if total else 0
    last = min(number_ * size, total)
    plain = dataclasses.replace(
        spec, sort=fields.DEFAULT_SORT, page=1, page_size=fields.DEFAULT_PAGE_SIZE
    )
    return {
        "headers": [
            {**h, "url": with_params(h["url"], extra)}
            for h in sort_links(spec, columns, name="exams-list")
        ],
        "rows": [[_exam_cell(row, c) for c in columns] for row in page["rows"]],
        "total": number(total),
        "first": number(first),
        "last": number(last),
        "prev_url": _page_url(spec, extra, number_ - 1) if number_ > 1 else "",
        "next_url": _page_url(spec, extra, number_ + 1) if last < total else "",
        "csv_url": (
            with_params(url_for("exams-list", spec, page=1, format="csv"), extra)
            if quality
            else url_for("exams-exam-list", spec, page=1, format="csv")
        ),
        "description": describe_filters(spec),
        "quality_note": _quality_note(quality, pair or field),
        "dashboard_url": url_for("exams-dashboard", plain),
        "empty": total == 0,
    }


_QUALITY_NOTES = {
    "pending": "Only exams with no final report yet (pending).",
    "negative": "Only exams with an end time before the start time.",
}


def _quality_note(quality: str | None, pair: str) -> str:
    if quality == "out_of_order":
        first, _, second = pair.partition(">")
        return (
            f"Only exams with their {fields.FIELD_LABELS[first].lower()} time "
            f"after their {fields.FIELD_LABELS[second].lower()} time."
        )
    if quality == "unreadable":
        label = fields.FIELD_LABELS[pair]
        return f"Only exams with nothing readable in “{label}” (empty, or not a date)."
    return _QUALITY_NOTES.get(quality or "", "")


def _page_url(spec: FilterSpec, extra: Mapping[str, str], page: int) -> str:
    return with_params(url_for("exams-list", spec, page=page), extra)


def _exam_cell(row: Mapping, column: str) -> dict:
    value = row.get(column)
    if column in fields.INTERVALS:
        if value is None:
            ends_at_final = fields.INTERVALS[column][1] == fields.FINALIZED_AT
            pending = ends_at_final and not row.get(fields.FINALIZED_AT)
            return {"text": "pending" if pending else "—", "css": "num"}
        css = "num negative" if value < 0 else "num"
        return {"text": format_minutes(value), "css": css}
    if column in fields.TIME_FIELDS:
        return {"text": value.replace("T", " ")[:16] if value else "—", "css": "time"}
    return {"text": "—" if value is None else str(value), "css": ""}


def dataset_rows(datasets: Sequence, *, current) -> list[dict]:
    """Return the loaded data sets for the Data page, the current one marked."""
    current_id = current.pk if current is not None else None
    return [
        {
            "id": str(d.pk),
            "name": d.name,
            "created": d.created_at,
            "rows": number(d.summary.get("rows_loaded")),
            "files": [f.filename for f in d.files.all()],
            "current": d.pk == current_id,
        }
        for d in datasets
    ]


def size_text(size: int) -> str:
    """Return a size on disk as people read it: ``812 KB``, ``3.4 MB``."""
    if size < 1024:
        return f"{max(size, 0)} bytes"
    if size < 1024 * 1024:
        return f"{max(size, 0) / 1024:,.0f} KB"
    if size < 1024**3:
        return f"{size / 1024**2:,.1f} MB"
    return f"{size / 1024**3:,.2f} GB"


def dates_text(first, last) -> str:
    """Return the dates a data set covers: ``3 Mar 2025 – 15 Mar 2025``."""
    if first is None:
        return "—"
    if first == last:
        return f"{first.day} {first:%b %Y}"
    return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"


def with_facts(row: dict, facts: dict) -> dict:
    """Add the Data page's facts (``exams.storage.inventory.facts``) to a row."""
    return {
        **row,
        "dates": dates_text(facts["first_day"], facts["last_day"]),
        "size": size_text(facts["bytes"]),
        "last_used": facts["last_used"],
    }
