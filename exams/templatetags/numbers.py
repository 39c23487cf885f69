"""Template filters that word numbers through ``exams.presentation.formats``."""

from django import template

from exams.presentation import formats

register = template.Library()


@register.filter
def count(value) -> str:
    """Return a count with thousands separators: ``{{ n|count }}`` → ``10,114``."""
    if isinstance(value, str) or value is None:
        return formats.number(None) if value is None else value
    return formats.number(value)
