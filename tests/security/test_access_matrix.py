"""Every URL of the portal, asked by every role: the answer each role gets is written down below, and the test
fails on any difference — and on any URL pattern that has no row.

The roles (columns, tests/security/world.py): ``anon`` (no session), ``victim`` (signed in to case 1 with its
reference and access code), ``victim2`` (case 2), ``advocate``, ``staff_a`` (platform A = reddit),
``staff_b`` (platform B = x) — staff signed in with password and TOTP code — and the API tokens of the
advocate (``token_adv``), platform A (``token_a``) and platform B (``token_b``). Every client enforces CSRF
like a browser; POSTs carry the token.

The cells:

- a number is the status code;
- ``LOGIN`` a redirect to the staff sign-in (``/accounts/login/?next=…``), ``SIGN_IN`` to the victim's case
  sign-in, ``ADMIN`` to the admin's sign-in, ``BACK`` any other redirect (a form sent back to its page);
- ``CSRF`` (403): a form POSTed without the CSRF cookie (an API client at a web page), refused first;
- ``SKIP``: not asked (a destructive request that another column of the same row already made).

A POST row's body is empty or invalid wherever a valid one would change what later rows read (the owner then
gets the form back with its errors, or the API's 400), so the rows run in order on one set of objects.

DESIGN.md §8: what is not yours answers 404, exactly as if it did not exist (platform staff asking for another
platform's notice, a victim for another case's file, an advocate's page for anyone else). 403 appears only where
a whole kind of resource is closed to a role, whatever the id (the cases API for platform staff, the platform
actions for advocates) — it says nothing about whether a given object exists.

Besides the status, every response is searched for text its role must never see (the other victim's name,
contact addresses, another platform's notice references; ``World.secrets``), and carries the security headers
(``assert_security_headers`` in tests/security/test_headers.py).

Two more sweeps use the same rows: every POST/PATCH/DELETE without the CSRF token is refused, and a staff member
who gave the password but not the code reaches nothing but the code page.

**Adding a URL.** The coverage test lists every pattern of ``get_resolver()`` (the admin's per-model patterns
are generated from the admin site's registry, so they need no rows). A new pattern fails it with "add it to the
matrix": add a row to ``WEB`` or ``API`` (a POST row after the GETs, before ``LAST``), its path parameters
filled from the world with ``"{case1.reference}"``-style templates (attributes of ``World``), and the answer
each role should get, in the column order of the header comment. For example, an advocate-only page of a case::

    get("takedowns:case_escalations", C1,
        LOGIN,   LOGIN,   LOGIN,   OK,      404,     404,     LOGIN,   LOGIN,   LOGIN),
    post("takedowns:case_escalations", C1,
        LOGIN,   LOGIN,   LOGIN,   BACK,    404,     404,     CSRF,    CSRF,    CSRF,
        data={"step": ""}),

If the URL needs an object the world does not have, add it in ``build_world`` (tests/security/world.py), and
any text a role must never see in ``World.secrets``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib import admin
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from tests.security.test_csp_templates import assert_no_inline_code
from tests.security.test_headers import assert_security_headers
from tests.security.world import ROLES, TOKEN_ROLES, World, build_world, csrf_token

pytestmark = pytest.mark.django_db

OK = 200
LOGIN = "login"
SIGN_IN = "sign-in"
ADMIN = "admin-login"
BACK = "redirect"
SKIP = "skip"
# A form POSTed without the CSRF cookie (an API client at a web page) is refused before anything else.
CSRF = 403


@dataclass
class Row:
    name: str
    method: str
    kwargs: dict
    expected: tuple
    data: dict = field(default_factory=dict)
    # Whoever holds the signed link sees what the platform it was sent to sees (the link is the credential).
    bearer: str | None = None
    json: bool = False

    def url(self, world: World) -> str:
        return reverse(self.name, kwargs={k: str(v).format(**vars(world)) for k, v in self.kwargs.items()})


def get(name, kwargs, *expected, **extra) -> Row:
    assert len(expected) == len(ROLES), name
    return Row(name, "GET", kwargs, expected, **extra)


def post(name, kwargs, *expected, data=None, **extra) -> Row:
    assert len(expected) == len(ROLES), name
    return Row(name, "POST", kwargs, expected, data=data or {}, **extra)


def method(verb, name, kwargs, *expected, data=None, **extra) -> Row:
    assert len(expected) == len(ROLES), name
    return Row(name, verb, kwargs, expected, data=data or {}, **extra)


C1 = {"reference": "{case1.reference}"}
C2 = {"reference": "{case2.reference}"}

# fmt: off
# The web pages. GETs first; the POSTs after them change little (bodies are empty or invalid where a valid one
# would change the case), and the sign-outs come last.
#       anon     victim   victim2  advocate staff_a  staff_b  tok_adv  tok_a    tok_b
WEB = [
    # Anyone.
    get("takedowns:home", {},
        OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK),
    get("healthz", {},
        OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK),
    # The public report is off unless the operator turns it on (PUBLIC_ACCOUNTABILITY_REPORT).
    get("takedowns:public_report", {},
        404,     404,     404,     404,     404,     404,     404,     404,     404),
    get("login", {},
        OK,      OK,      OK,      BACK,    BACK,    BACK,    OK,      OK,      OK),
    get("takedowns:intake", {},
        OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK),
    get("takedowns:intake_step", {"step": "who"},
        OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK),
    get("takedowns:intake_receipt", {},
        BACK,    BACK,    BACK,    BACK,    BACK,    BACK,    BACK,    BACK,    BACK),
    # The victim's own pages: their case only, whatever they ask for.
    get("takedowns:status_login", {},
        OK,      BACK,    BACK,    OK,      OK,      OK,      OK,      OK,      OK),
    get("takedowns:status", {},
        SIGN_IN, OK,      OK,      SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN),
    get("takedowns:status_progress", {},
        SIGN_IN, OK,      OK,      SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN),
    get("takedowns:status_withdraw", {},
        SIGN_IN, OK,      OK,      SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN),
    get("takedowns:status_likeness", {},
        SIGN_IN, OK,      OK,      SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN),
    get("takedowns:status_erase", {},
        SIGN_IN, OK,      OK,      SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN),
    get("takedowns:status_bundle", {"bundle_id": "{bundle1_id}"},
        SIGN_IN, OK,      404,     SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN),
    get("takedowns:status_bundle_download", {"bundle_id": "{bundle1_id}"},
        SIGN_IN, OK,      404,     SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN),
    get("takedowns:status_bundle_download", {"bundle_id": "{bundle2_id}"},
        SIGN_IN, 404,     OK,      SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN),
    # Staff: advocates get the clock board, platform staff their inbox, at the same address.
    get("takedowns:dashboard", {},
        LOGIN,   LOGIN,   LOGIN,   OK,      OK,      OK,      LOGIN,   LOGIN,   LOGIN),
    get("takedowns:case_detail", C1,
        LOGIN,   LOGIN,   LOGIN,   OK,      404,     404,     LOGIN,   LOGIN,   LOGIN),
    get("takedowns:case_detail", C2,
        LOGIN,   LOGIN,   LOGIN,   OK,      404,     404,     LOGIN,   LOGIN,   LOGIN),
    get("takedowns:notice_action", {**C1, "notice_id": "{notice_a.pk}", "action": "pdf"},
        LOGIN,   LOGIN,   LOGIN,   OK,      404,     404,     LOGIN,   LOGIN,   LOGIN),
    # A notice of another case under this case's reference: no such notice.
    get("takedowns:notice_action", {**C1, "notice_id": "{notice_b2.pk}", "action": "pdf"},
        LOGIN,   LOGIN,   LOGIN,   404,     404,     404,     LOGIN,   LOGIN,   LOGIN),
    get("takedowns:image_preview", {**C1, "image_id": "{image1.pk}"},
        LOGIN,   LOGIN,   LOGIN,   OK,      404,     404,     LOGIN,   LOGIN,   LOGIN),
    # Case 2's picture was never revealed: no preview, even for an advocate.
    get("takedowns:image_preview", {**C2, "image_id": "{image2.pk}"},
        LOGIN,   LOGIN,   LOGIN,   404,     404,     404,     LOGIN,   LOGIN,   LOGIN),
    get("takedowns:location_platform_add", {**C1, "location_id": "{unknown_location.pk}"},
        LOGIN,   LOGIN,   LOGIN,   OK,      404,     404,     LOGIN,   LOGIN,   LOGIN),
    get("takedowns:bundle_status", {**C1, "bundle_id": "{bundle1_id}"},
        LOGIN,   LOGIN,   LOGIN,   OK,      404,     404,     LOGIN,   LOGIN,   LOGIN),
    get("takedowns:bundle_status", {**C1, "bundle_id": "{bundle2_id}"},
        LOGIN,   LOGIN,   LOGIN,   404,     404,     404,     LOGIN,   LOGIN,   LOGIN),
    get("takedowns:bundle_download", {**C1, "bundle_id": "{bundle1_id}"},
        LOGIN,   LOGIN,   LOGIN,   OK,      404,     404,     LOGIN,   LOGIN,   LOGIN),
    get("takedowns:case_findings", C1,
        LOGIN,   LOGIN,   LOGIN,   OK,      404,     404,     LOGIN,   LOGIN,   LOGIN),
    get("takedowns:case_likeness", C1,
        LOGIN,   LOGIN,   LOGIN,   OK,      404,     404,     LOGIN,   LOGIN,   LOGIN),
    # Not revealed yet: no preview (and the found image is never fetched for anyone else).
    get("takedowns:finding_preview", {**C1, "finding_id": "{finding1.pk}"},
        LOGIN,   LOGIN,   LOGIN,   404,     404,     404,     LOGIN,   LOGIN,   LOGIN),
    get("takedowns:watchlist", {},
        LOGIN,   LOGIN,   LOGIN,   OK,      404,     404,     LOGIN,   LOGIN,   LOGIN),
    get("takedowns:report", {},
        LOGIN,   LOGIN,   LOGIN,   OK,      404,     404,     LOGIN,   LOGIN,   LOGIN),
    # The development outbox exists only with DEBUG and the file e-mail backend (the tests' settings).
    get("takedowns:outbox", {},
        LOGIN,   LOGIN,   LOGIN,   OK,      404,     404,     LOGIN,   LOGIN,   LOGIN),
    # Platform staff: their own platform's delivered notices only; a draft is not theirs to see yet.
    get("takedowns:inbox_notice", {"notice_id": "{notice_a.pk}"},
        LOGIN,   LOGIN,   LOGIN,   404,     OK,      404,     LOGIN,   LOGIN,   LOGIN),
    get("takedowns:inbox_notice", {"notice_id": "{notice_b.pk}"},
        LOGIN,   LOGIN,   LOGIN,   404,     404,     OK,      LOGIN,   LOGIN,   LOGIN),
    get("takedowns:inbox_notice", {"notice_id": "{notice_a_draft.pk}"},
        LOGIN,   LOGIN,   LOGIN,   404,     404,     404,     LOGIN,   LOGIN,   LOGIN),
    # The signed link inside the notice to platform A: the link is the credential (answering needs a one-time
    # code sent to the platform's registered address, tests/takedowns/test_respond_page.py).
    get("takedowns:notice_respond", {"token": "{token_a}"},
        OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK,
        bearer="staff_a"),
    get("takedowns:notice_respond", {"token": "{token_a}x"},
        404,     404,     404,     404,     404,     404,     404,     404,     404),
    # Two-factor pages: signed-in staff only (already verified here).
    get("takedowns:two_factor_verify", {},
        LOGIN,   LOGIN,   LOGIN,   OK,      OK,      OK,      LOGIN,   LOGIN,   LOGIN),
    get("takedowns:two_factor_setup", {},
        LOGIN,   LOGIN,   LOGIN,   OK,      OK,      OK,      LOGIN,   LOGIN,   LOGIN),
    get("takedowns:two_factor_codes", {},
        LOGIN,   LOGIN,   LOGIN,   OK,      OK,      OK,      LOGIN,   LOGIN,   LOGIN),
    # An administrator's enrolment link: signed-in staff only, and a link that is not theirs is a 404.
    get("takedowns:two_factor_enrol", {"token": "not-a-real-link"},
        LOGIN,   LOGIN,   LOGIN,   404,     404,     404,     LOGIN,   LOGIN,   LOGIN),
    # Escalation drafts: notice_a is within its deadline, so the advocate is sent back with the reason.
    get("takedowns:escalation_draft", {**C1, "notice_id": "{notice_a.pk}", "route": "ftc", "fmt": "txt"},
        LOGIN,   LOGIN,   LOGIN,   BACK,    404,     404,     LOGIN,   LOGIN,   LOGIN),
    get("takedowns:escalation_draft", {**C1, "notice_id": "{notice_b2.pk}", "route": "ftc", "fmt": "pdf"},
        LOGIN,   LOGIN,   LOGIN,   404,     404,     404,     LOGIN,   LOGIN,   LOGIN),
    # Forms that only take POST.
    get("takedowns:case_reveal", C1,
        LOGIN,   LOGIN,   LOGIN,   405,     405,     405,     LOGIN,   LOGIN,   LOGIN),
    get("set_language", {},
        BACK,    BACK,    BACK,    BACK,    BACK,    BACK,    BACK,    BACK,    BACK),
    get("logout", {},
        405,     405,     405,     405,     405,     405,     405,     405,     405),
    get("takedowns:status_signout", {},
        405,     405,     405,     405,     405,     405,     405,     405,     405),

    # POSTs. Victims: empty forms come back with their errors; another case's notice is not found.
    post("takedowns:status_add_urls", {},
        SIGN_IN, OK,      OK,      SIGN_IN, SIGN_IN, SIGN_IN, CSRF,    CSRF,    CSRF),
    post("takedowns:status_add_images", {},
        SIGN_IN, OK,      OK,      SIGN_IN, SIGN_IN, SIGN_IN, CSRF,    CSRF,    CSRF),
    post("takedowns:status_withdraw", {},
        SIGN_IN, OK,      OK,      SIGN_IN, SIGN_IN, SIGN_IN, CSRF,    CSRF,    CSRF),
    # Without consent nothing is made: the page is shown again with the reason.
    post("takedowns:status_likeness", {},
        SIGN_IN, OK,      OK,      SIGN_IN, SIGN_IN, SIGN_IN, CSRF,    CSRF,    CSRF),
    post("takedowns:status_erase", {},
        SIGN_IN, OK,      OK,      SIGN_IN, SIGN_IN, SIGN_IN, CSRF,    CSRF,    CSRF),
    post("takedowns:status_webform_submitted", {"notice_id": "{notice_a.pk}"},
        SIGN_IN, BACK,    404,     SIGN_IN, SIGN_IN, SIGN_IN, CSRF,    CSRF,    CSRF),
    post("takedowns:status_bundle_request", {},
        SIGN_IN, BACK,    BACK,    SIGN_IN, SIGN_IN, SIGN_IN, CSRF,    CSRF,    CSRF),
    post("takedowns:intake_step", {"step": "who"},
        OK,      OK,      OK,      OK,      OK,      OK,      CSRF,    CSRF,    CSRF),
    post("takedowns:intake_discard", {},
        BACK,    BACK,    BACK,    BACK,    BACK,    BACK,    CSRF,    CSRF,    CSRF),
    post("takedowns:intake_receipt", {},
        BACK,    BACK,    BACK,    BACK,    BACK,    BACK,    CSRF,    CSRF,    CSRF),
    # A wrong access code for case 1: the same answer for everyone (the form again, nothing confirmed).
    post("takedowns:status_login", {},
        OK,      OK,      OK,      OK,      OK,      OK,      CSRF,    CSRF,    CSRF,
         data={"reference": "{case1.reference}", "access_code": "WRNG-CODE-WRNG-CODE"}),
    # Advocates: each action on a case; a 404 for everyone else signed in.
    post("takedowns:case_reveal", C1,
        LOGIN,   LOGIN,   LOGIN,   BACK,    404,     404,     CSRF,    CSRF,    CSRF,
         data={"what": "image-{image1.pk}"}),
    # An empty "add pictures" reaches the form (400, nothing chosen) for advocates only.
    post("takedowns:case_add_pictures", C1,
        LOGIN,   LOGIN,   LOGIN,   400,     404,     404,     CSRF,    CSRF,    CSRF),
    post("takedowns:case_action", {**C1, "action": "note"},
        LOGIN,   LOGIN,   LOGIN,   BACK,    404,     404,     CSRF,    CSRF,    CSRF),
    post("takedowns:notice_action", {**C1, "notice_id": "{notice_a.pk}", "action": "answer"},
        LOGIN,   LOGIN,   LOGIN,   BACK,    404,     404,     CSRF,    CSRF,    CSRF),
    post("takedowns:location_platform_add", {**C1, "location_id": "{unknown_location.pk}"},
        LOGIN,   LOGIN,   LOGIN,   OK,      404,     404,     CSRF,    CSRF,    CSRF),
    post("takedowns:location_identify", {**C1, "location_id": "{unknown_location.pk}"},
        LOGIN,   LOGIN,   LOGIN,   BACK,    404,     404,     CSRF,    CSRF,    CSRF),
    # A URL of case 2 under case 1's reference: no such URL.
    post("takedowns:location_identify", {**C1, "location_id": "{location2.pk}"},
        LOGIN,   LOGIN,   LOGIN,   404,     404,     404,     CSRF,    CSRF,    CSRF),
    post("takedowns:bundle_request", C1,
        LOGIN,   LOGIN,   LOGIN,   BACK,    404,     404,     CSRF,    CSRF,    CSRF),
    post("takedowns:finding_preview_reveal", {**C1, "finding_id": "{finding1.pk}"},
        LOGIN,   LOGIN,   LOGIN,   BACK,    404,     404,     CSRF,    CSRF,    CSRF),
    post("takedowns:finding_preview_reveal", {**C1, "finding_id": "{finding2.pk}"},
        LOGIN,   LOGIN,   LOGIN,   404,     404,     404,     CSRF,    CSRF,    CSRF),
    post("takedowns:finding_decide", {**C1, "finding_id": "{finding1.pk}", "action": "dismiss"},
        LOGIN,   LOGIN,   LOGIN,   BACK,    404,     404,     CSRF,    CSRF,    CSRF),
    post("takedowns:case_likeness", C1,
        LOGIN,   LOGIN,   LOGIN,   OK,      404,     404,     CSRF,    CSRF,    CSRF),
    post("takedowns:watchlist_crawl", {"site_id": "{site.pk}"},
        LOGIN,   LOGIN,   LOGIN,   BACK,    404,     404,     CSRF,    CSRF,    CSRF),
    # The escalation ladder and upstream notices: advocates only (an unknown provider is sent back with
    # a message, an unknown step is 404).
    post("takedowns:upstream_prepare", {**C1, "notice_id": "{notice_a.pk}", "provider": "no-such-provider"},
        LOGIN,   LOGIN,   LOGIN,   BACK,    404,     404,     CSRF,    CSRF,    CSRF),
    post("takedowns:ladder_step_stop", {**C1, "notice_id": "{notice_a.pk}", "step_id": "999999"},
        LOGIN,   LOGIN,   LOGIN,   404,     404,     404,     CSRF,    CSRF,    CSRF),
    post("takedowns:ladder_stop", {**C2, "notice_id": "{notice_b2.pk}"},
        LOGIN,   LOGIN,   LOGIN,   BACK,    404,     404,     CSRF,    CSRF,    CSRF),
    # The hash exchange: the victim's own switch; an advocate's review of a signal (none such: 404); a platform's
    # report from its inbox (platform A holds the exchange scopes and gets its form back, platform B none: 404).
    post("takedowns:status_sharing", {},
        SIGN_IN, BACK,    BACK,    SIGN_IN, SIGN_IN, SIGN_IN, CSRF,    CSRF,    CSRF,
         data={"share": "0"}),
    post("takedowns:case_signal_review", {**C1, "signal_id": "sg_none"},
        LOGIN,   LOGIN,   LOGIN,   404,     404,     404,     CSRF,    CSRF,    CSRF,
         data={"keep": "0"}),
    post("takedowns:inbox_exchange_opinion", {},
        LOGIN,   LOGIN,   LOGIN,   404,     BACK,    404,     CSRF,    CSRF,    CSRF,
         data={"signal_id": "sg_none", "opinion": "blocked"}),
    # Platform staff: an answer without a chosen action comes back as a 400 page; not theirs is 404.
    post("takedowns:inbox_notice", {"notice_id": "{notice_a.pk}"},
        LOGIN,   LOGIN,   LOGIN,   404,     400,     404,     CSRF,    CSRF,    CSRF),
    post("takedowns:notice_respond", {"token": "{token_a}"},
        400,     400,     400,     400,     400,     400,     CSRF,    CSRF,    CSRF,
         bearer="staff_a"),
    post("takedowns:two_factor_verify", {},
        LOGIN,   LOGIN,   LOGIN,   OK,      OK,      OK,      CSRF,    CSRF,    CSRF),
    post("set_language", {},
        BACK,    BACK,    BACK,    BACK,    BACK,    BACK,    CSRF,    CSRF,    CSRF,
         data={"language": "en", "next": "/"}),
]

# The REST API (and its description). Tokens are the API's way in; signed-in staff may use it with their session
# (and CSRF) too. Without either, 401. Whole kinds closed to a role are 403, whatever the id.
#       anon     victim   victim2  advocate staff_a  staff_b  tok_adv  tok_a    tok_b
API = [
    get("api-schema", {},
        OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK),
    get("api-docs", {},
        OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK,      OK),
    get("api-root", {},
        401,     401,     401,     OK,      OK,      OK,      OK,      OK,      OK),
    get("platform-list", {},
        401,     401,     401,     OK,      OK,      OK,      OK,      OK,      OK),
    get("platform-detail", {"slug": "reddit"},
        401,     401,     401,     OK,      OK,      404,     OK,      OK,      404),
    get("notice-list", {},
        401,     401,     401,     OK,      OK,      OK,      OK,      OK,      OK),
    get("notice-all-hashes", {},
        401,     401,     401,     OK,      OK,      OK,      OK,      OK,      OK),
    get("notice-detail", {"pk": "{notice_a.pk}"},
        401,     401,     401,     OK,      OK,      404,     OK,      OK,      404),
    get("notice-detail", {"pk": "{notice_b.pk}"},
        401,     401,     401,     OK,      404,     OK,      OK,      404,     OK),
    get("notice-detail", {"pk": "{notice_a_draft.pk}"},
        401,     401,     401,     OK,      404,     404,     OK,      404,     404),
    get("notice-hashes", {"pk": "{notice_a.pk}"},
        401,     401,     401,     OK,      OK,      404,     OK,      OK,      404),
    get("notice-hashes", {"pk": "{notice_b2.pk}"},
        401,     401,     401,     OK,      404,     OK,      OK,      404,     OK),
    get("case-list", {},
        401,     401,     401,     405,     403,     403,     405,     403,     403),
    get("case-detail", C1,
        401,     401,     401,     OK,      403,     403,     OK,      403,     403),
    get("case-detail", {"reference": "RC-NONE-NONE"},
        401,     401,     401,     404,     403,     403,     404,     403,     403),
    get("case-findings", C1,
        401,     401,     401,     OK,      403,     403,     OK,      403,     403),
    get("case-likeness", C1,
        401,     401,     401,     OK,      403,     403,     OK,      403,     403),
    get("case-urls", C1,
        401,     401,     401,     405,     403,     403,     405,     403,     403),
    get("case-images", C1,
        401,     401,     401,     405,     403,     403,     405,     403,     403),
    get("case-dmca", C1,
        401,     401,     401,     405,     403,     403,     405,     403,     403),
    get("case-send-notices", C1,
        401,     401,     401,     405,     403,     403,     405,     403,     403),
    # The hash exchange: platform A was granted exchange:read and exchange:lookup, platform B nothing; advocates
    # never read the feed or look up (403). The case's signals are the advocates'.
    get("exchange-signals", {},
        401,     401,     401,     403,     OK,      403,     403,     OK,      403),
    get("exchange-lookup", {},
        401,     401,     401,     403,     405,     403,     403,     405,     403),
    get("exchange-opinions", {},
        401,     401,     401,     403,     405,     403,     403,     405,     403),
    get("case-signals", C1,
        401,     401,     401,     OK,      403,     403,     OK,      403,     403),
    get("case-signal-review", {**C1, "signal_id": "sg_none"},
        401,     401,     401,     405,     403,     403,     405,     403,     403),
    get("watchlist-list", {},
        401,     401,     401,     OK,      403,     403,     OK,      403,     403),
    get("watchlist-detail", {"pk": "{site.pk}"},
        401,     401,     401,     OK,      403,     403,     OK,      403,     403),
    get("watchlist-crawl", {"pk": "{site.pk}"},
        401,     401,     401,     405,     403,     403,     405,     403,     403),
    get("finding-detail", {"pk": "{finding1.pk}"},
        401,     401,     401,     OK,      403,     403,     OK,      403,     403),
    get("finding-confirm", {"pk": "{finding1.pk}"},
        401,     401,     401,     405,     403,     403,     405,     403,     403),
    get("finding-dismiss", {"pk": "{finding1.pk}"},
        401,     401,     401,     405,     403,     403,     405,     403,     403),
    get("webhook-list", {},
        401,     401,     401,     403,     OK,      OK,      403,     OK,      OK),
    get("webhook-detail", {"pk": "{webhook_a.pk}"},
        401,     401,     401,     403,     405,     405,     403,     405,     405),
    get("notice-acknowledge", {"pk": "{notice_a.pk}"},
        401,     401,     401,     405,     405,     405,     405,     405,     405),
    get("notice-removed", {"pk": "{notice_a.pk}"},
        401,     401,     401,     405,     405,     405,     405,     405,     405),
    get("notice-info-request", {"pk": "{notice_a.pk}"},
        401,     401,     401,     405,     405,     405,     405,     405,     405),
    get("notice-dispute", {"pk": "{notice_a.pk}"},
        401,     401,     401,     405,     405,     405,     405,     405,     405),

    # Writes with empty bodies: the owner gets the validation error (400), everyone else the refusal — for
    # another platform's notice a 404 before the body is even read.
    post("notice-removed", {"pk": "{notice_a.pk}"},
        401,     401,     401,     403,     400,     404,     403,     400,     404,
         data={"location_ids": "not-a-number"}),
    post("notice-info-request", {"pk": "{notice_b.pk}"},
        401,     401,     401,     403,     404,     400,     403,     404,     400),
    post("notice-dispute", {"pk": "{notice_a_draft.pk}"},
        401,     401,     401,     403,     404,     404,     403,     404,     404),
    post("notice-acknowledge", {"pk": "{notice_b2.pk}"},
        401,     401,     401,     403,     404,     OK,      403,     404,     OK),
    # The platform's answer about the account (its own staff; an empty answer is a 400) and stopping the
    # escalation ladder (advocates; 409 when the notice has no step left to stop).
    post("notice-account-action", {"pk": "{notice_a.pk}"},
        401,     401,     401,     403,     400,     404,     403,     400,     404),
    post("case-stop-escalation", {**C2, "notice_id": "{notice_b2.pk}"},
        401,     401,     401,     409,     403,     403,     409,     403,     403),
    # Releasing or discarding a held relay reply (advocates; 409 when that event is not a held reply).
    post("case-held-reply", {**C2, "notice_id": "{notice_b2.pk}", "event_id": "1", "decision": "release"},
        401,     401,     401,     409,     403,     403,     409,     403,     403),
    post("case-list", {},
        401,     401,     401,     400,     403,     403,     400,     403,     403),
    post("case-urls", C2,
        401,     401,     401,     400,     403,     403,     400,     403,     403),
    post("case-images", C2,
        401,     401,     401,     400,     403,     403,     400,     403,     403),
    post("case-dmca", C2,
        401,     401,     401,     400,     403,     403,     400,     403,     403),
    # The likeness search (advocates, for her): enrolling without consent or pictures is a 400; withdrawing is
    # idempotent, so both of the advocate's columns get 200.
    post("case-likeness", C2,
        401,     401,     401,     400,     403,     403,     400,     403,     403),
    method("DELETE", "case-likeness", C2,
        401,     401,     401,     OK,      403,     403,     OK,      403,     403),
    post("case-send-notices", C1,
        401,     401,     401,     OK,      403,     403,     OK,      403,     403),
    post("exchange-lookup", {},
        401,     401,     401,     403,     400,     403,     403,     400,     403),
    post("exchange-opinions", {},
        401,     401,     401,     403,     400,     403,     403,     400,     403),
    post("case-signal-review", {**C1, "signal_id": "sg_none"},
        401,     401,     401,     404,     403,     403,     404,     403,     403,
         data={"keep": "false"}),
    method("PATCH", "case-detail", C1,
        401,     401,     401,     400,     403,     403,     400,     403,     403),
    post("watchlist-list", {},
        401,     401,     401,     400,     403,     403,     400,     403,     403),
    method("PATCH", "watchlist-detail", {"pk": "{site.pk}"},
        401,     401,     401,     OK,      403,     403,     OK,      403,     403),
    post("watchlist-crawl", {"pk": "{site.pk}"},
        401,     401,     401,     202,     403,     403,     202,     403,     403),
    post("finding-dismiss", {"pk": "{finding2.pk}"},
        401,     401,     401,     OK,      403,     403,     OK,      403,     403),
    post("finding-confirm", {"pk": "{finding2.pk}"},
        401,     401,     401,     409,     403,     403,     409,     403,     403),
    post("webhook-list", {},
        401,     401,     401,     403,     400,     400,     403,     400,     400),
    # Platform B cannot remove platform A's webhook; platform A can (its token, once: the session column skips).
    method("DELETE", "webhook-detail", {"pk": "{webhook_a.pk}"},
        401,     401,     401,     403,     SKIP,    404,     403,     204,     404),
]

# Signing out, last: these end the sessions the rows above use.
#       anon     victim   victim2  advocate staff_a  staff_b  tok_adv  tok_a    tok_b
LAST = [
    post("takedowns:status_signout", {},
        BACK,    BACK,    BACK,    BACK,    BACK,    BACK,    CSRF,    CSRF,    CSRF),
    post("logout", {},
        BACK,    BACK,    BACK,    BACK,    BACK,    BACK,    CSRF,    CSRF,    CSRF),
]
# fmt: on

MATRIX = WEB + API + LAST


# --- the admin: generated from its registry --------------------------------------------------------------------

# Advocates are staff (is_staff) without model permissions: create_portal_user grants none, an operator grants
# them in the admin. Everyone else is sent to the admin's sign-in, including signed-in platform staff.
ADMIN_ADVOCATE = {
    "admin:index": OK,
    "admin:login": BACK,
    "admin:logout": 405,
    "admin:password_change": OK,
    "admin:password_change_done": OK,
    "admin:jsi18n": OK,
    "admin:autocomplete": 403,
    "admin:app_list": 404,
    "admin:view_on_site": 404,
    "(object)": BACK,
    "(catch-all)": 404,
}


def _admin_url_kwargs(pattern: URLPattern, world: World) -> dict:
    from django.contrib.contenttypes.models import ContentType

    kwargs = {}
    for key in pattern.pattern.converters if hasattr(pattern.pattern, "converters") else {}:
        kwargs[key] = "1"
    if "app_label" in pattern.pattern.regex.groupindex:
        kwargs["app_label"] = "takedowns"
    if "content_type_id" in kwargs:
        kwargs["content_type_id"] = str(ContentType.objects.get_for_model(world.case1).pk)
    return kwargs


def admin_rows(world: World) -> list[tuple[str, str, dict]]:
    """(label, url, {role: expected}) for every admin pattern: the site's own views and every model's."""
    prefix = "/" + django_settings.ADMIN_PATH
    rows = []
    objects, missing = {}, {}
    for model in admin.site._registry:
        first = model._default_manager.order_by("pk").first()
        objects[model._meta.app_label, model._meta.model_name] = str(first.pk) if first else "1"
        missing[f"{model._meta.app_label}_{model._meta.model_name}"] = first is None
    for route, name, pattern in url_patterns():
        if not route.startswith(django_settings.ADMIN_PATH):
            continue
        if name is None:
            label = "(catch-all)" if "(?P<url>" in route else "(object)"
            if label == "(catch-all)":
                url = prefix + "no-such-page/"
            else:
                app, model = route[len(django_settings.ADMIN_PATH) :].split("/")[:2]
                url = f"{prefix}{app}/{model}/{objects[app, model]}/"
        else:
            label = name
            kwargs = _admin_url_kwargs(pattern, world)
            model_key = name.removeprefix("admin:").rsplit("_", 1)[0]
            for app, model in objects:
                if model_key in (f"{app}_{model}", f"{app}_{model}_password"):
                    for key in ("object_id", "pk", "id"):
                        if key in kwargs:
                            kwargs[key] = objects[app, model]
            url = reverse(name, kwargs=kwargs)
        model_view = label not in ADMIN_ADVOCATE
        expected = dict.fromkeys(ROLES, OK if label == "admin:login" else ADMIN)
        if label == "admin:logout":
            expected = dict.fromkeys(ROLES, BACK)  # the admin sends everyone but staff to its index first
        expected["advocate"] = 403 if model_view else ADMIN_ADVOCATE[label]
        if name and name.endswith("_history") and missing.get(name.removeprefix("admin:").rsplit("_", 1)[0]):
            expected["advocate"] = BACK  # the admin says "no such object" before it checks permissions
        rows.append((label, url, expected))
    return rows


# --- the resolver -----------------------------------------------------------------------------------------------


def url_patterns(patterns=None, prefix: str = "", namespace: str | None = None):
    """(route, qualified name, pattern) of every URL pattern, recursively (includes, the router, the admin)."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from url_patterns(entry.url_patterns, prefix + str(entry.pattern), inner)
        else:
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield prefix + str(entry.pattern), name, entry


