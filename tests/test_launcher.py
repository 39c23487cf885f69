"""launcher.py as a user runs it: a real subprocess on a temporary data dir.

Also the pieces it relies on: the Quit view, the self-test's report and the
frozen-Linux browser environment.
"""

import io
import json
import os
import re
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

import launcher
from exams import lifecycle, selftest
from scripts import smoke_exe
from tatviz import paths, process
from tests.app_sessions import RunningApp, launcher_argv, multipart, saved_files
from tests.export_files import GOOD_CSV

ROOT = Path(__file__).resolve().parent.parent
RUNNING = re.compile(r"^TATviz running at http://127\.0\.0\.1:(\d+)/$")
START_TIMEOUT = 60.0
# POSIX signals: these tests run on Linux CI; the Windows job stops the exe
# through the in-app Quit (scripts/smoke_exe.py).
STOP_SIGNAL = signal.SIGTERM


@pytest.fixture
def launch():
    """Start launcher.py; every process still running at the end is killed."""
    started = []

    def start(data_dir: Path, *args: str, port: str = "0") -> smoke_exe.App:
        app = smoke_exe.App(launcher_argv(data_dir, "--port", port, *args))
        started.append(app)
        return app

    yield start
    for app in started:
        app.kill()


def wait_running(app: smoke_exe.App) -> int:
    """Return the port from the running line (which must be the first line)."""
    line = app.next_line(START_TIMEOUT)
    match = RUNNING.match(line)
    assert match, f"first stdout line was {line!r}"
    return int(match.group(1))


def browser_with_csrf(port: int) -> smoke_exe.Browser:
    browser = smoke_exe.Browser(launcher.app_url(port))
    status, _ = browser.request("/")
    assert status == 200
    return browser


def remaining_stdout(app: smoke_exe.App) -> list[str]:
    lines = []
    while (line := app.lines.get(timeout=10)) is not None:
        lines.append(line)
    return lines


def test_prints_one_running_line_and_answers_healthz(launch, tmp_path):
    app = launch(tmp_path)
    port = wait_running(app)

    status, body = smoke_exe.Browser(launcher.app_url(port)).request("/healthz")
    assert (status, body) == (200, b"ok")
    app.proc.send_signal(STOP_SIGNAL)
    assert app.wait() == 0
    assert remaining_stdout(app) == []


def test_default_port_is_8000_or_a_free_one_with_a_notice(tmp_path):
    app = smoke_exe.App(launcher_argv(tmp_path))
    try:
        port = wait_running(app)
        app.proc.send_signal(STOP_SIGNAL)
        assert app.wait() == 0
    finally:
        app.kill()
    if port != 8000:
        assert "Port 8000 is in use" in "".join(app.stderr)


