"""Optional one-time-token access for shared (RDP/Citrix) workstations.

With ``TATVIZ_REQUIRE_TOKEN`` on (``launcher.py --require-token``), another
local user who finds the port gets 403: only a browser that opened the
launcher's URL, which carries a one-time token, gets a session. The token
lives in the user's own data dir (mode 0600); it is consumed on first use,
and each launch (a second launch too) issues a new one.
"""

import hmac
import os
import secrets
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponseForbidden, HttpResponseRedirect, JsonResponse

SESSION_KEY = "tatviz_token_ok"
TOKEN_PARAM = "token"
TOKEN_FILE = "access_token"
# The launcher checks these before it has a browser session.
OPEN_PATHS = ("/healthz",)
REFUSAL = (
    "This TATviz is protected by a one-time link for the user who started it. "
    "Start TATviz yourself to open your own copy."
)


def _token_path() -> Path:
    return Path(settings.DATA_DIR) / TOKEN_FILE


def issue_token() -> str:
    """Create a new one-time token (replacing any unused one) and return it."""
    token = secrets.token_urlsafe(32)
    path = _token_path()
    partial = path.with_name(f"{TOKEN_FILE}.{secrets.token_hex(4)}.part")
    # Created 0600, never briefly readable by others, and renamed into place.
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(token)
    os.replace(partial, path)
    return token


def _consume(offered: str) -> bool:
    """Return True, once, for the token the launcher issued."""
    path = _token_path()
    try:
        expected = path.read_text(encoding="ascii").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return False
    if not expected or not hmac.compare_digest(expected, offered):
        return False
    # Renaming claims the file: of two requests with the same token, only one
    # can move it, so the token works once.
    claim = path.with_name(f"{TOKEN_FILE}.{secrets.token_hex(4)}.used")
    try:
        os.replace(path, claim)
    except FileNotFoundError:
        return False
    try:
        claimed = claim.read_text(encoding="ascii").strip()
    finally:
        claim.unlink(missing_ok=True)
    return hmac.compare_digest(claimed, offered)


class RequireTokenMiddleware:
    """Refuse requests from browsers that did not come through the launcher."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.TATVIZ_REQUIRE_TOKEN or request.path in OPEN_PATHS:
            return self.get_response(request)
        if request.session.get(SESSION_KEY):
            return self.get_response(request)
        offered = request.GET.get(TOKEN_PARAM, "")
        if offered and _consume(offered):
            # A new session id: one fixed before the token was shown is useless.
            request.session.cycle_key()
            request.session[SESSION_KEY] = True
            rest = [
                (key, value)
                for key, values in request.GET.lists()
                if key != TOKEN_PARAM
                for value in values
            ]
            query = f"?{urlencode(rest)}" if rest else ""
            # Redirect so the token leaves the address bar and the history.
            return HttpResponseRedirect(f"{request.path}{query}")
        if request.path.startswith("/api/"):
            return JsonResponse({"error": REFUSAL}, status=403)
        return HttpResponseForbidden(REFUSAL, content_type="text/plain; charset=utf-8")
