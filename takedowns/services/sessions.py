"""Sessions hold a victim's sign-in and intake answers (encrypted): expired ones are deleted on schedule rather
than left in the session table until someone runs ``clearsessions``."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings


def sessions_expired_purge() -> None:
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
