"""API token authentication: hashed, expiring tokens (django-rest-knox), wrong tokens limited per address.

A token is shown once (``manage.py create_portal_user`` prints it); the database holds only its SHA-512 digest,
so a copy of the database or a backup gives no one API access. Tokens expire after ``API_TOKEN_TTL_DAYS``.
Guessing is limited: after ``API_TOKEN_FAILURES_PER_ADDRESS`` wrong tokens in 15 minutes an address gets 429,
even with a right token, until the window has passed. The header stays ``Authorization: Token <token>``.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from rest_framework.authentication import get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, Throttled

from takedowns.addresses import client_address
from takedowns.services.throttle import throttle_hit, throttle_is_limited


def _failure_key(request) -> str:
    return f"api-token-failure:{client_address(request)}"


class ThrottledKnoxTokenAuthentication(TokenAuthentication):
    def authenticate(self, request):
        if not get_authorization_header(request):
            return None  # no token: the session (or nothing) decides
        key = _failure_key(request)
        limit = settings.API_TOKEN_FAILURES_PER_ADDRESS
        window = settings.API_TOKEN_FAILURE_WINDOW_SECONDS
        # Fail open: a knox token is 64 random hex digits, so the limit only trims noise from the logs; with the
        # cache down an advocate filing a case must not get a 500 (the same rule as the web intake).
        if throttle_is_limited(key, limit, window, fail_open=True):
            raise Throttled(
                wait=window, detail=_("Too many wrong API tokens from this address. Try again in 15 minutes.")
            )
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            throttle_hit(key, limit, window, fail_open=True)
            raise AuthenticationFailed(_("Invalid or expired token.")) from None


class ThrottledKnoxTokenScheme(OpenApiAuthenticationExtension):
    target_class = ThrottledKnoxTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")
