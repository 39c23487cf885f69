"""Shared pieces of the benchmark suite: exports, servers, clients, timing.

Everything runs on 127.0.0.1 in temporary folders; nothing reaches the
internet. Benchmarks are not tests (STYLE §14): they print figures beside a
reference measured in the same run.
"""

import contextlib
import http.client
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sample_data.defects import UNPARSEABLE_TOKENS  # noqa: E402
from sample_data.export import LAYOUTS, write_export  # noqa: E402
from sample_data.generate import generate_exams  # noqa: E402

PYTHON = sys.executable
HOST = "127.0.0.1"
# The seed layout's time columns and their format (sample_data/export.py).
SEED_TIME_HEADERS = tuple(
    header for header, name in LAYOUTS["seed"].columns if name.endswith("_at")
)
SEED_TIME_FORMAT = "%m/%d/%Y %H:%M"
RESULTS_DIR = ROOT / "benchmarks" / "results"
MB = 1024 * 1024

# Debian's Chromium, as the browser tests drive it.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def machine() -> dict:
    """Return what the figures depend on: cores, memory, CPU and versions."""
    import duckdb
    import numpy
    import pandas
    import pyarrow

    cpu = "unknown"
    with contextlib.suppress(OSError):
        found = re.search(
            r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M
        )
        cpu = found.group(1).strip() if found else cpu
    memory_kb = 0
    with contextlib.suppress(OSError, AttributeError, ValueError):
        memory_kb = int(
            re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)
        )
    import django

    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "pandas": pandas.__version__,
        "pyarrow": pyarrow.__version__,
        "numpy": numpy.__version__,
        "duckdb": duckdb.__version__,
        "django": django.__version__,
    }


def print_machine(info: dict) -> None:
    print(
        f"machine: {info['nproc']} cores ({info['cpu']}), {info['memory_gb']} GB; "
        f"Python {info['python']}, pandas {info['pandas']}, pyarrow "
        f"{info['pyarrow']}, numpy {info['numpy']}, duckdb {info['duckdb']}, "
        f"Django {info['django']}"
    )


# Exports this big are made once and kept outside the repository (a 10M-exam
# export is 1.5 GB and takes ~2 minutes to generate): TATVIZ_BENCH_DATA, or
# bench-data beside the checkout.
BIG_ROWS = 5_000_000
BIG_EXPORTS = Path(os.environ.get("TATVIZ_BENCH_DATA", ROOT.parent / "bench-data"))


def make_export(folder: Path, *, rows: int, layout: str = "seed", seed: int = 0):
    """Write a generated export of ``rows`` exams; return (path, counts).

    The generator (sample_data/generate.py) adds the defects real exports
    have: duplicates, pending reports, unreadable final times. The seed
    layout leaves cancelled exams out, so it holds slightly fewer rows.
    From `BIG_ROWS` on, the export is kept in `BIG_EXPORTS` and reused.
    """
    if rows >= BIG_ROWS:
        folder = BIG_EXPORTS
        folder.mkdir(parents=True, exist_ok=True)
    path = Path(folder) / f"{layout}_{rows}_{seed}.csv"
    sidecar = path.with_suffix(".json")
    if path.exists() and sidecar.exists():
        # Made earlier in this run (run_all shares one folder of exports).
        return path, json.loads(sidecar.read_text(encoding="utf-8"))
    truth = generate_exams(rows=rows, seed=seed, start=date(2025, 1, 1), days=365)
    counts = write_export(truth, layout=layout, path=path)
    sidecar.write_text(json.dumps(counts), encoding="utf-8")
    return path, counts


def read_csv_floor(path: Path) -> float:
    """Return seconds for pyarrow to read the seed export with timestamps parsed.

    The floor for "bytes → typed table": pyarrow's multi-threaded reader with
    the three time columns as timestamps (its unreadable-time tokens as null).
    """
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    began = time.perf_counter()
    pa_csv.read_csv(
        path,
        convert_options=pa_csv.ConvertOptions(
            column_types={name: pa.timestamp("s") for name in SEED_TIME_HEADERS},
            timestamp_parsers=[SEED_TIME_FORMAT],
            null_values=["", *UNPARSEABLE_TOKENS],
        ),
    )
    return time.perf_counter() - began


@dataclass
class Timing:
    """Seconds of repeated runs of one thing."""

    runs: list[float] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(self.runs)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)


def timed(function: Callable[[], object], repeats: int) -> tuple[Timing, object]:
    """Return the timing of ``repeats`` calls and the last call's result."""
    timing, result = Timing(), None
    for _ in range(repeats):
        began = time.perf_counter()
        result = function()
        timing.runs.append(time.perf_counter() - began)
    return timing, result


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def json(self):
        return json.loads(self.body)


