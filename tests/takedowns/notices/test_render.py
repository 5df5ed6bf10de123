"""Every regime renders to text, HTML and PDF from one document, and each carries every required element."""

from __future__ import annotations

import html as htmllib
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from takedowns.models import Regime
from takedowns.notices import (
    build_document,
    check_completeness,
    notice_content,
    regime_for,
    relay_address,
    render_notice,
    render_notice_pdf,
    render_text,
)
from takedowns.notices.fonts import UnprintableCharacters
from tests.utils import HANDLE, MD5, PDQ, PHASH, URLS, pdf_text

REGIMES = [r.value for r in Regime]


def flat(text: str) -> str:
    return " ".join(text.split())


def rendered_forms(notice) -> dict[str, str]:
    rendered = render_notice(notice)
    return {
        "text": rendered.text,
        "html": htmllib.unescape(rendered.html),
        "pdf": pdf_text(render_notice_pdf(notice, compress=False)),
    }


def required_fragments(notice) -> list[str]:
    content = notice_content(notice)
    spec = regime_for(notice.regime)
    return [
        spec.statute,
        spec.section,
        *URLS,
        HANDLE,
        "Account action: we ask you to review the account",
        PDQ,
        "(quality 87)",
        MD5,
        PHASH,
        spec.copies_sentence,
        # A DMCA notice carries the fixed 512(c)(3)(A)(v) sentence, never the victim's words about consent.
        "is not authorized by the copyright owner"
        if notice.regime == Regime.DMCA
        else notice.case.good_faith_statement,
        # 512(c)(3)(A)(i): the operator signs a DMCA notice as the owner's authorised agent, never the victim.
        f"/{content.operator.name}/" if notice.regime == Regime.DMCA else "/Sam Example/",
        notice.case.signed_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        relay_address(notice),
        content.deadline_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        notice.reference,
        "/respond/",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["text", "html", "pdf"])
@pytest.mark.parametrize("regime", REGIMES)
# The clock stands still: an unsent notice's deadline is counted from now, once when it is rendered and once
# below, and a minute turning between the two made the test fail now and then.
@time_machine.travel(datetime(2026, 3, 2, 9, 30, 15, tzinfo=UTC), tick=False)
def test_every_required_element_is_in_every_format(make_notice, regime, fmt):
    notice = make_notice(regime)
    out = flat(rendered_forms(notice)[fmt])
    for fragment in required_fragments(notice):
        assert flat(fragment) in out, f"{regime}/{fmt}: missing {fragment!r}"
    # The victim chose a private contact (the default): their own e-mail is nowhere.
    assert "sam@example.org" not in out
    if regime == Regime.DMCA:
        assert "Sam Example" not in out  # the owner's name only when they chose to give it


@pytest.mark.django_db
@pytest.mark.parametrize("regime", REGIMES)
def test_text_html_and_pdf_say_the_same_thing(make_notice, regime):
    notice = make_notice(regime, is_synthetic=True, context="Posted by a former partner.")
    doc = build_document(notice_content(notice))
    forms = rendered_forms(notice)
    for section in doc.sections:
        for fmt, out in forms.items():
            haystack = out if fmt == "html" else out.upper() if fmt == "text" else out
            needle = section.heading.upper() if fmt == "text" else section.heading
            assert needle in haystack, f"{fmt} lacks section {section.heading!r}"
    for fmt, out in forms.items():
        assert flat(regime_for(regime).synthetic_sentence) in flat(out), fmt
        # The victim's context speaks of consent: a DMCA notice (forwarded to uploaders, published) omits it.
        assert ("Posted by a former partner." in flat(out)) is (regime != Regime.DMCA)


@pytest.mark.django_db
def test_public_contact_shows_the_victims_address_and_no_relay(make_notice):
    notice = make_notice(contact_private=False, contact_phone="+1 555 0100")
    text = render_notice(notice).text
    assert "sam@example.org" in text and "+1 555 0100" in text
    assert relay_address(notice) not in text


@pytest.mark.django_db
def test_sent_notice_states_its_real_deadline_in_utc(make_notice):
    notice = make_notice()
    notice.sent_at = datetime(2026, 6, 1, 12, 30, tzinfo=UTC)
    notice.due_at = notice.sent_at + timedelta(hours=48)
    notice.save(update_fields=["sent_at", "due_at"])
    text = flat(render_notice(notice).text)
    assert "2026-06-03 12:30 UTC (48 hours after this notice was delivered on 2026-06-01 12:30 UTC)" in text


