"""Real-browser fixtures: the real app (launcher.py) and Debian's Chromium.

Playwright's own browsers cannot be downloaded on the build machines, so the
tests drive /usr/bin/chromium. A missing browser fails the run (never a
skip): CI must not go green without having looked at the pages.
"""

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path(os.environ.get("TATVIZ_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The README's pictures are taken by the tests that show each page; they go
# to docs/ only when asked (`make screenshots`), so a test run leaves the
# checkout as it was.
DOCS = (
    ROOT / "docs"
    if os.environ.get("TATVIZ_DOCS_SCREENSHOTS") == "1"
    else ARTIFACTS / "docs"
)
RUNNING = re.compile(r"TATviz running at (http://127\.0\.0\.1:\d+/)")
START_TIMEOUT = 60


def docs_shot(page, name: str, **options) -> Path:
    """Save the README's picture ``docs/screenshot-<name>.png`` of ``page``."""
    DOCS.mkdir(parents=True, exist_ok=True)
    path = DOCS / f"screenshot-{name}.png"
    page.screenshot(path=str(path), **options)
    return path


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.is_file():
        where = "CI" if os.environ.get("CI") == "true" else "this machine"
        pytest.fail(
            f"Chromium not found at {CHROMIUM} on {where}. Install Debian's "
            "chromium (apt-get install chromium) or set TATVIZ_CHROMIUM; browser "
            "tests never skip.",
            pytrace=False,
        )
    return CHROMIUM


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def _collect_static(env: dict) -> None:
    # The app serves hashed static names from the manifest (DEBUG off); make
    # sure it lists the JS and CSS of this checkout, as `make static` does.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )


class App:
    """A launcher.py process serving a fresh data dir."""

    def __init__(self, data_dir: Path, *args: str):
        self.data_dir = data_dir
        self.args = args  # more launcher options, e.g. ``--sample``
        self.process: subprocess.Popen | None = None
        self.url = ""
        self.output: list[str] = []

    def start(self) -> None:
        env = {**os.environ, "TATVIZ_DATA_DIR": str(self.data_dir)}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "launcher.py",
                "--no-browser",
                "--port",
                "0",
                "--data-dir",
                str(self.data_dir),
                *self.args,
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        found = threading.Event()

        def read() -> None:
            for line in self.process.stdout:
                self.output.append(line.rstrip())
                match = RUNNING.search(line)
                if match and not found.is_set():
                    self.url = match.group(1)
                    found.set()

        threading.Thread(target=read, daemon=True).start()
        if not found.wait(START_TIMEOUT):
            self.stop()
            pytest.fail(
                "launcher.py did not print its running line:\n"
                + "\n".join(self.output),
                pytrace=False,
            )

    def stop(self) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        return self.process.returncode


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory) -> None:
    env = {**os.environ, "TATVIZ_DATA_DIR": str(tmp_path_factory.mktemp("build"))}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    _collect_static(env)


@pytest.fixture
def app(tmp_path, collected_static):
    server = App(tmp_path / "data")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(chromium_path), args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


class Watch:
    """What a page did: requests that left 127.0.0.1, console errors."""

    def __init__(self, origin: str):
        self.origin = origin.rstrip("/")
        self.outside: list[str] = []
        self.errors: list[str] = []

    def on_request(self, request) -> None:
        url = request.url
        if not url.startswith((self.origin + "/", "data:", "blob:")):
            self.outside.append(url)

    def on_response(self, response) -> None:
        if response.status >= 400:
            self.errors.append(f"HTTP {response.status} for {response.url}")

    def on_console(self, message) -> None:
        # A failed load is reported by on_response, with its address.
        if message.type == "error" and not message.text.startswith("Failed to load"):
            self.errors.append(message.text)

    def on_page_error(self, error) -> None:
        self.errors.append(str(error))


class Visit:
    """One browser tab on the app, watched, with numbered screenshots."""

    def __init__(self, page, watch: Watch, app: App, artifacts: Path, name: str):
        self.page = page
        self.watch = watch
        self.app = app
        self.artifacts = artifacts
        self.name = name
        self.shots: list[Path] = []

    def shot(self, step: str) -> Path:
        path = self.artifacts / f"{self.name}-{len(self.shots) + 1:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=False)
        self.shots.append(path)
        return path


@pytest.fixture
def visit(browser, app, artifacts, request):
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, accept_downloads=True
    )
    page = context.new_page()
    watch = Watch(app.url)
    page.on("request", watch.on_request)
    page.on("console", watch.on_console)
    page.on("response", watch.on_response)
    page.on("pageerror", watch.on_page_error)
    page.set_default_timeout(20_000)
    yield Visit(page, watch, app, artifacts, request.node.name.removeprefix("test_"))
    context.close()
