"""``GET /report?<dashboard query>``: the view as one HTML file to send.

The file is a download (``Content-Disposition: attachment``) meant to be
opened from disk, offline: Plotly's library and the figures are inside it,
and its own Content-Security-Policy (as a header, and as a ``<meta>`` for
when it is opened from disk) allows only its two scripts and no request.
"""

from django.http import HttpResponse
from django.template.loader import render_to_string

from exams.presentation import presenters, report
from exams.presentation.report_page import report_context
from exams.storage import preferences, store
from exams.storage.measured import frame_in_time
from exams.views._common import parse_request
from exams.views.chain import report_sections
from exams.views.errors import require_GET
from exams.views.pages import page_errors


@require_GET
@page_errors
def download_report(request):
    """Return the dashboard view of the query string as a self-contained file."""
    query = parse_request(request, "report")
    spec, anonymize = query.spec, query.anonymize
    dataset = store.current_dataset(request)
    context = report_context(
        dataset,
        frame_in_time(request),
        spec=spec,
        anonymize=anonymize,
        shifts=preferences.get_shifts(),
        targets=preferences.get_targets(),
    )
    interval = presenters.headline_interval(spec)
    sections = report_sections(request, spec, interval=interval)
    context["chain_report"] = sections["chain_report"]
    if not context["empty"]:
        for name, figure in sections["chain_figures"].items():
            context["figures"][name] = report.figure_json(figure)
    html = render_to_string("exams/report.html", context)
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{context["filename"]}"'
    response["Content-Security-Policy"] = report.content_security_policy()
    return response
