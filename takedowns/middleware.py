"""Response headers for a portal that holds the most sensitive data a person can have."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from takedowns.services.two_factor import staff_has_second_factor


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


class StaffTwoFactorMiddleware:
    """With STAFF_2FA_REQUIRED, a signed-in user whose sign-in is not confirmed with a second factor reaches only
    the two-factor pages (enrolment without a device, the code page with one), signing out and the language
    switch. Everything else, the admin and session use of the API included, waits for the code. Victims have
    no user account (their case session is separate), so this concerns staff only. API tokens are checked by
    the API itself (takedowns/api/authentication.py), never here."""

    _OPEN_PREFIXES = ("/static/", "/i18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.STAFF_2FA_REQUIRED:
            refused = self._refuse(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    @staticmethod
    def _enrol_prefix() -> str:
        return reverse("takedowns:two_factor_enrol", kwargs={"token": "x"})[:-2]

    def _refuse(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        has_device = staff_has_second_factor(user)
        target = reverse("takedowns:two_factor_verify" if has_device else "takedowns:two_factor_setup")
        open_paths = {target, reverse("logout"), reverse("healthz")}
        if request.path in open_paths or request.path.startswith(self._OPEN_PREFIXES):
            return None
        if not has_device and request.path.startswith(self._enrol_prefix()):
            return None  # the administrator's one-time enrolment link
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": "Confirm your sign-in with your second factor first."}, status=403)
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
