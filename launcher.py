#!/usr/bin/env python
"""Start TATviz on 127.0.0.1 and open it in the browser (docs/API.md, "Running").

The double-click exe runs this file. It binds the port itself, serves the
Django app with waitress (never ``runserver``, whose autoreloader would
re-execute the exe) and keeps one server per data dir with an OS file lock.
"""

import _thread
import argparse
import contextlib
import http.client
import logging
import multiprocessing
import os
import signal
import socket
import sys
import tempfile
import threading
import time
import webbrowser
from pathlib import Path

from exams import lifecycle
from tatviz.process import keep_output_printable, tune_memory

HOST = "127.0.0.1"
DEFAULT_PORT = 8000
THREADS = 8
READY_TIMEOUT = 60.0
# Long enough for waitress to send the Quit request's response first.
QUIT_DELAY = 0.5

log = logging.getLogger("tatviz.launcher")


def say(text: str, stream=None) -> None:
    """Print one flushed line; windowed builds have no stdout or stderr."""
    stream = sys.stdout if stream is None else stream
    if stream is None:
        return
    print(text, file=stream, flush=True)


def _port(value: str) -> int:
    port = int(value)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port (0-65535)")
    return port


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="TATviz",
        description="Radiology turnaround-time analytics, served on 127.0.0.1.",
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help="port on 127.0.0.1 (default 8000; a free one if taken; 0: any)",
    )
    parser.add_argument(
        "--no-browser", action="store_true", help="do not open a browser window"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="folder for the database, uploads, cache, key and log "
        "(default: env TATVIZ_DATA_DIR or the per-user local data folder)",
    )
    parser.add_argument(
        "--sample",
        action="store_true",
        help="make the bundled sample export the current data set",
    )
    parser.add_argument(
        "--require-token",
        action="store_true",
        help="admit only the browser opened with this launch's one-time link "
        "(shared workstations); also env TATVIZ_REQUIRE_TOKEN=1",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check the installation, print a report and exit 0 (ok) or 1",
    )
    return parser.parse_args(argv)


def setup_django(*, lazy: bool = False) -> None:
    """Import settings (creating the data dir) and load the apps.

    ``lazy``: leave pyarrow's memory pool (and so pyarrow and numpy) to
    ``Warming.warm``, which runs before any request but /healthz is served.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tatviz.settings")
    import django

    from exams.apps import ExamsConfig

    ExamsConfig.arrow_pool_at_ready = not lazy
    django.setup()


def prepare_database() -> None:
    """Migrate; from a checkout, collect stale static files."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    prepare_static_files()


def prepare_static_files() -> None:
    """From a source checkout, collect the static files when they are stale.

    The pages name their CSS, JS and Plotly bundle through the manifest
    ``collectstatic`` writes (``make static``); without it, or with one older
    than a file in ``static/``, every page would answer 500. A frozen build
    carries its own, collected at build time.
    """
    from django.conf import settings
    from django.core.management import call_command

    from tatviz import catalogue, paths

    if paths.is_frozen():
        return
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    sources = [
        f for d in settings.STATICFILES_DIRS for f in Path(d).rglob("*") if f.is_file()
    ]
    newest = max((f.stat().st_mtime for f in sources), default=0.0)
    if manifest.is_file() and manifest.stat().st_mtime >= newest:
        return
    log.info("Collecting static files into %s", settings.STATIC_ROOT)
    try:
        call_command("collectstatic", interactive=False, verbosity=0, clear=True)
    except OSError as err:
        raise catalogue.StartError(
            f"the static files could not be collected into {settings.STATIC_ROOT} "
            f"({err.strerror or err}): run `make static` in the checkout, then "
            "start again",
            exit_code=2,
        ) from err


def app_url(port: int) -> str:
    return f"http://{HOST}:{port}/"


def is_healthy(port: int, timeout: float = 1.0) -> bool:
    """Return True when TATviz answers ``/healthz`` on ``port``."""
    # http.client, not urllib: a configured HTTP proxy must not see loopback.
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        return response.status == 200 and response.read().strip() == b"ok"
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def wait_for(predicate, timeout: float, stop: threading.Event | None = None):
    """Call ``predicate`` every 0.1 s until it returns a truthy value or time ends."""
    stop = stop or threading.Event()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        if stop.wait(0.1):
            break
    return None


def open_browser(url: str) -> None:
    from tatviz import paths

    with paths.system_library_path():
        webbrowser.open(url)


def join_running_instance(data_dir: Path, *, browser: bool) -> int:
    """Point the user at the instance that holds the data dir's lock."""

    def running_port():
        port = lifecycle.read_instance_port(data_dir)
        return port if port is not None and is_healthy(port) else None

    # The other instance may still be migrating: give it time to answer.
    port = wait_for(running_port, READY_TIMEOUT)
    if port is None:
        say(
            f"TATviz: another TATviz holds {data_dir} but does not answer; "
            "close it (or end TATviz in the Task Manager) and try again.",
            sys.stderr,
        )
        return 1
    from exams import access

    url = app_url(port)
    entry = access.browser_entry(url, browser=browser)
    say(f"TATviz already running at {url}")
    if browser:
        open_browser(entry)
        access.expire_launch_file(entry, wait=True)
    return 0


