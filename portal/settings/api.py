"""The REST API (Django REST framework, knox tokens, the OpenAPI schema) and the form layout pack."""

from __future__ import annotations

from datetime import timedelta

from portal.env import env
from portal.settings.security import API_TOKEN_TTL_DAYS

# --- REST API ----------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # JSON bodies must be valid Unicode (no lone surrogate escapes): takedowns/api/parsers.py.
    "DEFAULT_PARSER_CLASSES": [
        "takedowns.api.parsers.UnicodeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "takedowns.api.authentication.ThrottledKnoxTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["takedowns.api.throttling.FailOpenUserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env.str("API_RATE_LIMIT", "600/hour")},
}
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_TTL_DAYS),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Recourse API",
    "DESCRIPTION": "Cases, notices and outcomes for NCII removal. Token authentication.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # /api/docs/ loads Swagger UI from the portal itself (drf-spectacular-sidecar), never from a CDN: the CSP
    # allows scripts from 'self' only, and the portal must work with no internet (takedowns/api/docs.py).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # A finding's status shares its field name with a notice's: the notice's keeps the name it always had.
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "takedowns.models.notices.NoticeStatus",
        "FindingStatusEnum": "takedowns.models.discovery.FindingStatus",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "takedowns.api.schema.add_error_responses",
    ],
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