def test_every_url_pattern_has_a_row():
    covered = {row.name for row in MATRIX}
    missing, admin_patterns = set(), 0
    for route, name, _pattern in url_patterns():
        if route.startswith(django_settings.ADMIN_PATH):
            admin_patterns += 1  # generated by admin_rows()
        elif name is None or name not in covered:
            missing.add(f"{name or '(unnamed)'}  {route}")
    assert not missing, "URL patterns without a row — add them to the matrix:\n" + "\n".join(sorted(missing))
    assert admin_patterns > 50
    # Rows naming a URL that no longer exists are stale.
    stale = {name for name in covered if not _reversible(name)}
    assert not stale, f"rows for URLs that no longer exist: {sorted(stale)}"


def _reversible(name: str) -> bool:
    return any(n == name for _route, n, _pattern in url_patterns())


# --- asking -----------------------------------------------------------------------------------------------------


def _ask(world: World, role: str, verb: str, url: str, data: dict):
    client = world.clients[role]
    if verb == "GET":
        return client.get(url)
    data = {k: str(v).format(**vars(world)) for k, v in data.items()}
    extra = {}
    if role not in TOKEN_ROLES:
        token = csrf_token(client)
        data.setdefault("csrfmiddlewaretoken", token)
        extra["HTTP_X_CSRFTOKEN"] = token
    if verb == "POST":
        return client.post(url, data, **extra)
    return client.generic(verb, url, "", content_type="application/json", **extra)


