"""Smoke-test a frozen TATviz build: python scripts/smoke_exe.py dist/TATviz/TATviz

Standard library only, so it runs unchanged on a bare Windows build machine.
It starts the binary on a fresh data dir, uploads the sample export through
the real HTTP stack, checks the one-instance rule, quits through the in-app
Quit, runs ``--self-test`` and checks that no database was bundled. Exit 0
when everything passed; timings are printed for BENCHMARKS.md.
"""

import argparse
import http.cookiejar
import json
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

RUNNING = re.compile(r"^TATviz running at (http://127\.0\.0\.1:(\d+)/)$")
ALREADY = "TATviz already running at "
START_TIMEOUT = 120.0
EXIT_TIMEOUT = 30.0
ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data" / "ris_export_sample.csv"
DATABASE_SUFFIXES = (".db", ".sqlite3", ".sqlite")
# Every page over HTTP once the sample is loaded (each chart type; the
# self-test renders them again in process with its own checks).
PAGES = (
    "/dashboard",
    "/exams",
    "/data",
    "/settings",
    "/overview",
    *(
        f"/insights/{view}"
        for view in ("distribution", "heatmap", "compare", "pareto", "pending")
    ),
    "/insights/forecast",
)


class SmokeError(AssertionError):
    """A smoke check failed; the message says which and why."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeError(message)


class App:
    """A running TATviz, with its stdout read line by line."""

    def __init__(self, argv: list[str]):
        self.proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stderr: list[str] = []
        # Threads, not select(): Windows cannot select() on pipes.
        threading.Thread(target=self._pump_stdout, daemon=True).start()
        threading.Thread(target=self._pump_stderr, daemon=True).start()

    def _pump_stdout(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\r\n"))
        self.lines.put(None)

    def _pump_stderr(self) -> None:
        self.stderr.extend(self.proc.stderr)

    def next_line(self, timeout: float) -> str:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise SmokeError(f"no output within {timeout:.0f} s") from None
        if line is None:
            raise SmokeError(
                f"exited ({self.wait()}) without output:\n{''.join(self.stderr)}"
            )
        return line

    def wait(self, timeout: float = EXIT_TIMEOUT) -> int:
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Browser:
    """Cookies, CSRF and requests, as the page would send them."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        # No proxies: a configured HTTP proxy must never see loopback traffic.
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPCookieProcessor(self.cookies),
        )

    def request(self, path: str, *, data=None, headers=None) -> tuple[int, bytes]:
        req = urllib.request.Request(
            self.base_url + path.lstrip("/"), data=data, headers=headers or {}
        )
        if data is not None:
            req.add_header("X-CSRFToken", self.csrf_token())
            req.add_header("Referer", self.base_url)
        try:
            with self.opener.open(req, timeout=120) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def csrf_token(self) -> str:
        for cookie in self.cookies:
            if cookie.name.endswith("csrftoken"):
                return cookie.value
        raise SmokeError("GET / set no cookie whose name ends in 'csrftoken'")


