import contextlib

import pyarrow as pa
from django.apps import AppConfig


class ExamsConfig(AppConfig):
    name = "exams"
    verbose_name = "Exams"

    def ready(self):
        use_jemalloc_for_arrow()


def use_jemalloc_for_arrow() -> None:
    """Give pyarrow jemalloc, where its wheel has it, instead of mimalloc.

    On a 1M-row upload (BENCHMARKS.md) mimalloc, pyarrow's default, spent
    about 0.45 s more CPU on a process's first ingest and held ~60 MB more
    at the peak. pyarrow's Windows wheels have no jemalloc: they keep the
    default.
    """
    with contextlib.suppress(NotImplementedError):
        pa.set_memory_pool(pa.jemalloc_memory_pool())
