"""The one error type of ingest, with the two cases the user can resolve."""

from collections.abc import Mapping, Sequence


class IngestError(Exception):
    """A file that cannot be loaded; ``message`` tells a person what to do."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class NeedsMapping(IngestError):
    """The columns needed were not recognised; ask the user to map them."""

    def __init__(
        self,
        message: str,
        *,
        headers: Sequence[str],
        guesses: Mapping[str, str],
    ) -> None:
        super().__init__(message, status=422)
        self.headers = list(headers)
        self.guesses = dict(guesses)
        # header → a few of its values, and what they look like (`recognise`).
        self.samples: dict[str, list[str]] = {}
        self.evidence: dict[str, str] = {}


class AmbiguousDates(IngestError):
    """Every date fits both day/month orders; retry with ``date_order``."""

    def __init__(self, message: str, *, columns: Sequence[str]) -> None:
        super().__init__(message, status=422)
        self.columns = list(columns)
