"""The launcher answers /healthz before the views load; pages wait for them.

Start-up time was mostly importing pandas, pyarrow, plotly and every view
(BENCHMARKS.md, "Issue 17"): the launcher now says it runs once Django is set
up and the database migrated, and imports them while the browser opens.
"""

import subprocess
import sys
import threading
from pathlib import Path

import django.urls

import launcher

ROOT = Path(__file__).resolve().parent.parent


def call(app, path: str) -> tuple[str, bytes]:
    """Call a WSGI app with a GET of ``path``; return status and body."""
    seen = {}

    def start_response(status, headers):
        seen["status"] = status

    body = b"".join(app({"PATH_INFO": path, "REQUEST_METHOD": "GET"}, start_response))
    return seen["status"], body


def django_app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"page " + environ["PATH_INFO"].encode()]


def test_healthz_answers_at_once_and_a_page_waits_for_the_views():
    warming = launcher.Warming(django_app)
    assert call(warming, "/healthz") == ("200 OK", b"ok")

    answers = []
    page = threading.Thread(target=lambda: answers.append(call(warming, "/")))
    page.start()
    page.join(timeout=0.3)
    assert page.is_alive() and answers == []  # held while the views load

    assert warming.warm() is None
    page.join(timeout=10)
    assert answers == [("200 OK", b"page /")]
    # Once warm, /healthz is Django's own view again.
    assert call(warming, "/healthz") == ("200 OK", b"page /healthz")


def test_views_that_cannot_load_answer_500_and_say_why(monkeypatch):
    def broken(path):
        raise ImportError("No module named 'exams.views.pages'")

    monkeypatch.setattr(django.urls, "resolve", broken)
    warming = launcher.Warming(django_app)

    error = warming.warm()

    assert isinstance(error, ImportError)
    status, body = call(warming, "/")
    assert status.startswith("500") and b"tatviz.log" in body
    # /healthz too: the launcher must not call this install ready.
    assert call(warming, "/healthz")[0].startswith("500")


def imported_at_setup(*args: str) -> str:
    code = (
        "import sys, launcher; "
        f"launcher.setup_django({', '.join(args)}); "
        "print(sorted(m for m in ('pyarrow', 'pandas', 'numpy') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip()


def test_a_lazy_setup_imports_neither_pyarrow_nor_pandas():
    assert imported_at_setup("lazy=True") == "[]"
    # manage.py, the tests and the self-test still set pyarrow's pool at once.
    assert imported_at_setup() == "['numpy', 'pyarrow']"


def test_a_start_whose_pages_cannot_load_stops_with_exit_1_and_says_why(tmp_path):
    # The launcher as run, with the URLconf's import failing (a broken bundle).
    code = (
        "import sys, django.urls, launcher\n"
        "def broken(path):\n"
        "    raise ImportError(\"No module named 'exams.views.pages'\")\n"
        "django.urls.resolve = broken\n"
        "sys.exit(launcher.main(sys.argv[1:]))\n"
    )
    argv = ["--no-browser", "--port", "0", "--data-dir", str(tmp_path / "data")]
    result = subprocess.run(
        [sys.executable, "-c", code, *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stdout.startswith("TATviz running at http://127.0.0.1:")
    assert "TATviz cannot start: its pages do not load" in result.stderr
    assert "exams.views.pages" in result.stderr
