"""API bodies that are JSON but not valid Unicode text, or nested past what Python can decode, get a 400 that says
why — before: a lone surrogate echoed in a validation message made the response unrenderable (500), found by
tests/fuzz."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.utils import api_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def advocate_client(advocate):
    return Client(HTTP_AUTHORIZATION=f"Token {api_token(advocate)}")


@pytest.mark.parametrize(
    "body",
    [
        '{"filer_type": "\\ud800", "urls": ["https://www.reddit.com/r/x/comments/abc/p/"]}',
        '{"victim_name": "Sam \\udfff", "urls": []}',
        '{"\\ud83d": 1}',
        '{"urls": [["x", {"deep": "\\udc00"}]]}',
    ],
)
def test_a_lone_surrogate_escape_is_refused_with_a_400(advocate_client, body):
    response = advocate_client.post("/api/v1/cases/", body, content_type="application/json")
    assert response.status_code == 400
    assert "unpaired surrogate" in response.json()["detail"]


def test_a_surrogate_pair_is_ordinary_text(advocate_client):
    # "\ud83d\ude42" is 🙂 spelled as an escaped pair: valid, and validated like any other text.
    body = '{"filer_type": "\\ud83d\\ude42"}'
    response = advocate_client.post("/api/v1/cases/", body, content_type="application/json")
    assert response.status_code == 400
    assert "🙂" in response.json()["filer_type"][0]


def test_a_body_nested_too_deeply_is_refused_with_a_400(advocate_client):
    body = "[" * 100_000 + "]" * 100_000
    response = advocate_client.post("/api/v1/cases/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
