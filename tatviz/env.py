"""Typed environment parsing: a bad value raises instead of guessing."""

import os


class EnvError(ValueError):
    """An environment variable holds a value that cannot be used."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool = False) -> bool:
    """Return a boolean variable; only the usual spellings are accepted."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise EnvError(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no.")


def env_int(
    name: str, default: int, *, minimum: int = 0, maximum: int = 2**31 - 1
) -> int:
    """Return an integer variable between ``minimum`` and ``maximum``."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    text = raw.strip()
    # int() reads other scripts' digits ("٣", "３") and "1_000": accept the
    # plain spelling only, as a person would type it.
    if not (text.isascii() and text.lstrip("+-").isdigit()):
        raise EnvError(f"{name}={raw!r} is not a whole number.")
    value = int(text)
    if not minimum <= value <= maximum:
        raise EnvError(
            f"{name}={value} is out of range: the minimum is {minimum}, "
            f"the maximum {maximum}."
        )
    return value
