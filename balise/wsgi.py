"""WSGI entry point for gunicorn: ``gunicorn balise.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "balise.settings")
application = get_wsgi_application()
