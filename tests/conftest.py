"""Fixtures shared by the test modules; pytest-django provides ``client`` and ``db``.

The data dir is set earlier, by ``tests/pytest_env.py`` (loaded with ``-p``
before pytest-django reads the settings).
"""

import pytest
from django.test import Client

from exams import analysis
from exams.analysis.frame.shifts import default_shifts
from exams.models import SavedView
from exams.storage import store
from tests import analysis_facts, api_exams, app_sessions, security_payload
from tests.analysis_export import ANALYSIS_CSV
from tests.client_fixtures import load
from tests.page_helpers import TINY_CSV


@pytest.fixture
def plain_static_storage(settings):
    """Serve static files without the manifest (that needs collectstatic)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


@pytest.fixture
def loaded(client, db) -> Client:
    """The client with the tiny page export loaded (four exams)."""
    return load(client, TINY_CSV)


@pytest.fixture
def analysed(client, db) -> Client:
    """The client with the tiny analysis export loaded (five exams)."""
    return load(client, ANALYSIS_CSV)


@pytest.fixture(scope="module")
def facts():
    """The hand-worked facts, prepared with the default shifts (read only)."""
    return analysis_facts.prepare_facts()


@pytest.fixture
def exams_frame():
    """The four API exams, prepared with the default shifts."""
    return analysis.prepare_frame(api_exams.EXAMS, shifts=default_shifts())


@pytest.fixture
def exams_current(db, exams_frame, monkeypatch) -> None:
    """Make ``exams_frame`` every session's current data set."""
    monkeypatch.setattr(store, "current_frame", lambda request: exams_frame)


@pytest.fixture
def payload(db):
    """A client whose current data set is the hostile payload export."""
    client = Client(raise_request_exception=False)
    summary = security_payload.upload(
        client, security_payload.PAYLOAD, security_payload.FILE_PAYLOAD
    )
    view = SavedView.objects.create(
        name=security_payload.SCRIPT, query="split=physician"
    )
    return client, summary, view


@pytest.fixture
def launch():
    """Start ``RunningApp``s; any still running at the end is killed."""
    started: list[app_sessions.RunningApp] = []

    def start(data_dir, *args: str, env: dict | None = None):
        app = app_sessions.RunningApp(data_dir, *args, env=env)
        started.append(app)
        return app

    yield start
    for app in started:
        app.kill()


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    """The real app, started once for the module."""
    app = app_sessions.RunningApp(tmp_path_factory.mktemp("security-app"))
    yield app
    app.kill()


@pytest.fixture(scope="module")
def http_app(tmp_path_factory):
    """A launcher with the HTTP upload limit, started once for the module."""
    app = app_sessions.RunningApp(
        tmp_path_factory.mktemp("bad-inputs-app"),
        env={"TATVIZ_MAX_UPLOAD_MB": str(app_sessions.HTTP_LIMIT_MB)},
    )
    yield app
    app.kill()


@pytest.fixture(params=["django", "http"])
def session(request, db, settings) -> app_sessions.Session:
    """A fresh session through Django's test client, then over real HTTP."""
    # (``db`` is asked for by name: pytest-django does not set the database
    # up when a fixture asks for it with getfixturevalue.)
    if request.param == "django":
        return app_sessions.DjangoSession(settings)
    return request.getfixturevalue("http_app").session()
