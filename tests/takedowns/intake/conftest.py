"""Fixtures for the victim's pages. The intake walk and picture helpers are in tests/utils.py; every test's
private-storage folder comes from the ``private_storage`` fixture in tests/conftest.py."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _own_cache(settings):
    # The limiter only needs Django's cache API; a per-process cache keeps these tests independent of other
    # test runs sharing the embedded file cache folder.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "intake"}}
    from django.core.cache import cache

    cache.clear()
