import contextlib

from django.apps import AppConfig

# How long jemalloc keeps pages pyarrow freed before handing them back.
DECAY_MS = 100


class ExamsConfig(AppConfig):
    name = "exams"
    verbose_name = "Exams"
    # The launcher turns this off to answer /healthz before pyarrow is
    # imported; it then calls use_jemalloc_for_arrow() before any request.
    arrow_pool_at_ready = True

    def ready(self):
        if self.arrow_pool_at_ready:
            use_jemalloc_for_arrow()
        from exams import staticfinders  # noqa: F401  (registers its check)


def use_jemalloc_for_arrow() -> None:
    """Give pyarrow jemalloc, where its wheel has it, instead of mimalloc.

    On a 1M-row upload (BENCHMARKS.md) mimalloc, pyarrow's default, spent
    about 0.45 s more CPU on a process's first ingest and held ~60 MB more
    at the peak. pyarrow's Windows wheels have no jemalloc: they keep the
    default.

    Freed pages go back to the system after 0.1 s instead of pyarrow's 1 s:
    an ingest frees its Arrow strings and then builds numpy and pandas
    columns, which glibc's malloc allocates and cannot put in pages jemalloc
    keeps. 1M-row upload, server peak: 447-456 MB at 1 s, 352-388 MB at
    0.03-0.3 s; 0 s held the same memory but cost 0.5 s more CPU
    (BENCHMARKS.md).
    """
    import pyarrow as pa

    with contextlib.suppress(NotImplementedError):
        pa.set_memory_pool(pa.jemalloc_memory_pool())
        pa.jemalloc_set_decay_ms(DECAY_MS)
