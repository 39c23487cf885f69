"""Let the app ask whoever started it to stop (the in-app Quit button).

The launcher installs a handler; under ``manage.py`` or the test client there
is none, and a Quit request says so instead of pretending to stop.
"""

import threading
from collections.abc import Callable

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
