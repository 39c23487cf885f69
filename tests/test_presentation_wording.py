"""Charts and captions in the words of the page (tiny analysis export).

Hand-worked from tests/analysis_export.py: the five exams fall in five
different weekday × hour cells; valid report TATs (complete→final) are
A1 30 (Mon 10h), A3 110 (Sat 08h), A5 60 (Sun 09h); A4's is negative and A2
is pending, so the cells' medians run from 30 min to 1 h 50 min.
"""

from exams.charts.pareto import top_exams_figure
from tests.html_reader import json_script
from tests.page_helpers import html


def _figure(response, chart_id: str) -> dict:
    charts = json_script(response.content, "insight-data")["charts"]
    return next(c["figure"] for c in charts if c["id"] == chart_id)


def test_heatmap_counts_start_at_zero_and_the_page_says_so(analysed):
    response = analysed.get("/insights/heatmap")
    trace = _figure(response, "chart-heatmap")["data"][0]
    assert trace["zmin"] == 0
    text = html(response)
    assert "Colours run from 0 to 1 exams per cell." in text
    assert "completed_at" not in text.split('id="insight-data"')[0]


def test_heatmap_statistics_say_what_the_scale_spans(analysed):
    response = analysed.get("/insights/heatmap?metric=complete_to_final&stat=median")
    trace = _figure(response, "chart-heatmap")["data"][0]
    assert "zmin" not in trace
    assert (
        "Colours span the range of the cells, 30 min to 1 h 50 min, not from zero"
        in html(response)
    )


def test_the_box_plot_axis_says_all_exams_without_a_split(analysed):
    response = analysed.get("/insights/distribution")
    layout = _figure(response, "chart-boxes")["layout"]
    assert layout["xaxis"]["title"]["text"] == "All exams"


def test_compare_words_its_medians_as_they_are_shown(analysed):
    text = html(analysed.get("/insights/compare"))
    assert "Medians are in minutes" not in text
    assert "Medians are times in hours and minutes" in text


def test_every_top_exam_line_looks_different():
    """Ten types and (other): eleven lines, no two alike (colour and dash)."""
    series = [{"name": f"EXAM {i}", "y": [i, i + 1]} for i in range(10)]
    series.append({"name": "(other)", "y": [5, 5]})
    figure = top_exams_figure(
        {"x": ["2025-01", "2025-02"], "series": series, "period": "month"}
    )
    looks = [(t.line.color, t.line.dash) for t in figure.data]
    assert len(set(looks)) == 11


def test_counts_have_thousands_separators_on_every_page(client, db):
    """500 days from Mon 2025-01-06: 71 weeks × (5 × 3 + 2 × 1) = 1,207 exams,
    plus Mon–Wed of week 72 (3 × 3 = 9): 1,216 exams, every one with a report
    TAT of 60 min (band 1–4 h) and the exam name CT HEAD."""
    from tests.analysis_export import long_csv
    from tests.client_fixtures import load

    load(client, long_csv(500))
    distribution = html(client.get("/insights/distribution"))
    assert '<td class="num">1,216</td>' in distribution
    assert "Shares are of all 1,216 exams" in distribution
    pareto = html(client.get("/insights/pareto"))
    assert "running share of all 1,216 exams" in pareto
    assert '<td class="num">1,216</td>' in pareto
    files = html(client.get("/data"))
    assert "1216" not in files
    assert '<td class="num">1,216</td>' in files
