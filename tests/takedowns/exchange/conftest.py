"""Fixtures for the hash exchange: a platform granted its scopes, API clients, and sharing cases."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from takedowns.models import EXCHANGE_SCOPES, Platform, ReferenceImage
from takedowns.services.exchange import platform_exchange_scopes_set
from tests.factories import complete_case
from tests.utils import api_token


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


@pytest.fixture
def reddit_exchange(reddit_staff):
    """Reddit's staff token, its platform granted both exchange scopes."""
    platform_exchange_scopes_set(platform=Platform.objects.get(slug="reddit"), scopes=list(EXCHANGE_SCOPES))
    return token_client(reddit_staff)


@pytest.fixture
def x_exchange(x_staff):
    platform_exchange_scopes_set(platform=Platform.objects.get(slug="x"), scopes=list(EXCHANGE_SCOPES))
    return token_client(x_staff)


def sharing_case(*, pdq: str | None = None, md5: str | None = None, share: bool = True, **overrides):
    """An open case with one fingerprinted picture, sharing (or not) with platforms."""
    overrides.setdefault("urls", ["https://www.reddit.com/r/x/comments/abc123/p/"])
    case = complete_case(hashed_images=0, **overrides)
    image = ReferenceImage.objects.create(
        case=case,
        state="hashed",
        sha256="ab" * 32,
        md5=md5 or "0123456789abcdef0123456789abcdef",
        pdq=pdq or "f" * 32 + "0" * 32,
        pdq_quality=90,
    )
    if share:
        from takedowns.models import ActorKind
        from takedowns.services.exchange import case_sharing_set

        case_sharing_set(case=case, share=True, actor_kind=ActorKind.VICTIM)
    return case, image


def read_feed(client, after: int = 0, limit: int | None = None) -> tuple[list[dict], int]:
    """Every page of the feed from ``after``, following ``next``; returns the entries and the last cursor."""
    url = f"/api/v1/exchange/signals/?after={after}" + (f"&limit={limit}" if limit else "")
    entries, cursor = [], after
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        entries += body["results"]
        cursor = body["cursor"]
        url = body["next"]
    return entries, cursor
