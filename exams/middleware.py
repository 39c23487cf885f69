"""Security headers on every response, and request logs without patient data."""

import logging

# Only our own origin: no CDN, no inline script. Plotly needs inline styles
# and blob: workers are unused; data: images are Plotly's toolbar icons.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


class ContentSecurityPolicyMiddleware:
    """Add the CSP and the other security headers to every response.

    It is the outermost middleware, so responses that never reach the inner
    ones (static files, a refused Host, the token check) get them too. Pages
    and API answers carry exam rows: ``no-store`` keeps them out of the
    browser's disk cache; static files keep WhiteNoise's caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Cache-Control", "no-store")
        return response


class LoopbackHostMiddleware:
    """Refuse a foreign Host name before anything answers, static files too.

    WhiteNoise answers before Django checks ``ALLOWED_HOSTS`` (which happens
    when a view or CSRF first asks for the host), so a page on another name
    pointed at 127.0.0.1 could read our scripts. ``get_host`` raises
    DisallowedHost, which Django turns into the 400 page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.get_host()
        return self.get_response(request)


class RedactRequestPath(logging.Filter):
    """Log a failed request by its route, not its path.

    Django logs "Internal Server Error: <path>"; a path such as
    ``/api/exams/<accession>`` names an exam, and the log must not.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if path and isinstance(record.args, tuple):
            # Django escapes the path it logs (non-ASCII as \u…).
            forms = {path, path.encode("unicode_escape").decode("ascii")}
            match = getattr(request, "resolver_match", None)
            route = f"/{match.route}" if match is not None else "(unmatched path)"
            record.args = tuple(route if arg in forms else arg for arg in record.args)
        return True
