"""The analysis's one error: a view that cannot be computed for this data."""


class AnalysisError(ValueError):
    """A view that cannot be computed for this data; ``message`` says why (422)."""

    def __init__(self, message: str, *, status: int = 422):
        super().__init__(message)
        self.message = message
        self.status = status
