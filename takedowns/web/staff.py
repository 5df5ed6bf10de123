"""Staff two-factor sign-in: enrolment (through an administrator's one-time link; QR code, recovery codes shown
once) and the code asked after the password. ``takedowns.middleware.StaffTwoFactorMiddleware`` sends a signed-in
staff member here until the sign-in is confirmed; nothing else is reachable before that (STAFF_2FA_REQUIRED, on in
production)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from takedowns.forms.staff import EnrolmentForm, SecondFactorForm
from takedowns.services import two_factor

_ENROLMENT_DEVICE = "staff_2fa_enrolment_device"
_NEW_CODES = "staff_2fa_new_recovery_codes"
_ENROLMENT_LINK = "staff_2fa_enrolment_link"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("takedowns:dashboard")


@login_required
@require_http_methods(["GET"])
def two_factor_enrol(request: HttpRequest, token: str) -> HttpResponse:
    """The administrator's one-time link: opened while signed in as its account, it allows this session to set
    up an authenticator. A link for another account, spent or expired is the same 404."""
    link = two_factor.enrolment_link_valid(user=request.user, token=token)
    if link is None:
        raise Http404("No such enrolment link.")
    request.session[_ENROLMENT_LINK] = link.pk
    return redirect("takedowns:two_factor_setup")


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: with a valid enrolment link opened in this session, or — for a new phone —
    after confirming this sign-in with the current second factor. The password alone never allows it: an
    unverified user who has a device is sent to the code page, one without a device and link is asked to get one."""
    user = request.user
    link_id = None
    if not user.is_verified():
        if two_factor.staff_has_second_factor(user):
            return redirect(reverse("takedowns:two_factor_verify") + "?next=" + _next_url(request))
        link = two_factor.enrolment_link_valid(user=user, link_id=request.session.get(_ENROLMENT_LINK))
        if link is None:
            return render(request, "registration/two_factor_link_needed.html", status=403)
        link_id = link.pk
    device = None
    device_id = request.session.get(_ENROLMENT_DEVICE)
    if device_id:
        device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
    form = EnrolmentForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        codes = two_factor.totp_device_confirm(
            user=user, device_id=device.pk, code=form.cleaned_data["code"], link_id=link_id
        )
        if codes is not None:
            device.refresh_from_db()
            otp_login(request, device)
            request.session.pop(_ENROLMENT_DEVICE, None)
            request.session.pop(_ENROLMENT_LINK, None)
            request.session[_NEW_CODES] = codes
            return redirect(reverse("takedowns:two_factor_codes") + "?next=" + _next_url(request))
        form.add_error("code", _("That code is not right. Check the time on your phone and try the newest code."))
    if device is None:
        device = two_factor.totp_device_start(user=user)
        request.session[_ENROLMENT_DEVICE] = device.pk
    secret = device.config_url.split("secret=", 1)[1].split("&", 1)[0]
    context = {
        "form": form,
        "qr_svg": two_factor.totp_qr_svg(device),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "next": _next_url(request),
    }
    return render(request, "registration/two_factor_setup.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the app, or a recovery code."""
    user = request.user
    if not two_factor.staff_has_second_factor(user):
        return redirect(reverse("takedowns:two_factor_setup") + "?next=" + _next_url(request))
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.second_factor_verify(user=user, code=form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            if device.name == two_factor.RECOVERY_DEVICE_NAME:
                left = device.token_set.count()
                messages.warning(
                    request,
                    _("You signed in with a recovery code; %(left)s are left. Set up your app again if it is lost.")
                    % {"left": left},
                )
            return redirect(_next_url(request))
        form.add_error(
            "code",
            _("That code is not right, or there were too many tries: wait a minute, then enter the newest code."),
        )
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _next_url(request)})


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_codes(request: HttpRequest) -> HttpResponse:
    """Recovery codes, shown once after they are made; POST makes a new set (the old ones stop working)."""
    if request.method == "POST":
        request.session[_NEW_CODES] = two_factor.recovery_codes_issue(user=request.user)
        return redirect("takedowns:two_factor_codes")
    codes = request.session.pop(_NEW_CODES, None)
    return render(request, "registration/two_factor_codes.html", {"codes": codes, "next": _next_url(request)})
