"""Optional one-time-token access for shared (RDP/Citrix) workstations.

With ``TATVIZ_REQUIRE_TOKEN`` on, another local user who finds the port gets
403: only a browser that opened the launcher's URL, which carries a one-time
token, gets a session. The token lives in the user's own data dir (mode
0600); it is consumed on first use, and each launch issues a new one.
"""

import hmac
import secrets
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponseForbidden, HttpResponseRedirect

SESSION_KEY = "tatviz_token_ok"
TOKEN_PARAM = "token"
# The launcher checks these before it has a browser session.
OPEN_PATHS = ("/healthz",)


def _token_path() -> Path:
    return Path(settings.DATA_DIR) / "access_token"


def issue_token() -> str:
    """Create a new one-time token (replacing any unused one) and return it."""
    token = secrets.token_urlsafe(32)
    path = _token_path()
    path.write_text(token, encoding="ascii")
    path.chmod(0o600)
    return token


def _consume(offered: str) -> bool:
    path = _token_path()
    try:
        expected = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return False
    if not expected or not hmac.compare_digest(expected, offered):
        return False
    path.unlink(missing_ok=True)
    return True


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
            request.session.cycle_key()
            request.session[SESSION_KEY] = True
            rest = {k: v for k, v in request.GET.items() if k != TOKEN_PARAM}
            query = f"?{urlencode(rest)}" if rest else ""
            return HttpResponseRedirect(f"{request.path}{query}")
        return HttpResponseForbidden(
            "This TATviz is protected by a one-time link for the user who "
            "started it. Start TATviz yourself to open your own copy.",
            content_type="text/plain; charset=utf-8",
        )
