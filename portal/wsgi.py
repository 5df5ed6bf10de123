"""WSGI entry point (gunicorn portal.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

from portal.production_checks import refuse_unsafe_production
from portal.warmup import warm_up

# Everything the web process writes (cache, storage, outbox) is readable by its owner only.
os.umask(0o077)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()
refuse_unsafe_production()  # gunicorn runs no system checks
warm_up()  # before this process accepts connections, not on its first visitor's request (portal/warmup.py)