def bind_socket(port: int) -> socket.socket:
    """Return a listening socket on 127.0.0.1:``port`` that nobody can share."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if os.name == "nt":
            # waitress sets SO_REUSEADDR, which on Windows lets a second
            # process bind the same port; exclusive use forbids that.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
        else:
            # POSIX: rebind right after a restart (TIME_WAIT); a listening
            # port is still never shared.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    return sock


def bind_with_fallback(port: int) -> tuple[socket.socket, str | None]:
    """Bind ``port``, or a free port when it is taken; say why in the notice."""
    try:
        return bind_socket(port), None
    except OSError as err:
        if port == 0:
            raise
        sock = bind_socket(0)
        free = sock.getsockname()[1]
        reason = err.strerror or "unavailable"
        return sock, f"Port {port} is in use ({reason}); using port {free} instead."


class Warming:
    """The WSGI app while the views load: /healthz answers, the rest waits.

    Importing the views (pandas, pyarrow, plotly and every page: ~0.6 s of
    CPU, BENCHMARKS.md "Issue 17") is most of a start. The server answers
    /healthz, so the launcher says it runs and opens the browser, while
    ``warm`` imports them; any other request waits for that (a first page
    costs what it did). If they cannot be imported the install is broken:
    waiting requests get a 500 and the launcher stops with exit code 1.
    """

    def __init__(self, app):
        self.app = app
        self.ready = threading.Event()
        self.error: BaseException | None = None

    def warm(self) -> BaseException | None:
        """Set pyarrow's pool and import every view; return what failed."""
        try:
            from django.urls import resolve

            from exams.apps import use_jemalloc_for_arrow

            use_jemalloc_for_arrow()
            resolve("/healthz")  # the URLconf imports every view
        except Exception as err:  # a broken install: any import error
            self.error = err
        finally:
            self.ready.set()
        return self.error

    def __call__(self, environ, start_response):
        if not self.ready.is_set():
            if environ.get("PATH_INFO") == "/healthz":
                return self._answer(start_response, "200 OK", b"ok")
            self.ready.wait()
        if self.error is not None:
            return self._answer(
                start_response,
                "500 Internal Server Error",
                b"TATviz could not load its pages; see tatviz.log.",
            )
        return self.app(environ, start_response)

    @staticmethod
    def _answer(start_response, status: str, body: bytes):
        start_response(
            status,
            [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
                ("X-Content-Type-Options", "nosniff"),
            ],
        )
        return [body]


class Server:
    """waitress on our socket, stoppable from a signal or the in-app Quit."""

    def __init__(self, sock: socket.socket):
        from django.conf import settings
        from waitress import create_server

        from tatviz.wsgi import application

        # Multipart framing adds a little to the file itself.
        max_body = (settings.TATVIZ_MAX_UPLOAD_MB + 1) * 1024 * 1024
        self.port = sock.getsockname()[1]
        self.exit_code = 0
        self.stopping = threading.Event()
        self.warming = Warming(application)
        self._waitress = create_server(
            self.warming,
            sockets=[sock],
            threads=THREADS,
            max_request_body_size=max_body,
            ident="TATviz",
        )

    def run(self) -> int:
        """Serve until stopped; waitress ends its loop on SystemExit."""
        try:
            self._waitress.run()
        finally:
            self.stopping.set()
            self._waitress.close()
        return self.exit_code

    def stop_soon(self, exit_code: int = 0, delay: float = QUIT_DELAY) -> None:
        """Stop from any thread, after ``delay`` seconds."""
        self.exit_code = exit_code
        timer = threading.Timer(delay, self._interrupt_main)
        timer.daemon = True
        timer.start()

    def _interrupt_main(self) -> None:
        # Runs our SIGINT handler in the main thread; the trigger wakes
        # waitress's select() so it does so at once.
        _thread.interrupt_main(signal.SIGINT)
        self._waitress.pull_trigger()


def _raise_exit(signum, frame):
    raise SystemExit(0)


def install_signal_handlers() -> None:
    """Stop cleanly (exit 0) on Ctrl+C, SIGTERM and, on Windows, Ctrl+Break."""
    # Closing the console window also arrives as SIGBREAK, but Windows may end
    # the process before Python runs the handler. That is safe: SQLite and our
    # rename-into-place writes survive it, and the OS drops the instance lock.
    for name in ("SIGINT", "SIGTERM", "SIGBREAK"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _raise_exit)


