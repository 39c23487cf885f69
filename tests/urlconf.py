"""Walk the project's URLconf, so tests that loop over it cover new views unasked."""

from django.urls import URLPattern, URLResolver, get_resolver


def url_patterns(patterns=None):
    """Yield every URLPattern of the project, includes followed."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from url_patterns(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            yield pattern
