"""The API's interactive documentation (Swagger UI) under the portal's own Content-Security-Policy.

drf-spectacular's stock page loads Swagger UI from a CDN, initialises it with an inline script, styles it with an
inline ``<style>`` and relaxes the opener policy (``Cross-Origin-Opener-Policy: unsafe-none``, for OAuth2 pop-ups
the portal does not use). Here the assets come from drf-spectacular-sidecar through our own static files
(``SWAGGER_UI_DIST = "SIDECAR"``), the initialising script is a same-origin file (the split view serves it at
``?script``), the styles are in static/recourse/css/api-docs.css, and the opener policy stays the portal's
``same-origin``: nothing on this page needs ``'unsafe-inline'`` or another origin."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView


class ApiDocsView(SpectacularSwaggerSplitView):
    template_name = "takedowns/api/docs.html"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        # SecurityMiddleware then sets the portal's own value (SECURE_CROSS_ORIGIN_OPENER_POLICY).
        if response.headers.get("Cross-Origin-Opener-Policy") == "unsafe-none":
            del response.headers["Cross-Origin-Opener-Policy"]
        return response
