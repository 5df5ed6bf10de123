"""Every notice asks to block re-uploads by fingerprint and, where the uploader's handle is known, to act
on the account. A legal duty is named only where the law puts it: the TAKE IT DOWN Act's known-identical-copies
duty (§3(a)(3), covered platforms) and DSA Art. 23(1) (online platforms); everything else is a request."""

from __future__ import annotations

import pytest

from takedowns.models import Regime
from takedowns.notices import notice_content, render_notice, webform_pieces
from tests.utils import HANDLE

pytestmark = pytest.mark.django_db

ACCOUNT = "Account action: we ask you to review the account named above, to suspend or remove it"
ART23 = "Article 23(1) of the Digital Services Act requires providers of online platforms to suspend"
REUPLOAD = "Re-uploads: we ask you to block new uploads of this content that match the fingerprints"
TIDA_COPIES = "TAKE IT DOWN Act's duty covers known identical copies on your service (Section 3(a)(3))"
NO_DUTY = "This is a request under your own policy; we do not claim a legal duty to block re-uploads."
STOPNCII = "Your service takes hashes from StopNCII.org"
TAKEITDOWN = "Your service takes hashes from NCMEC's Take It Down"


def text(notice) -> str:
    return " ".join(render_notice(notice).text.split())


def set_platform(notice, **fields):
    for key, value in fields.items():
        setattr(notice.platform, key, value)
    notice.platform.save()


@pytest.mark.parametrize("regime", [Regime.US, Regime.EU, Regime.UK, Regime.AU])
def test_with_a_handle_the_notice_asks_for_account_action_and_reupload_blocking(make_notice, regime):
    notice = make_notice(regime)
    body = text(notice)
    assert HANDLE in body and ACCOUNT in body and REUPLOAD in body
    assert "Please tell us what you did about the account and about re-uploads" in body
    # The account ask is a request: no statute is said to require suspending this account.
    assert "requires you to suspend" not in body


@pytest.mark.parametrize("regime", [Regime.US, Regime.EU, Regime.UK, Regime.AU, Regime.DMCA])
def test_without_a_handle_no_account_ask_but_still_reuploads(make_notice, regime):
    body = text(make_notice(regime, handle=""))
    assert "Account action" not in body and ART23 not in body
    assert REUPLOAD in body
    assert "Please tell us what you did about re-uploads" in body


def test_tida_copies_duty_only_for_a_covered_platform(make_notice):
    covered = make_notice(Regime.US)
    set_platform(covered, tida_covered=True)
    assert TIDA_COPIES in text(covered) and NO_DUTY not in text(covered)
    unknown = make_notice(Regime.US)
    set_platform(unknown, tida_covered=None)
    assert "If you are a covered platform, the " + TIDA_COPIES in text(unknown)
    not_covered = make_notice(Regime.US)
    set_platform(not_covered, tida_covered=False)
    body = text(not_covered)
    assert NO_DUTY in body and TIDA_COPIES not in body


def test_dsa_article_23_only_for_online_platforms_with_a_known_uploader(make_notice):
    platform_notice = make_notice(Regime.EU)
    set_platform(platform_notice, tida_covered=True)
    assert ART23 in text(platform_notice)
    # A search engine or CDN (not an online platform in the registry) is not told about Art. 23.
    search = make_notice(Regime.EU)
    set_platform(search, tida_covered=False)
    assert ART23 not in text(search) and ACCOUNT in text(search)
    assert ART23 not in text(make_notice(Regime.US))


def test_dmca_keeps_its_repeat_infringer_wording_and_no_ncii_framing(make_notice):
    notice = make_notice(Regime.DMCA)
    set_platform(notice, hash_programmes=["stopncii"])
    body = text(notice)
    assert "under your repeat-infringer policy (17 U.S.C. 512(i)(1)(A)), to terminate it in appropriate" in body
    assert REUPLOAD in body and NO_DUTY in body
    assert STOPNCII not in body and ART23 not in body and "intimate imagery, and to preserve" not in body


def test_hash_programmes_are_named_where_the_platform_takes_them(make_notice):
    notice = make_notice(Regime.US)
    set_platform(notice, hash_programmes=["stopncii"])
    assert STOPNCII in text(notice) and TAKEITDOWN not in text(notice)
    set_platform(notice, hash_programmes=[])
    assert STOPNCII not in text(notice)


def test_under_18_asks_for_account_action_and_take_it_down_hashes_never_stopncii(make_notice):
    notice = make_notice(Regime.US, images=0, is_minor_content=True)
    set_platform(notice, hash_programmes=["stopncii", "takeitdown"])
    body = text(notice)
    assert "to suspend or remove it under your policies on child sexual exploitation" in body
    assert TAKEITDOWN in body and STOPNCII not in body
    # No fingerprints travel for under-18 content: the ask is to hash what is removed.
    assert "Re-uploads: we ask you to hash what you remove and to block new uploads that match it." in body


def test_webform_pieces_carry_the_same_asks(make_notice):
    pieces = {p.key: p.text for p in webform_pieces(notice_content(make_notice(Regime.US)))}
    assert ACCOUNT in " ".join(pieces["description"].split())
    assert REUPLOAD in " ".join(pieces["reuploads"].split())
