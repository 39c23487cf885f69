"""A do-nothing Django app under waitress: the transport floor of an upload.

It answers ``POST /api/datasets`` with 201 after reading and discarding the
body, served exactly as launcher.py serves TATviz (waitress, same threads
and body limit, a socket on 127.0.0.1). What an upload costs beyond this is
TATviz's own work. Prints ``sink running at http://127.0.0.1:PORT/``.
"""

import contextlib
import socket
import sys

import django
from django.conf import settings
from django.http import HttpResponse
from django.urls import path

MB = 1024 * 1024
# launcher.py's values.
THREADS = 8
MAX_BODY = (2048 + 1) * MB  # as the app's default TATVIZ_MAX_UPLOAD_MB


def sink(request):
    """Read the whole body in 1 MB pieces and drop it."""
    while request.read(MB):
        pass
    return HttpResponse(status=201)


urlpatterns = [path("api/datasets", sink)]


def main() -> int:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="benchmark-only",
        ALLOWED_HOSTS=["127.0.0.1"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
    )
    django.setup()
    from django.core.wsgi import get_wsgi_application
    from waitress import create_server

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    server = create_server(
        get_wsgi_application(),
        sockets=[sock],
        threads=THREADS,
        max_request_body_size=MAX_BODY,
    )
    print(f"sink running at http://127.0.0.1:{sock.getsockname()[1]}/", flush=True)
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        server.run()
    return 0


if __name__ == "__main__":
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sys.exit(main())
