"""A cache outage delays work and refuses nothing: every cache use on the API's request path fails open.

The cache here is a backend whose every call raises ConnectionError, as redis-py does when Redis is down.
"""

from __future__ import annotations

import pytest
from django.core.cache.backends.base import BaseCache
from django.test import override_settings
from rest_framework.test import APIClient

from tests.takedowns.test_api_cases import case_payload
from tests.utils import api_token

pytestmark = pytest.mark.django_db


class UnreachableCache(BaseCache):
    """Every operation fails the way redis-py's client does with the server stopped."""

    def __init__(self, location, params):
        super().__init__(params)

    def _down(self, *args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    add = get = set = touch = delete = clear = incr = get_many = set_many = delete_many = has_key = _down


BROKEN_CACHE = {"default": {"BACKEND": "tests.takedowns.test_cache_outage.UnreachableCache"}}


def test_api_files_a_case_with_the_cache_down(advocate, django_capture_on_commit_callbacks):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(advocate)}")
    with override_settings(CACHES=BROKEN_CACHE), django_capture_on_commit_callbacks(execute=False):
        response = client.post("/api/v1/cases/", case_payload(), format="json")
        assert response.status_code == 201, response.content
        reference = response.json()["reference"]
        assert client.get(f"/api/v1/cases/{reference}/").status_code == 200


def test_a_wrong_token_with_the_cache_down_is_still_refused(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)
    with override_settings(CACHES=BROKEN_CACHE):
        response = client.post("/api/v1/cases/", case_payload(), format="json")
    assert response.status_code == 401
