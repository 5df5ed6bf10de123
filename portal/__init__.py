"""Wiring only: settings, URLs, the Celery app, WSGI/ASGI entry points."""

from portal.celery import app as celery_app

__all__ = ("celery_app",)