def _outcome(response, expected):
    """The cell's word for a response, in the vocabulary of the expected cell."""
    status = response.status_code
    if status not in (301, 302):
        return status
    target = urlsplit(response["Location"]).path
    if target == reverse("login") and expected != BACK:
        return LOGIN
    if target == reverse("takedowns:status_login") and expected != BACK:
        return SIGN_IN
    if target == reverse("admin:login"):
        return ADMIN
    return BACK


_TEXTUAL = re.compile(r"^(text/|application/(json|problem\+json|vnd\.oai\.openapi))")


def _leaks(world: World, role: str, response, row: Row, url: str) -> list[str]:
    if not _TEXTUAL.match(response.get("Content-Type", "")):
        return []
    body = response.content.decode(errors="replace")
    sent = url + " ".join(str(v).format(**vars(world)) for v in row.data.values())
    # What the request itself carried (a reference typed into the sign-in form, the path) is no leak.
    return [secret for secret in world.secrets[row.bearer or role] if secret in body and secret not in sent]


def test_every_url_answers_each_role_as_the_matrix_says(settings):
    world = build_world(settings)
    wrong, leaked, headers = [], [], []
    admin = admin_rows(world)
    for row in MATRIX[: -len(LAST)]:
        _check_row(world, row, wrong, leaked, headers)
    for label, url, expected in admin:
        for role in ROLES:
            response = world.clients[role].get(url)
            got = _outcome(response, expected[role])
            if got != expected[role]:
                wrong.append(f"GET {label} {url}  {role}: expected {expected[role]}, got {got}")
            try:
                assert_security_headers(response)
                assert_no_inline_code(response)
            except AssertionError as exc:
                headers.append(f"GET {label} {url}  {role}: {exc}")
    for row in LAST:
        _check_row(world, row, wrong, leaked, headers)
    report = "\n".join(wrong + leaked + headers)
    assert not report, f"{len(wrong)} wrong answers, {len(leaked)} leaks, {len(headers)} header faults:\n{report}"


