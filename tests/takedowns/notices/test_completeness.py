"""Completeness per regime: a complete notice has nothing missing; removing each element in turn is caught."""

from __future__ import annotations

import dataclasses

import pytest

from takedowns.models import Regime
from takedowns.notices import check_completeness, notice_content, regime_for
from takedowns.notices.regimes import PORTAL_ELEMENTS

REGIMES = [r.value for r in Regime]

# How to take each element away: case fields (through the database) where the element comes from the case,
# the content value itself for what the portal generates.
CASE_REMOVALS: dict[str, dict] = {
    "signature": {"signature_name": ""},
    "good_faith": {"good_faith_statement": ""},
    "explanation": {"good_faith_statement": ""},
    "contact": {"contact_private": False, "contact_email": "", "contact_phone": ""},
    "notifier": {"contact_private": False, "contact_email": "", "contact_phone": "+1 555 0100"},
    "bona_fide": {"attestations": {"accuracy": False}},
    "perjury": {"attestations": {"perjury": False}},
    "copyrighted_work": {"attestations": {"copyrighted_work": ""}},
    # A script no shipped font covers (CJK): refused by name rather than printed as boxes.
    "printable": {"signature_name": "李雷"},
}
CONTENT_REMOVALS: dict[str, dict] = {
    "location": {"locations": ()},
    "s66b_basis": {"statute": "Online Safety Act 2023"},
    "statute": {"statute": "", "section": ""},
    "deadline": {"deadline_at": None},
    "response_link": {"response_link": ""},
    "reference": {"reference": ""},
}
# A DMCA notice is signed by the operator and always gives the relay address (it may be forwarded to the uploader),
# so nothing on the case removes these: the content values are taken away instead.
DMCA_CONTENT_REMOVALS: dict[str, dict] = {
    "signature": {"signature_name": ""},
    "contact": {"contact_email": "", "contact_phone": ""},
    "printable": {"signature_name": "李雷"},
}
CASES = [(regime, key) for regime in REGIMES for key in regime_for(regime).required]


def test_every_required_element_has_a_way_to_remove_it():
    keys = {key for _, key in CASES}
    assert keys <= set(CASE_REMOVALS) | set(CONTENT_REMOVALS)


def test_element_keys_per_regime():
    assert regime_for("US").required == ("signature", "location", "good_faith", "contact", *PORTAL_ELEMENTS)
    assert regime_for("EU").required == ("explanation", "location", "notifier", "bona_fide", *PORTAL_ELEMENTS)
    assert regime_for("UK").required == (*regime_for("US").required[:4], "s66b_basis", *PORTAL_ELEMENTS)
    assert regime_for("AU").required == regime_for("US").required
    assert regime_for("DMCA").required[:6] == (
        "signature",
        "copyrighted_work",
        "location",
        "contact",
        "good_faith",
        "perjury",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("regime", REGIMES)
def test_complete_notice_has_nothing_missing(make_notice, regime):
    result = check_completeness(notice_content(make_notice(regime)))
    assert result.is_complete, result.missing
    assert result.present_keys == regime_for(regime).required


@pytest.mark.django_db
@pytest.mark.parametrize(("regime", "key"), CASES, ids=[f"{r}-{k}" for r, k in CASES])
def test_missing_element_is_reported_with_a_fix_hint(make_notice, regime, key):
    if regime == Regime.DMCA and key in DMCA_CONTENT_REMOVALS:
        content = dataclasses.replace(notice_content(make_notice(regime)), **DMCA_CONTENT_REMOVALS[key])
    elif key in CASE_REMOVALS:
        notice = make_notice(regime, **CASE_REMOVALS[key])
        content = notice_content(notice)
    else:
        content = dataclasses.replace(notice_content(make_notice(regime)), **CONTENT_REMOVALS[key])
    result = check_completeness(content)
    assert not result.is_complete
    assert key in result.missing_keys
    element = next(e for e in result.missing if e.key == key)
    assert element.label and len(element.fix_hint) > 20
    assert key not in result.present_keys


@pytest.mark.django_db
def test_signature_needs_a_date(make_notice):
    result = check_completeness(notice_content(make_notice(signed_at=None)))
    assert result.missing_keys == ("signature",)
    assert "'Statement and signature' step" in result.missing[0].fix_hint


@pytest.mark.django_db
def test_no_locations_is_missing(make_notice):
    result = check_completeness(notice_content(make_notice(urls=())))
    assert result.missing_keys == ("location",)


@pytest.mark.django_db
@pytest.mark.parametrize("bare", ["https://www.reddit.com/", "https://www.reddit.com"])
def test_bare_domain_is_never_a_location(make_notice, bare):
    result = check_completeness(notice_content(make_notice(urls=(bare, "https://www.reddit.com/r/x/comments/1/"))))
    assert result.missing_keys == ("location",)
    assert bare in result.missing[0].fix_hint


@pytest.mark.django_db
@pytest.mark.parametrize("regime", REGIMES)
def test_representative_needs_name_and_authority(make_notice, representative_kwargs, regime):
    complete = check_completeness(notice_content(make_notice(regime, **representative_kwargs)))
    assert complete.is_complete and "representative" in complete.present_keys
    kwargs = {**representative_kwargs, "representative_authority": ""}
    result = check_completeness(notice_content(make_notice(regime, **kwargs)))
    assert "representative" in result.missing_keys


@pytest.mark.django_db
def test_private_contact_counts_as_contact_and_eu_email(make_notice):
    # The relay address is an e-mail address, so it satisfies DSA Art. 16(2)(c) too.
    assert check_completeness(notice_content(make_notice(Regime.EU, contact_email=""))).is_complete


@pytest.mark.django_db
def test_dmca_statements_are_the_operators_never_the_victims_accuracy_tick(make_notice):
    # 512(c)(3)(A)(vi) is made by whoever signs: the operator, on an advocate's two statements (stored together as
    # "perjury") or on the victim's authorisation at intake ("dmca_alongside"); the victim's own DSA accuracy
    # tick neither makes nor unmakes it.
    without = check_completeness(notice_content(make_notice(Regime.DMCA, attestations={"perjury": False})))
    assert "perjury" in without.missing_keys
    victim_said_no = notice_content(make_notice(Regime.DMCA, attestations={"accuracy": False}))
    assert "perjury" not in check_completeness(victim_said_no).missing_keys
    authorised = {"perjury": False, "self_taken": True, "dmca_alongside": True}
    assert check_completeness(notice_content(make_notice(Regime.DMCA, attestations=authorised))).is_complete
