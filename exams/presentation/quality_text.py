"""The data-quality report in plain words, for the upload page and the CLI."""

from collections.abc import Mapping

from exams import fields

# How a field reads in a sentence ("12 exams have no order time").
_FIELD_PHRASES = {
    fields.ACCESSION: "accession number",
    fields.EXAM_NAME: "exam name",
    fields.MODALITY: "modality",
    fields.ORDERED_AT: "order time",
    fields.STARTED_AT: "exam start time",
    fields.COMPLETED_AT: "completion time",
    fields.PRELIMINARY_AT: "preliminary report time",
    fields.FINALIZED_AT: "final report time",
    fields.PRIORITY: "priority",
    fields.ORDERING_PHYSICIAN: "ordering physician",
    fields.PATIENT_CLASS: "patient class",
    fields.READING_RADIOLOGIST: "reading radiologist",
    fields.LOCATION: "location",
    fields.STATUS: "status",
}


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def describe_quality(summary: Mapping) -> list[str]:
    """Return plain-English lines describing a data set's summary."""
    lines = [
        f"{summary.get('filename', 'Export')}: "
        f"{_plural(summary.get('rows_read', 0), 'row', 'rows')} read, "
        f"{_plural(summary.get('rows_loaded', 0), 'exam', 'exams')} loaded."
    ]
    for item in quality_items(summary):
        lines.append(f"- {item['text']}")
    for note in summary.get("notes", []):
        lines.append(f"- {note}")
    for f in summary.get("files", []) if len(summary.get("files", [])) > 1 else []:
        lines.append(
            f"- {f['filename']}: {f['rows_read']:,} rows, {f['added']:,} added, "
            f"{f['replaced']:,} replaced, {f['skipped']:,} skipped"
        )
    return lines


def quality_items(summary: Mapping) -> list[dict]:
    """Return the report's findings: ``{"kind", "field", "count", "text"}``.

    ``kind`` is one of pending, negative, implausible, undecodable,
    out_of_order, date_only, merged, duplicates, cancelled, unparseable,
    missing; items with a zero count are left out. An out-of-order pair that
    is a TAT interval is listed only where it counts more exams than
    ``negative`` (a date-only end: compared by day, not measured), so no exam
    is reported twice.
    """
    quality = summary.get("quality", {})
    items = []
    pending = quality.get("missing", {}).get(fields.FINALIZED_AT, 0)
    if pending:
        items.append(
            _item(
                "pending",
                fields.FINALIZED_AT,
                pending,
                f"{_plural(pending, 'exam has', 'exams have')} no final report "
                "yet — counted as pending.",
            )
        )
    for metric, n in quality.get("negative", {}).items():
        if n:
            start, end = fields.INTERVALS[metric]
            items.append(
                _item(
                    "negative",
                    metric,
                    n,
                    f"{_plural(n, 'exam has its', 'exams have their')} "
                    f"{_FIELD_PHRASES[end]} before the "
                    f"{_FIELD_PHRASES[start]} — left out of "
                    f"{fields.METRIC_LABELS[metric]} statistics.",
                )
            )
    items.extend(_chain_items(quality))
    for field, n in quality.get("merged", {}).items():
        if n:
            items.append(
                _item(
                    "merged",
                    field,
                    n,
                    f"{_plural(n, 'other spelling', 'other spellings')} of "
                    f"{_FIELD_PHRASES.get(field, field)} values merged (same "
                    "value in other capitals or spacing); each value shows its "
                    "most common spelling.",
                )
            )
    for metric, n in quality.get("implausible", {}).items():
        if n:
            items.append(
                _item(
                    "implausible",
                    metric,
                    n,
                    f"{_plural(n, 'exam has', 'exams have')} more than a year "
                    f"of {fields.METRIC_LABELS[metric]} (a mistyped year?) — "
                    "left out of its statistics.",
                )
            )
    undecodable = quality.get("undecodable_bytes", 0)
    if undecodable:
        items.append(
            _item(
                "undecodable",
                None,
                undecodable,
                f"{_plural(undecodable, 'byte was', 'bytes were')} not UTF-8 in "
                "a UTF-8 file — read as Windows-1252 in place.",
            )
        )
    duplicates = quality.get("duplicates", 0)
    if duplicates:
        items.append(
            _item(
                "duplicates",
                None,
                duplicates,
                f"{_plural(duplicates, 'duplicate row was', 'duplicate rows were')} "
                "removed (same accession or identical row).",
            )
        )
    cancelled = quality.get("cancelled", 0)
    if cancelled:
        matched = ", ".join(f"“{v}”" for v in summary.get("cancelled_values", {}))
        items.append(
            _item(
                "cancelled",
                fields.STATUS,
                cancelled,
                f"{_plural(cancelled, 'cancelled exam was', 'cancelled exams were')} "
                f"excluded" + (f" (status {matched})." if matched else "."),
            )
        )
    for field, n in quality.get("unparseable", {}).items():
        if n:
            items.append(
                _item(
                    "unparseable",
                    field,
                    n,
                    f"{_plural(n, 'value', 'values')} in "
                    f"{fields.FIELD_LABELS.get(field, field)} could not be read "
                    "as a date.",
                )
            )
    for field, n in quality.get("missing", {}).items():
        if n and field != fields.FINALIZED_AT:
            items.append(
                _item(
                    "missing",
                    field,
                    n,
                    f"{_plural(n, 'exam has', 'exams have')} no "
                    f"{_FIELD_PHRASES.get(field, field.replace('_', ' '))}.",
                )
            )
    return items


def _chain_items(quality: Mapping) -> list[dict]:
    """Return the out-of-order pairs and the date-only fields as findings."""
    items = []
    # The report counts the built-in intervals (ingest), whatever the settings.
    metric_of = {ends: metric for metric, ends in fields.BUILT_IN.items()}
    negative = quality.get("negative", {})
    for pair, n in quality.get("out_of_order", {}).items():
        first, _, second = pair.partition(">")
        metric = metric_of.get((first, second))
        if n and (metric is None or n > negative.get(metric, 0)):
            items.append(
                _item(
                    "out_of_order",
                    pair,
                    n,
                    f"{_plural(n, 'exam has its', 'exams have their')} "
                    f"{_FIELD_PHRASES[first]} after the {_FIELD_PHRASES[second]} "
                    "(out of order).",
                )
            )
    for field, n in quality.get("date_only", {}).items():
        if not n:
            continue
        left_out = [
            fields.METRIC_LABELS[m]
            for m, ends in fields.BUILT_IN.items()
            # Only the intervals the file has (those its negatives count).
            if field in ends and m in quality.get("negative", fields.BUILT_IN)
        ]
        text = (
            f"{_plural(n, 'exam has', 'exams have')} a date but no time of day "
            f"as {_FIELD_PHRASES[field]}: "
        )
        if left_out:
            text += (
                f"left out of {' and '.join(left_out)} statistics (a date alone "
                "gives no minutes)."
            )
        else:
            text += "compared with the other times by day only."
        if field in (fields.COMPLETED_AT, fields.ORDERED_AT):
            text += " Their shift and hour of day read as midnight."
        items.append(_item("date_only", field, n, text))
    return items


def _item(kind: str, field: str | None, count: int, text: str) -> dict:
    return {"kind": kind, "field": field, "count": count, "text": text}
