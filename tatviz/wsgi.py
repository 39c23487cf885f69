"""WSGI entry point, served by waitress from launcher.py."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tatviz.settings")

application = get_wsgi_application()
