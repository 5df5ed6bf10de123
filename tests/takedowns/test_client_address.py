"""The real client address behind the shipped reverse proxy: X-Forwarded-For is believed only from a trusted
proxy, read from the right, so a forged header cannot pick another person's limit."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from takedowns.addresses import client_address
from tests.factories import TEST_ACCESS_CODE, CaseFactory

PROXY = "172.30.0.10"


def request(remote, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        (PROXY, "198.51.100.7", "198.51.100.7"),
        # The client wrote the left part itself; the proxy appended the address it saw.
        (PROXY, "203.0.113.99, 198.51.100.7", "198.51.100.7"),
        # Two trusted hops (a load balancer in front of the proxy).
        (PROXY, "198.51.100.7, 172.30.0.11", "198.51.100.7"),
        (PROXY, "[2001:db8::7]:443", "2001:db8::7"),
        (PROXY, "198.51.100.7:51234", "198.51.100.7"),
        # Nothing usable from the proxy: the proxy's own address is all we know.
        (PROXY, "", PROXY),
        (PROXY, "not-an-address", PROXY),
        # Not from a trusted proxy: the header is the client's own claim and is ignored.
        ("198.51.100.7", "203.0.113.99", "198.51.100.7"),
    ],
)
def test_client_address(settings, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = ["172.30.0.0/24"]
    assert client_address(request(remote, forwarded)) == expected


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(request(PROXY, "198.51.100.7")) == PROXY


@pytest.mark.django_db
def test_two_clients_behind_the_proxy_never_share_a_limit(client, settings):
    from takedowns.services import case_access

    settings.TRUSTED_PROXIES = [PROXY]
    case = CaseFactory()
    others = [CaseFactory() for _ in range(case_access.ADDRESS_LIMIT)]
    login = reverse("takedowns:status_login")
    for other in others:  # one person behind the proxy uses up their address's tries
        client.post(
            login,
            {"reference": other.reference, "access_code": "WRNG-CODE-0000-0000"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="198.51.100.1",
        )
    locked = client.post(
        login,
        {"reference": case.reference, "access_code": TEST_ACCESS_CODE},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )
    assert locked.status_code == 429
    # Another person behind the same proxy is not affected, even when the first forges their address.
    forged = client.post(
        login,
        {"reference": case.reference, "access_code": TEST_ACCESS_CODE},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.1, 198.51.100.2",
    )
    assert forged.status_code == 302