@pytest.mark.django_db
def test_draft_states_48_hours_from_receipt(make_notice):
    notice = make_notice()
    now = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    text = flat(render_notice(notice, now=now).text)
    assert "Within 48 hours from receipt of this notice: by 2026-06-03 08:00 UTC" in text


@pytest.mark.django_db
def test_not_synthetic_has_no_ai_statement(make_notice):
    assert "digital forgery" not in render_notice(make_notice(is_synthetic=False)).text


@pytest.mark.django_db
def test_subject_names_act_url_count_and_reference(make_notice):
    notice = make_notice()
    assert render_notice(notice).subject == f"TAKE IT DOWN Act removal request — 3 URLs — ref {notice.reference}"


@pytest.mark.django_db
def test_us_notice_carries_safe_harbour_and_forgery_definition(make_notice):
    text = flat(render_notice(make_notice(Regime.US, is_synthetic=True)).text)
    assert "Section 3(a)(4)" in text and "Limitation on liability" in text
    assert '"digital forgery"' in text and "indistinguishable from an authentic depiction" in text


@pytest.mark.django_db
def test_eu_deadline_is_labelled_a_target_and_mentions_article_17(make_notice, settings):
    text = flat(render_notice(make_notice(Regime.EU)).text)
    assert "DSA target for action (not a statutory deadline)" in text
    assert "Article 17" in text
    assert "trusted flagger" not in text


@pytest.mark.django_db
def test_eu_trusted_flagger_sentence_only_when_configured(make_notice, settings):
    settings.NOTICES_TRUSTED_FLAGGER = "Helpline Example e.V. (designated by the Irish DSC, 2025)"
    settings.OPERATOR_NAME = "Helpline Example e.V."  # the designation is the operator's own (DSA Art. 22)
    org = {
        "filer_type": "organisation",
        "representative_name": "Helpline Example e.V.",
        "representative_authority": "Written mandate from the person shown",
    }
    text = flat(render_notice(make_notice(Regime.EU, **org)).text)
    assert "Helpline Example e.V. (designated by the Irish DSC, 2025), a trusted flagger under Article 22" in text
    # The status is the organisation's: a victim filing for themselves never claims it.
    assert "trusted flagger" not in render_notice(make_notice(Regime.EU)).text
    # Other regimes never claim it.
    assert "trusted flagger" not in render_notice(make_notice(Regime.US)).text


@pytest.mark.django_db
def test_uk_wording(make_notice):
    text = flat(render_notice(make_notice(Regime.UK, is_threatened=True)).text)
    assert "section 66B of the Sexual Offences Act 2003" in text
    assert "appears to show" in text
    assert "the same or substantially the same content" in text
    assert "Threatening to share such an image is itself an offence" in text


@pytest.mark.django_db
def test_au_wording(make_notice):
    notice = make_notice(Regime.AU)
    text = flat(render_notice(notice).text)
    assert "not a removal notice issued by the eSafety Commissioner" in text
    assert "https://www.esafety.gov.au/report" in text
    assert "Within 24 hours" in text


@pytest.mark.django_db
def test_dmca_warning_is_for_the_advocate_only(make_notice):
    notice = make_notice(Regime.DMCA)
    rendered = render_notice(notice)
    spec = regime_for(Regime.DMCA)
    assert spec.warning and "Lumen" in spec.warning and spec.advocate_only
    assert rendered.warnings == (spec.warning,)
    assert "Lumen" in rendered.preview_html and "recourse-notice-warning" in rendered.preview_html
    assert "Lumen" not in rendered.text and "Lumen" not in rendered.html
    assert "Lumen" not in pdf_text(render_notice_pdf(notice, compress=False))
    text = flat(rendered.text)
    assert "under penalty of perjury, I am authorized to act on behalf of the owner" in text
    assert "A photograph I took of myself in 2023." in text
    assert "not authorized by the copyright owner, its agent, or the law" in text
    for code in ("US", "EU", "UK", "AU"):
        assert regime_for(code).warning is None


@pytest.mark.django_db
def test_html_escapes_hostile_input(make_notice):
    hostile_url = 'https://www.reddit.com/r/x/comments/1/"><script>alert(1)</script>'
    notice = make_notice(
        urls=(hostile_url, "javascript:alert(2)//reddit.com/r/x/comments/2/"),
        good_faith_statement="I did not consent <script>alert(3)</script> & <b>never</b>",
        signature_name="<img src=x onerror=alert(4)>",
        context="evil\u202egnp.exe",
    )
    page = render_notice(notice).html
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in page and "&amp;" in page
    assert 'href="javascript:' not in page
    assert "\u202e" not in page


