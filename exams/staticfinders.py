"""Serve Plotly's JS from the installed plotly package, never from a CDN.

The file is exposed as ``vendor/plotly-<version>.min.js`` so the version the
page loads always matches the Python package that built the figure.
"""

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_JS = f"vendor/plotly-{plotly.__version__}.min.js"
_SOURCE_DIR = Path(plotly.__file__).resolve().parent / "package_data"
_SOURCE_NAME = "plotly.min.js"


class _PlotlyStorage(FileSystemStorage):
    """Storage whose single file keeps its versioned public name."""

    def __init__(self):
        super().__init__(location=str(_SOURCE_DIR))
        self.prefix = None

    def path(self, name):
        return str(_SOURCE_DIR / _SOURCE_NAME)


class PlotlyFinder(BaseFinder):
    """A staticfiles finder for the one vendored Plotly bundle."""

    def find(self, path, find_all=False, **kwargs):
        if path != PLOTLY_JS:
            return [] if find_all else None
        found = str(_SOURCE_DIR / _SOURCE_NAME)
        return [found] if find_all else found

    def list(self, ignore_patterns):
        yield PLOTLY_JS, _PlotlyStorage()

    def check(self, **kwargs):
        if not (_SOURCE_DIR / _SOURCE_NAME).is_file():
            from django.core.checks import Error

            return [Error(f"plotly.min.js not found in {_SOURCE_DIR}")]
        return []