def test_staff_without_their_second_factor_reach_only_the_code_page(settings):
    """Password right, code not yet given: every page sends the person to the code page, every API call is
    refused — whatever the URL (the admin's included). Only the code page itself, signing out, the health probe
    and the language switch stay open (takedowns.middleware.StaffTwoFactorMiddleware)."""
    world = build_world(settings)
    client = world.clients["unverified"]
    verify = reverse("takedowns:two_factor_verify")
    open_paths = {verify, reverse("logout"), reverse("healthz"), reverse("set_language")}
    urls = [row.url(world) for row in MATRIX if row.method == "GET"] + [url for _l, url, _e in admin_rows(world)]
    wrong = []
    for url in urls:
        response = client.get(url)
        if url in open_paths:
            continue
        if url.startswith("/api/"):
            if response.status_code != 403:
                wrong.append(f"{url}: {response.status_code}, not 403")
        elif response.status_code != 302 or urlsplit(response["Location"]).path != verify:
            wrong.append(f"{url}: {response.status_code} {response.get('Location', '')}")
    assert len(urls) > 100
    assert not wrong, "\n".join(wrong)


def test_every_state_changing_request_without_the_csrf_token_is_refused(settings):
    """Every POST (and PATCH, DELETE) of the matrix, sent by a signed-in browser without the CSRF token, is
    refused before the view runs: no form or API action is exempt. (The API checks CSRF for session users only;
    a token is not sent by a browser on its own, so it needs none.)"""
    world = build_world(settings)
    refused_wrongly = []
    for row in MATRIX:
        if row.method == "GET":
            continue
        url = row.url(world)
        api = url.startswith("/api/")
        roles = ("advocate", "staff_a", "staff_b") if api else ("anon", "victim", "victim2", "advocate", "staff_a")
        for role in roles:
            data = {k: str(v).format(**vars(world)) for k, v in row.data.items()}
            response = world.clients[role].generic(
                row.method, url, urlencode(data), content_type="application/x-www-form-urlencoded"
            )
            body = response.content.decode(errors="replace")
            if response.status_code != 403 or not ("CSRF" in body or "csrf" in body.lower()):
                refused_wrongly.append(f"{row.method} {url}  {role}: {response.status_code}")
    assert not refused_wrongly, "\n".join(refused_wrongly)