def multipart(field: str, path: Path) -> tuple[bytes, str]:
    """Encode one file field as multipart/form-data; return body and type."""
    boundary = uuid.uuid4().hex
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{field}"; filename="{path.name}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    body = head + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def folder_size(folder: Path) -> int:
    """Return the bytes on disk, counting a symlinked library once."""
    files = (p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    return sum(p.stat().st_size for p in files)


def app_argv(binary: Path, data_dir: Path) -> list[str]:
    return [str(binary), "--no-browser", "--port", "0", "--data-dir", str(data_dir)]


def start(argv: list[str]) -> tuple[App, str, float]:
    """Start the app; return it, its URL and the seconds until it was ready."""
    began = time.monotonic()
    app = App(argv)
    line = app.next_line(START_TIMEOUT)
    match = RUNNING.match(line)
    check(match is not None, f"unexpected first line {line!r}")
    return app, match.group(1), time.monotonic() - began


def exercise(browser: Browser, sample: Path) -> None:
    """Walk the app as a user would: start page, upload, every page, report."""
    status, body = browser.request("/healthz")
    check((status, body.strip()) == (200, b"ok"), f"/healthz: {status} {body!r}")
    status, _ = browser.request("/")
    check(status == 200, f"GET /: {status}")
    body, content_type = multipart("file", sample)
    status, answer = browser.request(
        "/api/datasets", data=body, headers={"Content-Type": content_type}
    )
    check(status == 201, f"POST /api/datasets: {status} {answer[:300]!r}")
    rows = json.loads(answer).get("rows_loaded", 0)
    check(rows > 0, f"POST /api/datasets loaded {rows} rows")
    print(f"  upload: {rows} rows loaded from {sample.name}")
    for page in PAGES:
        status, _ = browser.request(page)
        check(status == 200, f"GET {page}: {status}")
    # The report inlines the Plotly bundle, read from the bundled static files.
    status, report = browser.request("/report")
    check(status == 200 and b"plotly.js (tatviz:" in report, f"GET /report: {status}")
    print(f"  {len(PAGES)} pages and the report ({len(report) / 1e6:.2f} MB): 200")


def check_second_instance(binary: Path, data_dir: Path, url: str) -> None:
    second = App(app_argv(binary, data_dir))
    try:
        line = second.next_line(START_TIMEOUT)
        check(line == ALREADY + url, f"second launch printed {line!r}")
        check(second.wait() == 0, f"second launch exited {second.proc.returncode}")
    finally:
        second.kill()


def quit_app(app: App, browser: Browser) -> None:
    status, answer = browser.request("/api/quit", data=b"")
    check(status == 202, f"POST /api/quit: {status} {answer!r}")
    code = app.wait()
    check(code == 0, f"exit code after Quit: {code}\n{''.join(app.stderr)}")


def restart_and_stop(binary: Path, data_dir: Path) -> None:
    """Start again on the same data dir, then stop it as the OS would."""
    app, url, _ready = start(app_argv(binary, data_dir))
    try:
        browser = Browser(url)
        status, _ = browser.request("/")
        check(status == 200, f"GET / after restart: {status}")
        if os.name == "nt":
            quit_app(app, browser)  # no SIGTERM on Windows
            return
        app.proc.send_signal(signal.SIGTERM)
        code = app.wait()
        check(code == 0, f"exit code after SIGTERM: {code}\n{''.join(app.stderr)}")
    finally:
        app.kill()


def self_test(binary: Path, data_dir: Path) -> None:
    result = subprocess.run(
        [str(binary), "--self-test", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
    )
    print(result.stdout, end="")
    check(result.returncode == 0, f"--self-test exited {result.returncode}")


def check_no_database(bundle: Path) -> None:
    found = [p for p in bundle.rglob("*") if p.name.lower().endswith(DATABASE_SUFFIXES)]
    check(not found, f"databases in the bundle: {found}")


def run(binary: Path, sample: Path) -> None:
    bundle = binary.parent
    # Windows may hold a just-exited process's log file open for a moment.
    with tempfile.TemporaryDirectory(
        prefix="tatviz-smoke-", ignore_cleanup_errors=True
    ) as tmp:
        data_dir = Path(tmp) / "data"
        app, url, ready = start(app_argv(binary, data_dir))
        try:
            print(f"  ready in {ready:.2f} s at {url}")
            browser = Browser(url)
            exercise(browser, sample)
            check_second_instance(binary, data_dir, url)
            print("  second launch: already running, exit 0")
            quit_app(app, browser)
            print("  in-app Quit: exit 0")
        finally:
            app.kill()
        restart_and_stop(binary, data_dir)
        print("  restart on the same data dir, then stop: exit 0")
        self_test(binary, Path(tmp) / "selftest")
    check_no_database(bundle)
    print(f"  bundle {bundle}: {folder_size(bundle) / 1e6:.0f} MB, no database")
    print(f"time_to_ready_s={ready:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary", type=Path, help="dist/TATviz/TATviz(.exe)")
    parser.add_argument("--sample", type=Path, default=SAMPLE, help="CSV to upload")
    args = parser.parse_args(argv)
    print(f"Smoke-testing {args.binary}")
    try:
        run(args.binary.resolve(), args.sample)
    except (SmokeError, subprocess.TimeoutExpired) as err:
        sys.stdout.flush()
        print(f"SMOKE TEST FAILED: {err}", file=sys.stderr)
        return 1
    print("Smoke test passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