def announce_when_ready(server: Server, *, browser: bool) -> None:
    """Print the running line once /healthz answers, then open the browser."""
    url = app_url(server.port)
    if not wait_for(lambda: is_healthy(server.port), READY_TIMEOUT, server.stopping):
        if not server.stopping.is_set():
            log.error("No answer on /healthz within %s s", READY_TIMEOUT)
            say("TATviz did not start in time; see tatviz.log.", sys.stderr)
            server.stop_soon(exit_code=1, delay=0)
        return
    from exams import access

    entry = access.browser_entry(url, browser=browser)
    log.info("Ready at %s", url)
    say(f"TATviz running at {url}")
    if browser:
        open_browser(entry)
        access.expire_launch_file(entry, wait=False)
    error = server.warming.warm()
    if error is not None:
        log.error("Cannot load the pages: %r", error, exc_info=error)
        say(f"TATviz cannot start: its pages do not load ({error!r}).", sys.stderr)
        server.stop_soon(exit_code=1, delay=0)


def serve(args: argparse.Namespace, data_dir: Path) -> int:
    from django.conf import settings

    sock, notice = bind_with_fallback(args.port)
    if notice:
        log.warning(notice)
        say(notice, sys.stderr)
    server = Server(sock)
    lifecycle.set_shutdown_handler(server.stop_soon)
    lifecycle.write_instance(data_dir, server.port)
    log.info("Serving data dir %s on port %s", settings.DATA_DIR, server.port)
    announcer = threading.Thread(
        target=announce_when_ready,
        args=(server,),
        kwargs={"browser": not args.no_browser},
        name="announce",
        daemon=True,
    )
    announcer.start()
    try:
        return server.run()
    finally:
        # Exiting while it prints aborts Python ("could not acquire lock for
        # stdout at interpreter shutdown"); it stops waiting once we stop.
        announcer.join(timeout=5)
        lifecycle.set_shutdown_handler(None)
        lifecycle.remove_instance(data_dir)
        log.info("Stopped")


def load_sample() -> None:
    """Open the data set used last, or load the sample on a new data dir."""
    from exams.storage.store import open_sample_or_last

    dataset, loaded = open_sample_or_last()
    if loaded:
        log.info("Sample export loaded as data set %s", dataset.pk)
    else:
        log.info("Data set %s opened (used last); no second sample", dataset.pk)


def run_app(args: argparse.Namespace) -> int:
    from django.conf import settings

    from tatviz import catalogue, paths

    data_dir = Path(settings.DATA_DIR)
    lock = lifecycle.InstanceLock(data_dir)
    if not lock.acquire():
        return join_running_instance(data_dir, browser=not args.no_browser)
    try:
        # A crashed run's file could send a second launch to a port some
        # other program holds now.
        lifecycle.remove_instance(data_dir)
        try:
            catalogue.check_writable(data_dir, paths.SUB_FOLDERS)
            catalogue.check_catalogue(Path(settings.DATABASES["default"]["NAME"]))
            prepare_database()
        except catalogue.StartError as err:
            say(f"TATviz cannot start: {err}", sys.stderr)
            log.error("Cannot start: %s", err)
            return err.exit_code
        from exams.storage import housekeeping

        housekeeping.start_housekeeping(settings.TATVIZ_RETENTION_DAYS)
        if args.sample:
            from exams.apps import use_jemalloc_for_arrow

            use_jemalloc_for_arrow()  # before the sample's Arrow buffers
            load_sample()
        return serve(args, data_dir)
    finally:
        lock.release()


def run_self_test() -> int:
    from django.conf import settings

    from exams.selftest import run_self_test as run

    data_dir = Path(settings.DATA_DIR)
    lock = lifecycle.InstanceLock(data_dir)
    if not lock.acquire():
        say(f"TATviz is running on {data_dir}: quit it first.", sys.stderr)
        return 1
    try:
        return 0 if run(report=say) else 1
    finally:
        lock.release()


def main(argv: list[str] | None = None) -> int:
    tune_memory()
    args = parse_args(argv)
    keep_output_printable()
    install_signal_handlers()
    with contextlib.ExitStack() as stack:
        if args.data_dir is not None:
            os.environ["TATVIZ_DATA_DIR"] = str(args.data_dir.expanduser().resolve())
        elif args.self_test:
            # Without --data-dir the self-test must not touch the user's data.
            os.environ["TATVIZ_DATA_DIR"] = stack.enter_context(
                tempfile.TemporaryDirectory(
                    prefix="tatviz-selftest-", ignore_cleanup_errors=True
                )
            )
        if args.require_token:
            os.environ["TATVIZ_REQUIRE_TOKEN"] = "1"
        from tatviz.env import EnvError

        try:
            setup_django(lazy=not args.self_test)
        except EnvError as err:
            say(f"TATviz cannot start: {err}", sys.stderr)
            return 2
        except (OSError, ValueError) as err:
            from tatviz.catalogue import folder_problem

            say(f"TATviz cannot start: {folder_problem(err)}", sys.stderr)
            return 2
        return run_self_test() if args.self_test else run_app(args)


if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
