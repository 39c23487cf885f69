"""The quality report in plain words: each count becomes one sentence."""

from exams.presentation.quality_text import describe_quality, quality_items

SUMMARY = {
    "filename": "jan.csv",
    "rows_read": 10,
    "rows_loaded": 8,
    "quality": {
        "duplicates": 1,
        "cancelled": 1,
        "unparseable": {"finalized_at": 1, "ordered_at": 0},
        "missing": {"ordered_at": 2, "finalized_at": 3, "priority": 0},
        "negative": {"complete_to_final": 4, "order_to_complete": 0},
    },
    "cancelled_values": {"Canceled": 1},
    "notes": ["Modality derived from the exam name."],
}


def test_items_name_each_finding_once_and_skip_zero_counts():
    items = quality_items(SUMMARY)
    assert [(i["kind"], i["field"], i["count"]) for i in items] == [
        ("pending", "finalized_at", 3),
        ("negative", "complete_to_final", 4),
        ("duplicates", None, 1),
        ("cancelled", "status", 1),
        ("unparseable", "finalized_at", 1),
        ("missing", "ordered_at", 2),
    ]


def test_sentences_read_plainly():
    lines = describe_quality(SUMMARY)
    assert lines[0] == "jan.csv: 10 rows read, 8 exams loaded."
    assert "- 3 exams have no final report yet — counted as pending." in lines
    assert (
        "- 4 exams have their final report time before the completion time — "
        "left out of Complete → final (report TAT) statistics."
    ) in lines
    assert "- 1 duplicate row was removed (same accession or identical row)." in lines
    assert "- 1 cancelled exam was excluded (status “Canceled”)." in lines
    assert "- 2 exams have no order time." in lines
    assert "- Modality derived from the exam name." in lines