class Client:
    """A tiny cookie-keeping HTTP client for one server on 127.0.0.1.

    http.client, not urllib: a configured proxy must never see this traffic.
    """

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def _headers(self, extra: dict | None = None) -> dict:
        headers = {"Host": f"{HOST}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        csrf = self.csrf_token()
        if csrf:
            headers["X-CSRFToken"] = csrf
        headers.update(extra or {})
        return headers

    def csrf_token(self) -> str | None:
        return next(
            (v for k, v in self.cookies.items() if k.endswith("csrftoken")), None
        )

    def _keep_cookies(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]

    def request(
        self, method: str, path: str, *, body=None, headers=None, timeout=600
    ) -> Response:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            began = time.perf_counter()
            connection.request(method, path, body=body, headers=self._headers(headers))
            response = connection.getresponse()
            data = response.read()
            seconds = time.perf_counter() - began
            self._keep_cookies(response)
            return Response(response.status, dict(response.getheaders()), data, seconds)
        finally:
            connection.close()

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post_file(self, path: str, file: Path, *, field_name: str = "file"):
        """POST ``file`` as multipart form data, streamed from disk."""
        return self.post_files(path, [file], field_name=field_name)

    def post_files(
        self, path: str, files: list[Path], *, field_name: str = "file", timeout=600
    ) -> Response:
        """POST ``files`` as fields of one multipart body, streamed from disk."""
        boundary = f"----tatviz-bench-{uuid.uuid4().hex}"
        heads = [
            (
                f"--{boundary}\r\n"
                f'Content-Disposition: form-data; name="{field_name}"; '
                f'filename="{file.name}"\r\n'
                "Content-Type: text/csv\r\n\r\n"
            ).encode()
            for file in files
        ]
        tail = f"--{boundary}--\r\n".encode()
        length = sum(
            len(head) + file.stat().st_size + 2
            for head, file in zip(heads, files, strict=True)
        ) + len(tail)

        def chunks() -> Iterator[bytes]:
            for head, file in zip(heads, files, strict=True):
                yield head
                with open(file, "rb") as source:
                    while chunk := source.read(MB):
                        yield chunk
                yield b"\r\n"
            yield tail

        return self.request(
            "POST",
            path,
            body=chunks(),
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Content-Length": str(length),
            },
            timeout=timeout,
        )


def peak_rss_mb(pid: int) -> tuple[float, float]:
    """Return (peak, current) resident memory of a process in MB (Linux)."""
    status = Path(f"/proc/{pid}/status").read_text()
    peak = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))
    now = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
    return peak / 1024, now / 1024


def cpu_seconds(pid: int | None = None) -> float:
    """Return the CPU time (user + system, all threads) a process has used.

    Less sensitive than wall time to other work on a shared 2-core machine.
    """
    if pid is None:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """A server subprocess that prints the URL it listens on, stopped on exit."""

    def __init__(self, command: list[str], *, ready: str, env: dict | None = None):
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            found = re.search(ready, line)
            if found:
                self.port = int(found.group(1))
                return
        self.stop()
        raise RuntimeError(
            f"{command[1]} did not start: {self.process.stderr.read()[-2000:]}"
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def client(self) -> Client:
        return Client(self.port)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def launch_app(data_dir: Path) -> Server:
    """Start the real app (launcher.py) on a free port with its own data dir."""
    return Server(
        [
            PYTHON,
            "launcher.py",
            "--no-browser",
            "--port",
            "0",
            "--data-dir",
            str(data_dir),
        ],
        ready=r"TATviz running at http://127\.0\.0\.1:(\d+)/",
        # No leftover settings from the caller's shell change the app.
        env={"TATVIZ_DEBUG": "0", "TATVIZ_REQUIRE_TOKEN": "0"},
    )


def launch_sink() -> Server:
    """Start the do-nothing Django + waitress server (benchmarks/sink_server.py)."""
    return Server(
        [PYTHON, str(ROOT / "benchmarks" / "sink_server.py")],
        ready=r"sink running at http://127\.0\.0\.1:(\d+)/",
    )


def upload(client: Client, path: Path) -> Response:
    """GET / for the CSRF cookie, then upload ``path`` as a new data set."""
    if not client.csrf_token():
        client.get("/")
    response = client.post_file("/api/datasets", path)
    if response.status != 201:
        raise RuntimeError(f"upload answered {response.status}: {response.body[:300]}")
    return response


@contextlib.contextmanager
def temp_dir(prefix: str = "tatviz-bench-") -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=prefix, ignore_cleanup_errors=True) as d:
        yield Path(d)


def save_results(name: str, results: dict) -> Path:
    """Write one benchmark's figures as JSON for run_all's table."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return path


def load_average() -> str:
    """Return the 1-minute load average: other work on the machine skews times."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "n/a"


def setup_django(data_dir: Path) -> None:
    """Set up TATviz's Django in this process on its own data dir, migrated."""
    os.environ["TATVIZ_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tatviz.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
