"""The vendored partial Plotly bundle: right version, every trace TATviz draws.

Plotly.js quietly draws a trace of an unregistered type as a scatter, so a
bundle missing a type would not fail loudly: these tests and the browser
tests (which compare each drawn trace's type with the figure's) guard it.
"""

import ast
import re
from pathlib import Path

import plotly.graph_objects as go
from django.core import checks
from plotly.offline import get_plotlyjs_version

from exams import staticfinders

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor"
BUILD = ROOT / "scripts" / "plotly_bundle"
HEADER = re.compile(
    r"^/\*\*\n\* plotly\.js \(tatviz: ([a-z, ]+) - minified\) v([\d.]+)\n"
)


def header() -> tuple[list[str], str]:
    """Return the traces and version the bundle's licence header names."""
    (path,) = VENDOR.glob("plotly-tatviz-*.min.js")
    with path.open(encoding="utf-8") as handle:
        match = HEADER.match(handle.read(300))
    assert match, f"{path.name} has no plotly.js header"
    return match.group(1).split(", "), match.group(2)


def drawn_trace_types() -> set[str]:
    """Return the trace types the chart builders construct (go.Bar -> bar)."""
    found = set()
    for path in (ROOT / "exams").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "go"
                and node.attr != "Figure"
            ):
                found.add(getattr(go, node.attr)().type)
    return found


def test_the_bundle_is_for_the_installed_plotly():
    traces, version = header()
    assert version == get_plotlyjs_version()
    assert f"vendor/plotly-tatviz-{version}.min.js" == staticfinders.PLOTLY_JS
    assert staticfinders.plotly_js_path().is_file()
    # The build pins the same plotly.js release.
    assert f'"plotly.js": "{version}"' in (BUILD / "package.json").read_text()


def test_the_bundle_has_every_trace_type_tatviz_draws():
    drawn = drawn_trace_types()
    assert drawn == {"bar", "box", "heatmap", "scatter"}
    traces, _ = header()
    assert set(traces) == drawn
    build = (BUILD / "build.mjs").read_text(encoding="utf-8")
    listed = re.search(r"export const TRACES = \[([^\]]*)\]", build).group(1)
    assert set(re.findall(r"'([a-z]+)'", listed)) == drawn


def test_the_bundle_is_small_and_keeps_its_licence():
    (path,) = VENDOR.glob("plotly-tatviz-*.min.js")
    assert path.stat().st_size < 1_300_000  # the full plotly.min.js: 4.8 MB
    assert "Licensed under the MIT license" in path.read_text(encoding="utf-8")[:300]
    licence = (VENDOR / "plotly.js-LICENSE.txt").read_text(encoding="utf-8")
    assert licence.startswith("MIT License\n\nCopyright (c) 2016-2024 Plotly")


def test_a_missing_bundle_fails_the_system_checks(settings, tmp_path):
    settings.STATICFILES_DIRS = [tmp_path]
    errors = checks.run_checks(tags=[checks.Tags.staticfiles])
    assert [e.id for e in errors if e.id.startswith("exams.")] == ["exams.E001"]
    settings.STATICFILES_DIRS = [ROOT / "static"]
    assert not [
        e
        for e in checks.run_checks(tags=[checks.Tags.staticfiles])
        if e.id.startswith("exams.")
    ]
