"""Token mode in a real Chromium: the launch file lets the user in, once."""

import json
import sys
import time
from pathlib import Path

import pytest

from scripts import smoke_exe
from tests.app_sessions import launcher_argv

FAKE_BROWSER = Path(__file__).resolve().parents[1] / "fake_browser.py"


@pytest.fixture
def token_app(tmp_path, monkeypatch, collected_static):
    """launcher.py --require-token, its browser a recorder of the launch file."""
    record = tmp_path / "browser.json"
    monkeypatch.setenv("BROWSER", f"{sys.executable} {FAKE_BROWSER} %s")
    monkeypatch.setenv("TATVIZ_FAKE_BROWSER_RECORD", str(record))
    argv = launcher_argv(tmp_path / "data", "--port", "0", "--require-token")
    argv.remove("--no-browser")
    app = smoke_exe.App(argv)
    try:
        line = app.next_line(60)
        deadline = time.monotonic() + 30
        while not record.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        yield line.split(" at ", 1)[1], json.loads(record.read_text())
    finally:
        app.proc.terminate()
        app.wait()


def test_launch_file_opens_a_session_in_chromium(browser, token_app):
    url, seen = token_app
    context = browser.new_context()
    page = context.new_page()
    page.goto(seen["target"])  # what the launcher gave the browser
    # The form posts the token, the answer moves on to the start page.
    page.wait_for_selector("nav", timeout=15_000)
    assert page.url == url
    assert "one-time link" not in page.content()
    # The session cookie is sent with the next pages of this browser.
    assert page.goto(url + "data").status == 200
    assert not Path(seen["launch_file"]).exists()
    # Another browser (another user) cannot use the link or the token again.
    stranger = browser.new_context().new_page()
    assert stranger.goto(url).status == 403
    context.close()