def _check_row(world, row: Row, wrong: list, leaked: list, headers: list) -> None:
    url = row.url(world)
    for role, expected in zip(ROLES, row.expected, strict=True):
        if expected == SKIP:
            continue
        response = _ask(world, role, row.method, url, row.data)
        got = _outcome(response, expected)
        where = f"{row.method} {row.name} {url}  {role}"
        if got != expected:
            wrong.append(f"{where}: expected {expected}, got {got}")
        found = _leaks(world, role, response, row, url)
        if found:
            leaked.append(f"{where}: shows {found}")
        try:
            assert_security_headers(response)
            assert_no_inline_code(response)
        except AssertionError as exc:
            headers.append(f"{where}: {exc}")
        if row.method == "GET" and url.startswith("/api/v1/") and got == OK:
            # In a browser the API answers with its HTML pages (DRF's browsable API), whose forms could list
            # objects: the same answer, and nothing more shown. (Refusals render the same refusal: not asked
            # twice, to keep the test fast.)
            page = world.clients[role].get(url, HTTP_ACCEPT="text/html")
            if _outcome(page, expected) != got:
                wrong.append(f"{where} (as HTML): answers {_outcome(page, expected)}, not {got}")
            found = _leaks(world, role, page, row, url)
            if found:
                leaked.append(f"{where} (as HTML): shows {found}")
        # The same resource with a format suffix (the API router's /notices/1.json) answers alike: asked where
        # the view itself ran (found or not found), since authentication and permissions do not see the suffix.
        if row.method == "GET" and got in (OK, 404) and row.name.split(":")[0] == row.name and _has_suffix(row.name):
            try:
                suffixed = reverse(row.name, kwargs={**_fmt(row, world), "format": "json"})
            except NoReverseMatch:
                continue
            again = _outcome(world.clients[role].get(suffixed), expected)
            if again != got:
                wrong.append(f"{where}: {suffixed} answers {again}, not {got}")


def _fmt(row: Row, world: World) -> dict:
    return {k: str(v).format(**vars(world)) for k, v in row.kwargs.items()}


@functools.cache
def _has_suffix(name: str) -> bool:
    return sum(1 for _r, n, _p in url_patterns() if n == name) > 1
