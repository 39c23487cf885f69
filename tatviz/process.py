"""Process-wide settings the launcher makes before anything else runs."""

import contextlib
import ctypes
import functools
import os
import platform
import sys
import threading
from collections.abc import Iterator

# glibc's mallopt parameter numbers (malloc.h).
_M_ARENA_MAX = -8
_M_MMAP_THRESHOLD = -3
_M_TRIM_THRESHOLD = -1
# While a data set is read, blocks from 1 MiB up get pages of their own,
# returned to the system when freed (`reading_data`).
READING_MMAP_THRESHOLD = 1 << 20
# Otherwise blocks up to glibc's own ceiling come from the heap and are
# reused by the next request without a page fault per page.
SERVING_MMAP_THRESHOLD = 32 << 20
# Once the threshold is fixed, glibc no longer raises the heap's trim
# threshold with it (to twice the threshold): at its default, 128 KiB, the
# heap shrinks after every request and grows again, a fault per page.
TRIM_THRESHOLD = 2 * SERVING_MMAP_THRESHOLD


def keep_output_printable() -> None:
    """Never crash on a path the console's code page cannot show."""
    # Piped on Windows, stdout uses the ANSI code page (cp1252), and a data
    # dir under C:\Users\<non-Latin name> would raise UnicodeEncodeError.
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def tune_memory() -> None:
    """Make every thread share glibc's one arena and Arrow convert on glibc (Linux).

    Call it first, before a second thread runs and before pyarrow is
    imported; `reading_data` does the rest while a data set is read.

    - One arena: by default each waitress thread gets an arena of its own,
      and freed numpy temporaries stay in it (a 1M-exam refresh sequence
      raised the server's peak ~130 MB above the upload's).
      ``MALLOC_ARENA_MAX`` is read when the process starts, too late here;
      mallopt works as long as no second thread has allocated yet.
    - Arrow's C++ default pool on glibc: the numpy arrays pyarrow converts
      (``to_numpy``, ``to_pandas``) come from it, not from the pool Python
      code picks (``exams.apps.use_jemalloc_for_arrow``), and its default,
      mimalloc, kept ~60 MB of freed pages at 1M exams. pyarrow reads the
      variable when it first asks for its pool.
    """
    libc = _glibc()
    if libc is not None:
        os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
        libc.mallopt(_M_ARENA_MAX, 1)


@functools.cache
def _glibc():
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018  (both must exist)
    except (OSError, AttributeError):
        return None
    return libc


_readers = 0
_readers_lock = threading.Lock()


@contextlib.contextmanager
def reading_data() -> Iterator[None]:
    """Read a data set with its large blocks on pages that go back when freed.

    glibc's mmap threshold slides up to the largest block freed, so after
    the first 1M-exam column (1-8 MB) is freed the next ones come from the
    heap, whose holes stay resident once the reading is done. While any
    thread reads, blocks from 1 MiB up are mapped on their own; the freed
    heap (and Arrow's pool) is handed back before and after. Refreshes then
    get their temporaries from the heap again (a page fault per page of every
    temporary made the refresh sequence ~1.75x slower when the 1 MiB
    threshold was kept; BENCHMARKS.md, issue 17). No-op without glibc.
    """
    libc = _glibc()
    global _readers
    if libc is not None:
        with _readers_lock:
            _readers += 1
            _release_arrow()
            libc.malloc_trim(0)
            libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
            libc.mallopt(_M_MMAP_THRESHOLD, READING_MMAP_THRESHOLD)
    try:
        yield
    finally:
        if libc is not None:
            with _readers_lock:
                _readers -= 1
                if not _readers:
                    libc.mallopt(_M_MMAP_THRESHOLD, SERVING_MMAP_THRESHOLD)
                libc.malloc_trim(0)


def _release_arrow() -> None:
    # jemalloc hands freed pages back only as it is used again: the last
    # reading's pages go now, not once this reading's peak is past.
    arrow = sys.modules.get("pyarrow")  # never imported here for this
    if arrow is not None:
        arrow.default_memory_pool().release_unused()


def give_back() -> None:
    """Return freed heap pages to the system now (glibc keeps them otherwise)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