@pytest.mark.django_db
def test_text_wraps_at_78_and_never_breaks_urls(make_notice):
    long_url = "https://www.reddit.com/r/example/comments/" + "x" * 90 + "/post-with-hyphens-in-the-slug/"
    notice = make_notice(urls=(long_url, *URLS[:2]))
    text = render_notice(notice).text
    lines = text.splitlines()
    for line in lines:
        if len(line) > 78:
            # Only an unbreakable token (URL, hash) may overflow.
            assert max(len(tok) for tok in line.split()) > 78 - 24, line
    for url in (long_url, *URLS[:2]):
        assert any(url in line for line in lines), url


@pytest.mark.django_db
def test_pdf_is_a_pdf_and_compresses_by_default(make_notice):
    notice = make_notice()
    compressed = render_notice_pdf(notice)
    assert compressed.startswith(b"%PDF")
    assert len(compressed) < len(render_notice_pdf(notice, compress=False))


def _pdf_unicode_map(pdf: bytes) -> str:
    """The hex code points in the PDF's ToUnicode maps: what a reader copies out of the embedded fonts."""
    return " ".join(m.decode() for m in re.findall(rb"<([0-9A-F]{4,8})>", pdf))


@pytest.mark.django_db
def test_pdf_shows_every_character_in_many_scripts(make_notice):
    name = "Zoë Łukasz Ωmega Не давала עברית العربية हिन्दी"
    notice = make_notice(signature_name=name, good_faith_statement="Не давала согласия 😢 — “quoted”")
    assert check_completeness(notice_content(notice)).is_complete
    pdf = render_notice_pdf(notice, compress=False)
    assert pdf.startswith(b"%PDF") and b"/FontFile2" in pdf
    mapped = _pdf_unicode_map(pdf)
    # Ł, Ω, Cyrillic Н, Hebrew ע, Arabic ع, Devanagari ह and the emoji are all embedded and mapped back.
    for ch in "ŁΩНעعह😢":
        assert ch.encode("utf-16-be").hex().upper() in mapped, ch
    # The e-mail text keeps every character too.
    assert name in render_text(build_document(notice_content(notice)))


@pytest.mark.django_db
def test_characters_no_font_covers_refuse_the_notice_with_their_names(make_notice):
    notice = make_notice(signature_name="Li Lei 李雷")
    completeness = check_completeness(notice_content(notice))
    assert completeness.missing_keys == ("printable",)
    assert "李 雷" in completeness.missing[0].fix_hint
    with pytest.raises(UnprintableCharacters, match=r"李 \(U\+674E\), 雷 \(U\+96F7\)"):
        render_notice_pdf(notice)


@pytest.mark.django_db
def test_links_in_the_pdf_are_whole_and_clickable(make_notice):
    notice = make_notice()
    pdf = render_notice_pdf(notice, compress=False)
    uris = {m.decode() for m in re.findall(rb"/URI \((.*?)\)", pdf)}
    for url in URLS:
        assert url in uris
    assert any("/respond/" in uri for uri in uris)  # the response link in the summary row too


@pytest.mark.django_db
def test_low_quality_pdq_is_marked_and_never_the_primary_hash(make_notice):
    notice = make_notice(images=1)
    image = notice.case.images.get()
    image.pdq_quality = 32
    image.save(update_fields=["pdq_quality"])
    location = notice.locations.order_by("id").first()
    location.match_evidence = {"media_type": "image/png", "reference_sha256": image.sha256}
    location.save(update_fields=["match_evidence"])
    text = flat(render_notice(notice).text)
    assert "(quality 32) LOW CONFIDENCE: quality below 50; do not match on PDQ alone" in text
    # MD5 leads the image's rows and names the image in the reviewer's table; PDQ comes last.
    assert text.index("Image 1 MD5:") < text.index("Image 1 PDQ:")
    assert f"Shows reference image: Image 1 (MD5 {MD5})" in text
    assert "Media type: image/png" in text


@pytest.mark.django_db
def test_a_notice_never_reveals_the_case_reference():
    """Anyone who sees a notice (a forwarded e-mail, a published copy) must not learn the case reference, the
    key to the victim's sign-in: the notice reference is opaque."""
    from takedowns.services.notices import notices_draft
    from tests.factories import complete_case

    case = complete_case(urls=["https://www.reddit.com/r/x/comments/abc/post/"])
    (notice,) = notices_draft(case_id=case.pk)
    rendered = render_notice(notice)
    assert re.fullmatch(r"NT-[2-9A-Z]{4}-[2-9A-Z]{4}", notice.reference)
    for text in (rendered.subject, rendered.text, rendered.html, pdf_text(render_notice_pdf(notice))):
        assert case.reference not in text
        assert notice.reference in text
