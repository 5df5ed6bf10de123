"""The platform registry through the API: platform staff (session or token) read their own entry only, with the
public registry fields; the registry's internal notes are for advocates."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from takedowns.models import Platform
from takedowns.services.api_tokens import api_token_create

pytestmark = pytest.mark.django_db

NOTE = "Internal: contact person changed in March"


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user)}")
    return client


@pytest.fixture
def noted(platforms):
    Platform.objects.filter(slug__in=["reddit", "x"]).update(notes=NOTE)


@pytest.mark.parametrize("how", ["session", "token"])
def test_platform_staff_see_only_their_own_entry_without_notes(how, noted, reddit_staff, client):
    if how == "session":
        client.force_login(reddit_staff)
        api = client
    else:
        api = _token_client(reddit_staff)
    listing = api.get("/api/v1/platforms/?page_size=500").json()
    assert [p["slug"] for p in listing["results"]] == ["reddit"]
    assert all("notes" not in p for p in listing["results"]) and NOTE not in str(listing)
    own = api.get("/api/v1/platforms/reddit/").json()
    assert own["domains"] and own["contact_email"] is not None and "notes" not in own
    assert api.get("/api/v1/platforms/x/").status_code == 404


def test_advocates_see_the_whole_registry_with_notes(noted, advocate, client):
    client.force_login(advocate)
    listing = client.get("/api/v1/platforms/?page_size=500").json()
    assert len(listing["results"]) >= 18
    assert client.get("/api/v1/platforms/x/").json()["notes"] == NOTE
