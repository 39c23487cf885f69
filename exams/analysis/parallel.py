"""Independent pieces of one answer on both cores (numpy lets go of the GIL).

A summary's intervals, a distribution's box plots and the segments' links
are each several passes over every exam, independent of one another: at
10M exams two threads answer in about half the time (BENCHMARKS.md,
"Refreshes at 10M: the last first answers"). Each piece is computed
exactly as it would be alone, so the numbers do not change. Small inputs
stay on the calling thread (a thread costs more than it saves), and so
does a piece asking for pieces of its own (no pool waiting on itself).
"""

import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor

# Two cores is what the app is built for (README "Speed"); more threads
# would only queue the same memory passes.
WORKERS = 2
# Below this many exams a piece takes tens of milliseconds: threads cost more
# CPU than they save time (1M exams stay on one thread).
MIN_ROWS = 2_000_000

_pool: ThreadPoolExecutor | None = None
_lock = threading.Lock()
_inside = threading.local()


def each(function: Callable, items: Iterable, *, rows: int) -> list:
    """Return ``[function(item) for item in items]``, on two threads when worth it.

    ``rows`` is how many exams each piece reads. ``items`` is read on the
    calling thread (pandas stays there) while earlier pieces run, at most
    ``WORKERS`` ahead, so no more inputs are held at once. Results keep
    the order of ``items``; the first error raised is raised here.
    """
    if rows < MIN_ROWS or getattr(_inside, "busy", False):
        return [function(item) for item in items]
    futures: list[Future] = []
    running: deque[Future] = deque()
    for item in items:
        while len(running) >= WORKERS:
            running.popleft().result()
        future = _executor().submit(_piece, function, item)
        futures.append(future)
        running.append(future)
    return [future.result() for future in futures]


def _piece(function: Callable, item):
    _inside.busy = True
    try:
        return function(item)
    finally:
        _inside.busy = False


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="tatviz-analysis")
        return _pool


class Once:
    """A value worked out once, by whichever thread asks for it first.

    Pieces that all need one more input can leave it to the caller of
    ``each`` to work out between items (``items`` is read on the calling
    thread while the first pieces run), overlapping their first steps;
    a piece that asks first works it out itself, so no order of asking
    waits forever (on one thread, the first piece does).
    """

    def __init__(self, compute: Callable):
        self._compute: Callable | None = compute
        self._value = None
        self._lock = threading.Lock()

    def get(self):
        with self._lock:
            if self._compute is not None:
                self._value = self._compute()
                self._compute = None
            return self._value
