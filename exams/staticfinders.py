"""Which Plotly library the pages load and the report embeds, and its check.

TATviz ships a partial plotly.js bundle with only the trace types it draws
(scatter, bar, box, heatmap): 1.2 MB instead of the plotly package's 4.8 MB
``plotly.min.js``. It is vendored in ``static/vendor/`` (built once by
``scripts/plotly_bundle/build.sh`` from npm's plotly.js, never fetched at run
time) and named after the plotly.js version that the installed plotly
package was made for, so the figures' JSON and the drawing code always match:
after a plotly upgrade the name changes and the check below fails until the
bundle is rebuilt.
"""

from pathlib import Path

from django.conf import settings
from django.core import checks
from plotly.offline import get_plotlyjs_version

PLOTLY_JS = f"vendor/plotly-tatviz-{get_plotlyjs_version()}.min.js"


def plotly_js_path() -> Path:
    """Return where the vendored bundle is in the source static folder."""
    return Path(settings.STATICFILES_DIRS[0]) / PLOTLY_JS


@checks.register(checks.Tags.staticfiles)
def check_plotly_bundle(**kwargs) -> list[checks.CheckMessage]:
    """Fail when the bundle for the installed plotly's plotly.js is missing."""
    if plotly_js_path().is_file():
        return []
    return [
        checks.Error(
            f"static/{PLOTLY_JS} is missing",
            hint="rebuild it for this plotly with scripts/plotly_bundle/build.sh",
            id="exams.E001",
        )
    ]