def test_taken_port_falls_back_to_a_free_one_and_says_so(launch, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        app = launch(tmp_path, port=str(busy))
        port = wait_running(app)
        assert port != busy
        assert smoke_exe.Browser(launcher.app_url(port)).request("/healthz")[0] == 200
    app.proc.send_signal(STOP_SIGNAL)
    assert app.wait() == 0
    assert f"Port {busy} is in use" in "".join(app.stderr)
    assert f"using port {port} instead" in "".join(app.stderr)


def test_second_launch_on_same_data_dir_points_at_the_first(launch, tmp_path):
    first = launch(tmp_path)
    port = wait_running(first)

    second = launch(tmp_path)
    assert second.next_line(START_TIMEOUT) == (
        f"TATviz already running at http://127.0.0.1:{port}/"
    )
    assert second.wait() == 0
    assert launcher.is_healthy(port)


def test_other_data_dir_gets_its_own_server(launch, tmp_path):
    first = wait_running(launch(tmp_path / "a"))
    second = wait_running(launch(tmp_path / "b"))
    assert first != second


@pytest.mark.parametrize("stop", [STOP_SIGNAL, signal.SIGINT], ids=["term", "int"])
def test_signal_stops_cleanly(launch, tmp_path, stop):
    app = launch(tmp_path)
    port = wait_running(app)
    assert (tmp_path / "instance.json").exists()

    app.proc.send_signal(stop)

    assert app.wait() == 0
    assert not launcher.is_healthy(port, timeout=0.5)
    assert not (tmp_path / "instance.json").exists()


def test_quit_needs_the_csrf_token_then_stops_cleanly(launch, tmp_path):
    app = launch(tmp_path)
    port = wait_running(app)
    forged = smoke_exe.Browser(launcher.app_url(port))
    forged.csrf_token = lambda: "not-the-token"

    assert forged.request("/api/quit", data=b"")[0] == 403
    assert launcher.is_healthy(port)

    status, body = browser_with_csrf(port).request("/api/quit", data=b"")
    assert (status, body) == (202, b'{"status": "stopping"}')
    assert app.wait() == 0
    assert not launcher.is_healthy(port, timeout=0.5)


def test_serves_on_loopback_127_0_0_1_only(launch, tmp_path):
    port = wait_running(launch(tmp_path))
    # All of 127/8 is loopback on Linux: a socket bound to 127.0.0.1 alone
    # refuses 127.0.0.2, as it refuses the machine's network addresses.
    with pytest.raises(OSError), socket.create_connection(("127.0.0.2", port), 2):
        pass


def test_bound_socket_is_127_0_0_1_and_not_shared():
    sock = launcher.bind_socket(0)
    try:
        host, port = sock.getsockname()
        assert host == "127.0.0.1"
        with pytest.raises(OSError):
            launcher.bind_socket(port).close()
    finally:
        sock.close()


def test_data_dir_keeps_key_private_and_log(launch, tmp_path):
    wait_running(launch(tmp_path))
    key = tmp_path / "secret_key.txt"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o700
    assert len(key.read_text().strip()) >= 50
    assert "Ready at http://127.0.0.1:" in (tmp_path / "tatviz.log").read_text()


def test_sample_flag_makes_the_sample_the_current_data_set(launch, tmp_path):
    port = wait_running(launch(tmp_path, "--sample"))
    status, body = smoke_exe.Browser(launcher.app_url(port)).request(
        "/api/datasets/current"
    )
    assert status == 200
    assert json.loads(body)["rows_loaded"] > 0


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TATVIZ_DEBUG", "maybe"),
        ("TATVIZ_MAX_UPLOAD_MB", "lots"),
        ("TATVIZ_MAX_UPLOAD_MB", "²"),
        ("TATVIZ_MAX_UPLOAD_MB", "99999999999999999999"),
        ("TATVIZ_RETENTION_DAYS", "999999"),
        ("TATVIZ_RETENTION_DAYS", "abc"),
        ("TATVIZ_RETENTION_DAYS", "-1"),
        ("TATVIZ_RETENTION_DAYS", "1.5"),
        ("TATVIZ_REQUIRE_TOKEN", "maybe"),
    ],
)
def test_bad_environment_value_stops_with_a_message(tmp_path, name, value):
    result = subprocess.run(
        launcher_argv(tmp_path, "--port", "0"),
        env={**os.environ, name: value},
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    # One line saying what is wrong and what is right; no traceback.
    assert result.stderr.startswith(f"TATviz cannot start: {name}=")
    assert result.stderr.count("\n") == 1, result.stderr


def test_bad_port_is_refused():
    with pytest.raises(SystemExit) as exit_info:
        launcher.parse_args(["--port", "70000"])
    assert exit_info.value.code == 2


def test_self_test_passes_on_a_fresh_data_dir(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "launcher.py"), "--self-test"]
        + ["--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Self-test passed" in result.stdout
    assert "FAIL" not in result.stdout
    # The formats the exe must keep reading and writing, whatever it leaves out.
    assert "ok    Parquet written and read back" in result.stdout
    assert re.search(r"ok    xlsx export uploaded: 201, [1-9]\d* rows", result.stdout)


def test_self_test_refuses_a_data_dir_in_use(launch, tmp_path):
    wait_running(launch(tmp_path))
    result = subprocess.run(
        [sys.executable, str(ROOT / "launcher.py"), "--self-test"]
        + ["--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
    )
    assert result.returncode == 1
    assert f"TATviz is running on {tmp_path}: quit it first." in result.stderr


def test_self_test_reports_a_missing_route_as_a_failure():
    lines = []
    ok = selftest.run_self_test(
        report=lines.append,
        steps=[lambda: selftest.check_urls(["/healthz", "/no-such-page"])],
    )
    assert not ok
    assert "  ok    GET /healthz: 200" in lines
    assert any("FAIL  GET /no-such-page: no route" in line for line in lines), lines
    assert lines[-1] == "Self-test FAILED: 1 of 2 checks."


def test_self_test_urls_cover_every_metric():
    from exams import fields

    series = [url for url in selftest.SELF_TEST_URLS if url.startswith("/api/series")]
    # Every metric the sample offers (it has no preliminary times).
    offered = [
        m
        for m in fields.METRICS
        if m not in ("complete_to_preliminary", "preliminary_to_final")
    ]
    assert sorted(series) == sorted(f"/api/series?metric={m}" for m in offered)


def test_quit_without_launcher_says_so():
    lifecycle.set_shutdown_handler(None)
    response = Client(HTTP_HOST="127.0.0.1").post("/api/quit")
    assert response.status_code == 409
    assert "not started by the TATviz launcher" in response.json()["error"]


def test_quit_calls_the_launchers_handler():
    calls = []
    lifecycle.set_shutdown_handler(lambda: calls.append("stop"))
    try:
        response = Client(HTTP_HOST="127.0.0.1").post("/api/quit")
    finally:
        lifecycle.set_shutdown_handler(None)
    assert response.status_code == 202
    assert calls == ["stop"]


def test_quit_refuses_get_and_missing_csrf():
    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    assert client.get("/api/quit").status_code == 405
    assert client.post("/api/quit").status_code == 403


def test_output_survives_a_path_the_code_page_cannot_show(monkeypatch):
    # Piped on Windows, stdout is cp1252 and strict: a data dir under a
    # non-Latin user name would crash the self-test report.
    raw = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(raw, encoding="ascii"))
    process.keep_output_printable()
    launcher.say("TATviz self-test (data dir C:\\Users\\张伟)")
    assert raw.getvalue() == b"TATviz self-test (data dir C:\\Users\\\\u5f20\\u4f1f)\n"


def test_say_survives_a_windowed_build_without_stdout(monkeypatch):
    monkeypatch.setattr(sys, "stdout", None)
    launcher.say("TATviz running at http://127.0.0.1:1/")


@pytest.mark.parametrize(
    ("original", "inside"), [("/usr/lib/custom", "/usr/lib/custom"), (None, None)]
)
def test_frozen_linux_browser_gets_the_users_library_path(
    monkeypatch, original, inside
):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("LD_LIBRARY_PATH", "/bundle/_internal")
    if original is None:
        monkeypatch.delenv("LD_LIBRARY_PATH_ORIG", raising=False)
    else:
        monkeypatch.setenv("LD_LIBRARY_PATH_ORIG", original)

    with paths.system_library_path():
        assert os.environ.get("LD_LIBRARY_PATH") == inside
    assert os.environ["LD_LIBRARY_PATH"] == "/bundle/_internal"


def test_instance_lock_admits_one_holder_per_data_dir(tmp_path):
    first = lifecycle.InstanceLock(tmp_path)
    second = lifecycle.InstanceLock(tmp_path)
    assert first.acquire()
    try:
        assert not second.acquire()
    finally:
        first.release()
    assert second.acquire()
    second.release()


def test_instance_file_round_trip_and_garbage(tmp_path):
    assert lifecycle.read_instance_port(tmp_path) is None
    lifecycle.write_instance(tmp_path, 8123)
    assert lifecycle.read_instance_port(tmp_path) == 8123
    (tmp_path / "instance.json").write_text("{not json", encoding="utf-8")
    assert lifecycle.read_instance_port(tmp_path) is None
    lifecycle.remove_instance(tmp_path)
    assert not (tmp_path / "instance.json").exists()


def test_self_test_stops_at_the_first_failing_step():
    ran = []

    def failing():
        yield selftest.Check("static files in the manifest", False, "missing: x.css")

    def later():
        ran.append("later")
        yield selftest.Check("GET /", True, "200")

    lines = []
    assert not selftest.run_self_test(report=lines.append, steps=[failing, later])
    assert ran == []
    assert "  FAIL  static files in the manifest: missing: x.css" in lines
    assert lines[-1] == "Self-test FAILED: 1 of 1 checks."


class _Libc:
    def __init__(self, calls: list):
        self.calls = calls

    def mallopt(self, parameter: int, value: int) -> int:
        self.calls.append((parameter, value))
        return 1

    def malloc_trim(self, pad: int) -> int:
        self.calls.append(("trim", pad))
        return 1


@pytest.fixture
def fake_libc(monkeypatch):
    """Return the calls a pretend glibc receives (the real one is left alone)."""
    calls: list = []
    monkeypatch.setattr(process.ctypes, "CDLL", lambda name: _Libc(calls))
    process._glibc.cache_clear()
    yield calls
    process._glibc.cache_clear()


@pytest.mark.parametrize(
    ("system", "libc", "expected"),
    [
        ("linux", ("glibc", "2.36"), [(-8, 1)]),  # M_ARENA_MAX = -8 in malloc.h
        ("linux", ("musl", ""), []),
        ("win32", ("", ""), []),
        ("darwin", ("", ""), []),
    ],
)
def test_malloc_tuned_only_with_glibc(monkeypatch, fake_libc, system, libc, expected):
    monkeypatch.setattr(process.sys, "platform", system)
    monkeypatch.setattr(process.platform, "libc_ver", lambda: libc)
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    process.tune_memory()
    assert fake_libc == expected
    pool = process.os.environ.get("ARROW_DEFAULT_MEMORY_POOL")
    assert pool == ("system" if expected else None)


def test_large_blocks_mapped_only_while_some_thread_reads(monkeypatch, fake_libc):
    # malloc.h: M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3.
    monkeypatch.setattr(process.sys, "platform", "linux")
    monkeypatch.setattr(process.platform, "libc_ver", lambda: ("glibc", "2.36"))
    reading = [("trim", 0), (-1, 64 * 2**20), (-3, 2**20)]
    with process.reading_data():
        assert fake_libc == reading
        with process.reading_data():  # a second upload meanwhile
            pass
        assert fake_libc == reading * 2 + [("trim", 0)]  # still 1 MiB
    assert fake_libc[-2:] == [(-3, 32 * 2**20), ("trim", 0)]
    assert process._readers == 0


def test_reading_data_lets_errors_through_and_restores(monkeypatch, fake_libc):
    monkeypatch.setattr(process.sys, "platform", "linux")
    monkeypatch.setattr(process.platform, "libc_ver", lambda: ("glibc", "2.36"))
    with pytest.raises(ValueError), process.reading_data():
        raise ValueError("unreadable export")
    assert fake_libc[-2:] == [(-3, 32 * 2**20), ("trim", 0)]
    assert process._readers == 0


def test_arrow_converts_with_the_pool_tune_memory_names():
    """pyarrow reads the variable itself: its C++ default pool follows it."""
    code = (
        "from tatviz import process; process.tune_memory()\n"
        "import pyarrow as pa\n"
        "print(pa.default_memory_pool().backend_name)"
    )
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    assert out.stdout.strip() == "system"  # glibc Linux, as here and in CI


# ---- a catalogue that cannot be opened, a folder that cannot be written -------------


def start_once(data_dir: Path, timeout: float = START_TIMEOUT):
    return subprocess.run(
        launcher_argv(data_dir, "--port", "0"),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def load_one_export(data_dir: Path) -> set[str]:
    """Start, load one export, stop; return the saved files (uploads, cache)."""
    app = RunningApp(data_dir)
    try:
        body, content_type = multipart([("kept.csv", GOOD_CSV)])
        answer = app.session().request("POST", "/api/datasets", body, content_type)
        assert answer.status == 201
    finally:
        assert app.stop() == 0
    return saved_files(data_dir)


def truncate_half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda p: p.write_bytes(b"this is not a database " * 400), "is damaged"),
        (truncate_half, "is damaged"),
        (lambda p: p.write_bytes(b""), "is empty (0 bytes)"),
    ],
    ids=["garbage", "truncated", "zero-length"],
)
def test_a_damaged_catalogue_stops_with_one_line_and_keeps_the_exports(
    tmp_path, damage, words
):
    saved = load_one_export(tmp_path)
    catalogue = tmp_path / "tatviz.sqlite3"
    damage(catalogue)
    damaged = catalogue.read_bytes()

    result = start_once(tmp_path)

    assert result.returncode == 3, result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"TATviz cannot start: the catalogue {catalogue}")
    assert words in result.stderr
    assert "Restore it from a backup, or rename it" in result.stderr
    # Nothing deleted or rewritten because the catalogue could not say.
    assert saved_files(tmp_path) == saved
    assert catalogue.read_bytes() == damaged


