"""Response headers for a portal that holds the most sensitive data a person can have."""

from __future__ import annotations


class NoStoreMiddleware:
    """Pages are never stored by the browser or a proxy: on a shared device, the back button or the cache must
    not reveal a case. Static assets (served earlier by WhiteNoise) are unaffected."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            response["Cache-Control"] = "no-store, max-age=0"
            response["Pragma"] = "no-cache"
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
        return response
