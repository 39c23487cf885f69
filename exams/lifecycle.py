"""How the desktop app's process starts and stops.

One server per data dir: an OS lock on a file there, plus ``instance.json``
saying where the holder answers. And a way for the app to ask whoever started
it to stop (the in-app Quit): the launcher installs a handler; under
``manage.py`` or the test client there is none, and Quit says so instead of
pretending to stop. Nothing here needs Django settings.
"""

import contextlib
import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

LOCK_NAME = "instance.lock"
INSTANCE_NAME = "instance.json"

_lock = threading.Lock()
_handler: Callable[[], None] | None = None


def set_shutdown_handler(handler: Callable[[], None] | None) -> None:
    """Install ``handler`` (or remove it with None) as the way to stop the app."""
    global _handler
    with _lock:
        _handler = handler


def request_shutdown() -> bool:
    """Ask the launcher to stop; return False when nothing can stop this process.

    The handler must return at once and stop the server a moment later, so the
    request that asked for it still gets its response.
    """
    with _lock:
        handler = _handler
    if handler is None:
        return False
    handler()
    return True


class InstanceLock:
    """An OS lock on a file in the data dir, held while a process uses it.

    The OS drops it when the process dies, so a crash leaves nothing stale.
    """

    def __init__(self, data_dir: Path):
        self.path = data_dir / LOCK_NAME
        self._file = None

    def acquire(self) -> bool:
        """Take the lock; return False when another process holds it."""
        handle = open(self.path, "a+b")  # noqa: SIM115 (held until release)
        try:
            _lock_file(handle)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is not None:
            _unlock_file(self._file)
            self._file.close()
            self._file = None


if os.name == "nt":
    import msvcrt

    # msvcrt locks a byte range, and mandatorily: nobody else can read it,
    # which is why instance.json is a separate file.
    def _lock_file(handle) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock_file(handle) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock_file(handle) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock_file(handle) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def write_instance(data_dir: Path, port: int) -> None:
    """Record where this instance answers, for a second launch to find."""
    info = {"port": port, "pid": os.getpid(), "id": uuid.uuid4().hex}
    target = data_dir / INSTANCE_NAME
    partial = target.with_name(INSTANCE_NAME + ".part")
    partial.write_text(json.dumps(info), encoding="utf-8")
    # On Windows a second launch reading the old file blocks the rename.
    for _attempt in range(20):
        try:
            os.replace(partial, target)
            return
        except PermissionError:
            time.sleep(0.05)
    os.replace(partial, target)


def read_instance_port(data_dir: Path) -> int | None:
    """Return the port the lock holder recorded, or None (not written yet)."""
    try:
        info = json.loads((data_dir / INSTANCE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    port = info.get("port") if isinstance(info, dict) else None
    return port if isinstance(port, int) else None


def remove_instance(data_dir: Path) -> None:
    """Forget the recorded port (on stop, and a crashed run's on start)."""
    # Windows: a second launch may be reading it; it is rewritten anyway.
    with contextlib.suppress(PermissionError):
        (data_dir / INSTANCE_NAME).unlink(missing_ok=True)