def test_a_locked_catalogue_stops_with_one_line(tmp_path):
    load_one_export(tmp_path)
    holder = sqlite3.connect(tmp_path / "tatviz.sqlite3")
    try:
        holder.execute("BEGIN EXCLUSIVE")
        result = start_once(tmp_path)
    finally:
        holder.close()
    assert result.returncode == 3
    assert result.stderr.count("\n") == 1, result.stderr
    assert "is locked by another program" in result.stderr


def test_a_lost_catalogue_keeps_the_exports_aside(tmp_path):
    saved = load_one_export(tmp_path)
    (tmp_path / "tatviz.sqlite3").rename(tmp_path / "moved-aside.sqlite3")

    app = RunningApp(tmp_path)
    try:
        assert app.session().get("/api/datasets").json() == {"datasets": []}
    finally:
        assert app.stop() == 0
    kept = {
        str(p.relative_to(tmp_path / "orphaned"))
        for p in (tmp_path / "orphaned").rglob("*.*")
    }
    assert kept == saved
    assert saved_files(tmp_path) == set()


def test_an_empty_catalogue_without_exports_is_a_first_start(tmp_path):
    (tmp_path / "tatviz.sqlite3").write_bytes(b"")
    app = RunningApp(tmp_path)
    assert app.stop() == 0


def test_a_data_folder_that_cannot_be_made_is_named(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    result = start_once(blocker / "data")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"the data folder {blocker / 'data'} cannot be used" in result.stderr
    assert "--data-dir" in result.stderr


def test_a_data_folder_that_cannot_be_written_is_named(tmp_path, monkeypatch):
    from tatviz import catalogue

    paths.ensure_data_dir(tmp_path)
    real = Path.write_bytes

    def refuse(self, data):
        if self.parent.name == "cache":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", refuse)
    with pytest.raises(catalogue.StartError) as refused:
        catalogue.check_writable(tmp_path, paths.SUB_FOLDERS)
    assert refused.value.exit_code == 2
    assert str(refused.value).startswith(
        f"the data folder {tmp_path / 'cache'} cannot be written (Permission denied)"
    )
