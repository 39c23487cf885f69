"""Process-wide settings the launcher makes before anything else runs."""

import contextlib
import ctypes
import platform
import sys

_M_ARENA_MAX = -8  # glibc's mallopt parameter number (malloc.h)


def keep_output_printable() -> None:
    """Never crash on a path the console's code page cannot show."""
    # Piped on Windows, stdout uses the ANSI code page (cp1252), and a data
    # dir under C:\Users\<non-Latin name> would raise UnicodeEncodeError.
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def share_malloc_arena() -> None:
    """Make every thread allocate from glibc's one main arena (Linux).

    By default each waitress thread gets an arena of its own, and freed
    numpy temporaries stay in it: a 1M-exam refresh sequence raised the
    server's peak ~130 MB above the upload's. The environment variable
    ``MALLOC_ARENA_MAX`` is read when the process starts, too late here;
    mallopt works as long as no second thread has allocated yet.
    """
    if sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc":
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").mallopt(_M_ARENA_MAX, 1)
