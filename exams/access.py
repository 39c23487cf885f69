"""Optional one-time-token access for shared (RDP/Citrix) workstations.

With ``TATVIZ_REQUIRE_TOKEN`` on (``launcher.py --require-token``), another
local user who finds the port gets 403: only a browser that came through the
launcher's one-time token gets a session. The token lives in the user's own
data dir (mode 0600); it is consumed on first use, and each launch (a second
launch too) issues a new one.

The token never travels on a command line, where any local user could read
it from the process list: the launcher writes a short-lived *launch file*
(0600, in the data dir) holding a form that POSTs the token, and opens the
browser on that file's path. The file goes when the token is used, or after
``LAUNCH_FILE_SECONDS``.
"""

import hmac
import html
import os
import secrets
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlparse
from urllib.request import url2pathname

from django.conf import settings
from django.http import (
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseRedirect,
    JsonResponse,
)

SESSION_KEY = "tatviz_token_ok"
TOKEN_PARAM = "token"
TOKEN_FILE = "access_token"
LAUNCH_PREFIX = "launch-"
LAUNCH_FILE_SECONDS = 30
# The launcher checks these before it has a browser session.
OPEN_PATHS = ("/healthz",)
REFUSAL = (
    "This TATviz is protected by a one-time link for the user who started it. "
    "Start TATviz yourself to open your own copy."
)


def _token_path() -> Path:
    return Path(settings.DATA_DIR) / TOKEN_FILE


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to a new file only its owner can read, then rename it."""
    partial = path.with_name(f"{path.name}.{secrets.token_hex(4)}.part")
    # Created 0600, never briefly readable by others, and renamed into place.
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(partial, path)


def issue_token() -> str:
    """Create a new one-time token (replacing any unused one) and return it."""
    token = secrets.token_urlsafe(32)
    _write_private(_token_path(), token)
    return token


def write_launch_file(url: str, token: str) -> Path:
    """Write the page that hands ``token`` to the app at ``url``; return its path.

    The browser is opened on this path, so no command line carries the token.
    The page POSTs it (never in a URL, so never in the history); without
    JavaScript, its button does the same.
    """
    path = Path(settings.DATA_DIR) / f"{LAUNCH_PREFIX}{secrets.token_hex(8)}.html"
    page = (
        '<!doctype html><html><head><meta charset="utf-8">'
        "<title>Opening TATviz…</title></head><body>"
        f'<form method="post" action="{html.escape(url)}">'
        f'<input type="hidden" name="{TOKEN_PARAM}" value="{html.escape(token)}">'
        "<button>Open TATviz</button></form>"
        "<script>document.forms[0].submit();</script></body></html>"
    )
    _write_private(path, page)
    return path


def browser_entry(url: str, *, browser: bool) -> str:
    """Return what the browser opens: ``url``, or in token mode a launch file.

    Token mode issues a new one-time token even without a browser (the token
    file in the data dir is then the way in). With a browser, the token goes
    into a launch file that the browser opens by its path: neither the
    printed line nor any process's command line carries it.
    """
    if not settings.TATVIZ_REQUIRE_TOKEN:
        return url
    token = issue_token()
    return write_launch_file(url, token).as_uri() if browser else url


def launch_file_of(entry: str) -> Path | None:
    """Return the launch file ``entry`` points at (None for a plain URL)."""
    if not entry.startswith("file:"):
        return None
    return Path(url2pathname(urlparse(entry).path))


def expire_launch_file(entry: str, *, wait: bool) -> None:
    """Delete the launch file after ``LAUNCH_FILE_SECONDS`` if still unused.

    The app deletes it as soon as its token is used. ``wait``: block until
    then (a second launch, which exits next); else a timer does it.
    """
    path = launch_file_of(entry)
    if path is None:
        return
    if not wait:
        timer = threading.Timer(
            LAUNCH_FILE_SECONDS, path.unlink, kwargs={"missing_ok": True}
        )
        timer.daemon = True
        timer.start()
        return
    deadline = time.monotonic() + LAUNCH_FILE_SECONDS
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    path.unlink(missing_ok=True)


def remove_launch_files(keep: Path | None = None) -> None:
    """Delete launch files (once a token is used, at start, when they expire)."""
    for path in Path(settings.DATA_DIR).glob(f"{LAUNCH_PREFIX}*.html"):
        if path != keep:
            path.unlink(missing_ok=True)


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
    # Every launch file held this token or an older, unusable one.
    remove_launch_files()
    return hmac.compare_digest(claimed, offered)


def _offered(request) -> str:
    """Return the token a request offers: the launch file's POST, or ``?token=``."""
    if request.method == "POST" and request.path == "/":
        return request.POST.get(TOKEN_PARAM, "")
    return request.GET.get(TOKEN_PARAM, "")


def _admitted(request) -> HttpResponse:
    """Answer the request that brought the token: on to the page it asked for."""
    rest = [
        (key, value)
        for key, values in request.GET.lists()
        if key != TOKEN_PARAM
        for value in values
    ]
    target = f"{request.path}{f'?{urlencode(rest)}' if rest else ''}"
    if request.method != "POST":
        # A typed link: redirect so the token leaves the address bar.
        return HttpResponseRedirect(target)
    # From the launch file: a page that moves on by itself, not a 302. A
    # redirect would still be part of the navigation the file (file://,
    # another site) began, and the browser would not send the SameSite=Strict
    # session cookie with it.
    link = html.escape(target)
    return HttpResponse(
        '<!doctype html><html><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0;url={link}">'
        f'<title>TATviz</title></head><body><a href="{link}">Open TATviz</a>'
        "</body></html>"
    )


class RequireTokenMiddleware:
    """Refuse requests from browsers that did not come through the launcher."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.TATVIZ_REQUIRE_TOKEN or request.path in OPEN_PATHS:
            return self.get_response(request)
        admitted = request.session.get(SESSION_KEY)
        offered = _offered(request)
        # A browser already let in may bring a second launch's token: use it
        # up (and its launch file) and move on, rather than a 405 for the POST.
        if offered and (_consume(offered) or admitted):
            if not admitted:
                # A new session id: one fixed before the token was shown is
                # useless.
                request.session.cycle_key()
                request.session[SESSION_KEY] = True
            return _admitted(request)
        if admitted:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"error": REFUSAL}, status=403)
        return HttpResponseForbidden(REFUSAL, content_type="text/plain; charset=utf-8")
