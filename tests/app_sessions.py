"""Two ways to reach the app: Django's test client and a real ``launcher.py``.

The fixtures built on them (``launch``, ``http_app``, ``session``) are in
``tests/conftest.py``.
"""

import http.client
import io
import json
import os
import re
import signal
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings as django_settings
from django.test import Client

from scripts import smoke_exe

ROOT = Path(__file__).resolve().parent.parent
RUNNING = re.compile(r"^TATviz running at http://127\.0\.0\.1:(\d+)/$")
START_TIMEOUT = 90.0
HTTP_LIMIT_MB = 30


@dataclass
class Answer:
    """An HTTP answer, the same shape from either transport."""

    status: int
    headers: dict
    body: bytes
    seconds: float = 0.0

    def json(self):
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


def multipart(
    files: list[tuple[str, bytes]], fields: dict | None = None
) -> tuple[bytes, str]:
    """Encode files (field ``file``) and plain fields as multipart/form-data."""
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in (fields or {}).items():
        out.write(f"--{boundary}\r\n".encode())
        out.write(f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(f"{value}\r\n".encode())
    for filename, content in files:
        out.write(f"--{boundary}\r\n".encode())
        quoted = filename.replace('"', "%22")
        out.write(
            'Content-Disposition: form-data; name="file"; '
            f'filename="{quoted}"\r\n'.encode()
        )
        out.write(b"Content-Type: application/octet-stream\r\n\r\n")
        out.write(content)
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


class Session:
    """One browser session: GET, POST (with the CSRF token) and uploads."""

    data_dir: Path
    limit_mb: int

    def use_small_limit(self) -> None:
        """Lower the upload limit where the transport allows it."""

    def request(self, method, path, body=b"", content_type=None) -> Answer:
        raise NotImplementedError

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post_json(self, path: str, payload) -> Answer:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return self.request("POST", path, body, "application/json")

    def upload(
        self,
        files: list[tuple[str, bytes]],
        url: str = "/api/datasets",
        fields: dict | None = None,
    ) -> Answer:
        body, content_type = multipart(files, fields)
        return self.request("POST", url, body, content_type)

    def timed(self, call, *args, **kwargs) -> Answer:
        began = time.monotonic()
        answer = call(*args, **kwargs)
        answer.seconds = time.monotonic() - began
        return answer


class DjangoSession(Session):
    """Django's test client: the whole Django stack, no socket."""

    def __init__(self, settings=None, *, raise_errors: bool = True):
        self.client = Client(raise_request_exception=raise_errors)
        self.data_dir = Path(django_settings.DATA_DIR)
        self.settings = settings
        self.limit_mb = django_settings.TATVIZ_MAX_UPLOAD_MB
        if settings is not None:
            self.limit_mb = settings.TATVIZ_MAX_UPLOAD_MB = HTTP_LIMIT_MB

    def use_small_limit(self) -> None:
        self.limit_mb = self.settings.TATVIZ_MAX_UPLOAD_MB = 1

    def request(self, method, path, body=b"", content_type=None) -> Answer:
        extra = {"content_type": content_type} if content_type else {}
        response = self.client.generic(method, path, body, **extra)
        return Answer(response.status_code, dict(response.headers), response.content)


class HttpSession(Session):
    """A real loopback HTTP session with cookies, like a browser or a script."""

    def __init__(self, port: int, data_dir: Path, limit_mb: int = HTTP_LIMIT_MB):
        self.port = port
        self.data_dir = data_dir
        self.limit_mb = limit_mb
        self.cookies: dict[str, str] = {}

    def csrf_token(self) -> str:
        if not any(name.endswith("csrftoken") for name in self.cookies):
            self.request("GET", "/upload")
        return next(v for k, v in self.cookies.items() if k.endswith("csrftoken"))

    def request(self, method, path, body=b"", content_type=None) -> Answer:
        headers = {}
        if method not in ("GET", "HEAD"):
            headers["X-CSRFToken"] = self.csrf_token()
        if content_type:
            headers["Content-Type"] = content_type
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        # http.client, not urllib: a configured proxy must never see loopback.
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return Answer(response.status, dict(response.headers.items()), data)


# ---- a running launcher --------------------------------------------------------------


def launcher_argv(data_dir: Path, *args: str) -> list[str]:
    """Return the command line of ``launcher.py`` on ``data_dir``."""
    return [
        sys.executable,
        str(ROOT / "launcher.py"),
        "--no-browser",
        "--data-dir",
        str(data_dir),
        *args,
    ]


class RunningApp:
    """launcher.py in a subprocess on its own data dir (any free port)."""

    def __init__(self, data_dir: Path, *args: str, env: dict | None = None):
        self.data_dir = data_dir
        argv = launcher_argv(data_dir, "--port", "0", *args)
        self.process = smoke_exe.App(argv) if env is None else _app_with_env(argv, env)
        try:
            line = self.process.next_line(START_TIMEOUT)
            match = RUNNING.match(line)
            assert match, f"first stdout line was {line!r}"
        except BaseException:
            self.process.kill()
            raise
        self.port = int(match.group(1))

    @property
    def pid(self) -> int:
        return self.process.proc.pid

    def session(self, limit_mb: int = HTTP_LIMIT_MB) -> HttpSession:
        return HttpSession(self.port, self.data_dir, limit_mb)

    def stop(self) -> int:
        if self.process.proc.poll() is None:
            self.process.proc.send_signal(signal.SIGTERM)
        return self.process.wait()

    def kill(self) -> None:
        self.process.kill()


def _app_with_env(argv: list[str], env: dict) -> smoke_exe.App:
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        return smoke_exe.App(argv)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


NUMBER_PATHS = (
    "/api/datasets/current",
    "/api/summary?by=modality",
    "/api/series?metric=complete_to_final&stat=median&period=day",
    "/api/options",
)


def numbers_of(session: Session) -> dict:
    return {path: session.get(path).json() for path in NUMBER_PATHS}


def saved_files(data_dir: Path) -> set[str]:
    """Return the saved exports and caches (relative paths)."""
    return {
        str(p.relative_to(data_dir))
        for sub in ("uploads", "cache")
        for p in (data_dir / sub).iterdir()
    }


def assert_no_upload_spills(data_dir: Path) -> None:
    """Django's spills of big uploads go once the answer is sent (moments later)."""
    deadline = time.monotonic() + 5
    while any((data_dir / "tmp").iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any((data_dir / "tmp").iterdir())


def assert_caches_owned(folder: Path, caches: set[str]) -> None:
    """Every cache the catalogue names is there; beside them only their ranks."""
    from exams.storage.journal import cache_files

    names = {p.name for p in folder.iterdir()}
    assert caches <= names
    assert names <= {name for cache in caches for name in cache_files(cache)}
