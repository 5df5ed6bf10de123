"""The one source of a notice's wording: a small document model built from a :class:`NoticeContent`.

:func:`build_document` turns the content into a :class:`Document` (title, recipient line, sections made of
paragraphs, bullet lists and key-value rows); ``render.py`` renders that same document as plain text, HTML
and PDF, and :func:`webform_pieces` cuts the same sentences into the copy-paste pieces that platforms' web
forms ask for. Every sentence is written once, here, so the three formats and the web-form text cannot
drift apart.

User-supplied strings (statements, URLs, handles, names) are cleaned of control and bidirectional-override
characters here, so that a hostile value cannot reorder or hide text in any format; escaping for HTML is the
HTML renderer's job.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings

from takedowns.notices import law
from takedowns.notices.content import NoticeContent
from takedowns.notices.evidence import evidence_lines

# --- the model ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """An absolute URL inside running text; rendered clickable only for http(s)."""

    url: str

    @property
    def is_web(self) -> bool:
        try:
            return urlsplit(self.url).scheme in ("http", "https")
        except ValueError:
            return False


Inline = str | Link


@dataclass(frozen=True)
class Paragraph:
    parts: tuple[Inline, ...]
    # A quotation of the victim's own words, set off from the portal's text.
    quote: bool = False


@dataclass(frozen=True)
class ListItem:
    parts: tuple[Inline, ...]
    details: tuple[tuple[Inline, ...], ...] = ()


@dataclass(frozen=True)
class BulletList:
    items: tuple[ListItem, ...]


@dataclass(frozen=True)
class Rows:
    """Key-value rows (a definition list)."""

    rows: tuple[tuple[str, tuple[Inline, ...]], ...]
    heading: str = ""


Block = Paragraph | BulletList | Rows


@dataclass(frozen=True)
class Section:
    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Document:
    title: str
    recipient: str
    subject: str
    sections: tuple[Section, ...]
    # For the advocate's preview only: never rendered into what the platform receives.
    advocate_notes: tuple[str, ...] = field(default=())
    lang: str = "en"


def plain(parts: tuple[Inline, ...]) -> str:
    """The text of inline parts, links as their URL."""
    return "".join(p.url if isinstance(p, Link) else p for p in parts)


# --- cleaning ----------------------------------------------------------------------------------------------

# Bidi overrides/isolates and zero-width characters can make a URL or name display as something else.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def clean(value: str) -> str:
    """Drop control characters (keeping line breaks and tabs as spaces) and invisible direction marks."""
    value = _INVISIBLE.sub("", value or "").replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return "".join(ch for ch in value if ch == "\n" or unicodedata.category(ch) != "Cc").strip()


def utc(dt: datetime | None) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if dt else ""


# --- shared sentences (used by the document and by the web-form pieces) ------------------------------------


def subject(content: NoticeContent) -> str:
    n = len(content.locations)
    return f"{title(content)} — {n} URL{'' if n == 1 else 's'} — ref {content.reference}"


def title(content: NoticeContent) -> str:
    if content.is_minor_content and content.regime != "DMCA":
        return "PRIORITY: apparent child sexual abuse material — removal request"
    if content.regime == "US" and content.tida_covered is False:
        return "Removal request: non-consensual intimate imagery"
    names = [content.spec.subject_prefix] + [spec.name for spec in content.specs[1:]]
    return " + ".join(names)


def _base(content: NoticeContent) -> datetime | None:
    # The clock counts from the recorded delivery (DESIGN.md §4); a draft projects from "now".
    return content.sent_at if not content.deadline_projected and content.sent_at else content.generated_at


def _when(content: NoticeContent, hours: int) -> str:
    base = _base(content)
    if base is None:
        return f"Within {hours} hours of receipt of this notice."
    due = base + timedelta(hours=hours)
    if content.deadline_projected:
        return f"Within {hours} hours from receipt of this notice: by {utc(due)} if received on {utc(base)}."
    return f"{utc(due)} ({hours} hours after this notice was delivered on {utc(base)})."


def deadline_sentence(content: NoticeContent) -> str:
    """The portal's clock (``response_hours``: the shortest period that applies, law.clock_hours)."""
    return _when(content, content.response_hours)


def deadline_rows(content: NoticeContent) -> list[tuple[str, str, str]]:
    """(label, when, note) per cited regime, each with the law's own period, never a registry's."""
    rows: list[tuple[str, str, str]] = []
    for spec in content.specs:
        code = spec.code
        if code == "US":
            if content.tida_covered is True:
                rows.append((spec.deadline_label, _when(content, law.TIDA_HOURS), spec.deadline_note))
            elif content.tida_covered is None:
                # §4(3): the duty binds covered platforms only; we do not know whether this recipient is one.
                rows.append(
                    (
                        "Statutory deadline if you are a covered platform (TAKE IT DOWN Act §3(a)(3), §4(3))",
                        _when(content, law.TIDA_HOURS),
                        spec.deadline_note,
                    )
                )
            else:
                rows.append(
                    (
                        "Requested response time (not a statutory deadline)",
                        _when(content, content.platform_hours),
                        "We ask for action within the time shown under your own policy; we do not claim a "
                        "statutory deadline for this request.",
                    )
                )
        elif code == "EU":
            rows.append((spec.deadline_label, _when(content, content.dsa_target_hours), spec.deadline_note))
        elif code == "UK":
            if content.uk_duty_in_force:
                rows.append((spec.deadline_label, _when(content, law.UK_HOURS), spec.deadline_note))
        elif code == "AU":
            rows.append((spec.deadline_label, _when(content, law.AU_ESCALATION_HOURS), spec.deadline_note))
        else:  # DMCA: 512(c)(1)(C) "expeditiously", no hours.
            rows.append((spec.deadline_label, _when(content, content.response_hours), spec.deadline_note))
    stated = [r for r in rows if r[1] == _when(content, content.response_hours)]
    if not stated and content.platform_hours == content.response_hours:
        # The registry records a faster response the platform itself promises; the law's periods stand.
        rows.append(
            (
                "Your own published response time",
                _when(content, content.response_hours),
                "This is the time your service says it responds in; it does not change any statutory period.",
            )
        )
    return rows


def description_lines(content: NoticeContent, *, with_handles: bool = True) -> list[str]:
    """What the content is, in the words platforms' forms ask for under "describe the content". The document
    lists uploader accounts next to their URLs, so it passes ``with_handles=False``."""
    n = len(content.locations)
    items = f"The {'item' if n == 1 else f'{n} items'} listed {'is' if n == 1 else 'are'}"
    if content.regime == "DMCA":
        # A copyright claim: no NCII framing (issue 10); the work and the owner's authority carry it.
        lines = [
            f"{items} published on {clean(content.platform_name)} without the authorisation of the copyright "
            f"owner and {'copies' if n == 1 else 'copy'} the copyrighted work identified below."
        ]
    elif content.is_minor_content:
        lines = [
            f"{items} {'a ' if n == 1 else ''}sexually explicit {'image' if n == 1 else 'images'} of a person "
            f"who was under 18 when {'it was' if n == 1 else 'they were'} made, published on "
            f"{clean(content.platform_name)}."
        ]
    else:
        lines = [
            f"{items} {'an ' if n == 1 else ''}intimate {'image' if n == 1 else 'images'} of the person shown, "
            f"published on {clean(content.platform_name)} without their consent."
        ]
    if content.is_synthetic:
        lines.append(content.spec.synthetic_sentence)
    if content.is_threatened:
        line = "The person shown has also been threatened with the sharing of intimate images."
        if "UK" in content.cites:
            # Sexual Offences Act 2003 s.66B(4): threatening to share is itself an offence.
            line += " Threatening to share such an image is itself an offence under section 66B."
        lines.append(line)
    handles = sorted({clean(loc.uploader_handle) for loc in content.locations if loc.uploader_handle})
    if handles and with_handles:
        lines.append(f"Uploaded by: {', '.join(handles)}.")
    return lines


def _handles(content: NoticeContent) -> list[str]:
    return sorted({clean(loc.uploader_handle) for loc in content.locations if loc.uploader_handle})


def account_action_paragraphs(content: NoticeContent) -> list[str]:
    """Where the uploader's handle is known: ask for action on the account (issue 14, from the seed petition:
    freeze and ban accounts that post NCII). A request under the platform's own policy everywhere; the one
    statute that speaks of suspending accounts (DSA Art. 23(1)) is quoted for what it says, not claimed to
    require suspending this account."""
    handles = _handles(content)
    if not handles:
        return []
    plural = len(handles) > 1
    the = f"the account{'s' if plural else ''} named above"
    them = "them" if plural else "it"
    keep = f"and to preserve {'their' if plural else 'its'} records in case law enforcement requests them"
    if content.regime == "DMCA":
        # 17 U.S.C. 512(i)(1)(A): the safe harbours need a policy of terminating, in appropriate circumstances,
        # the accounts of repeat infringers. A condition of the safe harbour, not a duty owed to us: asked.
        # No NCII framing here (issue 10): a DMCA notice may be forwarded to the uploader and published.
        first = (
            f"Account action: we ask you to review {the} under your repeat-infringer policy (17 U.S.C. "
            f"512(i)(1)(A)), to terminate {them} in appropriate circumstances, {keep}."
        )
    elif content.is_minor_content:
        # No statute cited for the account: 18 U.S.C. 2258A (above) is about reporting and preserving.
        first = (
            f"Account action: we ask you to review {the}, to suspend or remove {them} under your policies on child "
            f"sexual exploitation, {keep}."
        )
    else:
        # A request under the platform's own policy: no statute of the regimes cited requires a platform to
        # suspend the account named in one notice (reference/escalation.md §5).
        first = (
            f"Account action: we ask you to review {the}, to suspend or remove {them} under your policies on "
            f"non-consensual intimate imagery, {keep}."
        )
    paragraphs = [first]
    if "EU" in content.cites and content.regime != "DMCA" and content.tida_covered is not False:
        # DSA Art. 23(1): "Providers of online platforms shall suspend, for a reasonable period of time and after
        # having issued a prior warning, the provision of their services to recipients of the service that
        # frequently provide manifestly illegal content." Online platforms only (Art. 3(i)), not micro or small
        # enterprises (Art. 19); a search engine or CDN (tida_covered False in the registry) is not one.
        paragraphs.append(
            "Article 23(1) of the Digital Services Act requires providers of online platforms to suspend, for a "
            "reasonable period and after a prior warning, users who frequently provide manifestly illegal "
            f"content. Please take this notice into account when you assess {the}."
        )
    return paragraphs


def account_action_sentence(content: NoticeContent) -> str:
    """The account-action paragraphs as one text ("" when no uploader handle is known)."""
    return "\n\n".join(account_action_paragraphs(content))


def reupload_paragraphs(content: NoticeContent) -> list[str]:
    """Ask the platform to block re-uploads by fingerprint, in every notice. A duty is named only where the law
    puts one: the TAKE IT DOWN Act's §3(a)(3) duty covers known identical copies on the service, not future
    uploads, so blocking them is always a request under the platform's own policy."""
    dmca = content.regime == "DMCA"
    if content.hashes:
        ask = (
            "Re-uploads: we ask you to block new uploads of this content that match the fingerprints listed under "
            '"Known identical copies" (PDQ, MD5 and pHash), and to hash what you remove so that your own matching '
            "finds it too."
        )
    else:
        ask = "Re-uploads: we ask you to hash what you remove and to block new uploads that match it."
    paragraphs = [ask]
    if not dmca and "US" in content.cites and content.tida_covered is not False:
        # TAKE IT DOWN Act §3(a)(3): "reasonable efforts to identify and remove any known identical copies" —
        # copies on the service; blocking future uploads goes beyond it. Covered platforms only (§4(3)).
        lead = "If you are a covered platform, the" if content.tida_covered is None else "The"
        paragraphs.append(
            f"{lead} TAKE IT DOWN Act's duty covers known identical copies on your service (Section 3(a)(3)); "
            "blocking future uploads is a request under your own policy."
        )
    else:
        paragraphs.append("This is a request under your own policy; we do not claim a legal duty to block re-uploads.")
    programmes = set(content.hash_programmes)
    if not dmca and not content.is_minor_content and "stopncii" in programmes:
        # reference/platforms.md (registry: hash_programmes): the recipient takes StopNCII.org hashes, which the
        # person shown can create on their own device (adults only).
        paragraphs.append(
            "Your service takes hashes from StopNCII.org: if the person shown also creates a StopNCII case (hashed on "
            "their own device), please match those hashes too."
        )
    if not dmca and content.is_minor_content and "takeitdown" in programmes:
        # NCMEC's Take It Down (content made under 18): hashes made on the person's device, shared with partners.
        paragraphs.append(
            "Your service takes hashes from NCMEC's Take It Down: the person shown has been pointed to it; please "
            "match the hashes it sends you."
        )
    return paragraphs


def account_reupload_blocks(content: NoticeContent) -> list[Paragraph]:
    """The "Account and re-uploads" section: the asks, and how to answer them."""
    texts = [*account_action_paragraphs(content), *reupload_paragraphs(content)]
    what = "about the account and about re-uploads" if _handles(content) else "about re-uploads"
    texts.append(f"Please tell us what you did {what} when you respond at the link in this notice.")
    return [_p(text) for text in texts]


NEUTRAL_COPIES = (
    "To help you find identical copies of this content on your service, the fingerprints of the reference "
    "images are listed below (PDQ, MD5 and pHash). The images themselves are never sent."
)


def copies_sentence(content: NoticeContent) -> str:
    """The primary regime's "copies" sentence; TIDA's §3(a)(3) duty only where it binds the recipient."""
    if content.regime == "US" and content.tida_covered is False:
        return NEUTRAL_COPIES
    if content.regime == "US" and content.tida_covered is None:
        return (
            "If you are a covered platform (Section 4(3)), "
            + content.spec.copies_sentence[0].lower()
            + (content.spec.copies_sentence[1:])
        )
    return content.spec.copies_sentence


def legal_basis_rows(content: NoticeContent) -> tuple[str, str]:
    """(statutes, sections) for the summary: a non-covered recipient gets a request, not a statutory notice."""
    statutes, sections = [], []
    for spec in content.specs:
        if spec.code == "US" and content.tida_covered is False:
            statutes.append("Your own policy (no statutory duty claimed)")
            sections.append("request with the elements of TAKE IT DOWN Act §3(a)(1)(B)")
        else:
            statutes.append(spec.statute)
            sections.append(spec.section)
    return "; ".join(statutes), "; ".join(sections)


def _primary(image) -> str:
    # PDQ is what StopNCII/NCMEC/HMA exchange, so it leads, unless its quality is below 50 (low confidence).
    if image.pdq and not image.pdq_low_confidence:
        return f"PDQ {image.pdq}"
    return f"MD5 {image.md5}" if image.md5 else f"SHA-256 {image.sha256}"


def hash_rows(content: NoticeContent) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for image in content.hashes:
        pdq_row: tuple[str, str] | None = None
        if image.pdq:
            quality = f" (quality {image.pdq_quality})" if image.pdq_quality is not None else ""
            if image.pdq_low_confidence:
                quality += " LOW CONFIDENCE: quality below 50; do not match on PDQ alone"
            pdq_row = (f"{image.label} PDQ", f"{image.pdq}{quality}")
        if pdq_row and not image.pdq_low_confidence:
            rows.append(pdq_row)
        if image.md5:
            rows.append((f"{image.label} MD5", image.md5))
        if image.phash:
            rows.append((f"{image.label} pHash", image.phash))
        if image.sha256:
            rows.append((f"{image.label} SHA-256", image.sha256))
        if pdq_row and image.pdq_low_confidence:
            rows.append(pdq_row)
    return rows


def location_details(content: NoticeContent, loc) -> list[str]:
    """The reviewer's table, one row per URL: media type, uploader, the reference image it shows (by hash)."""
    details = [f"Media type: {clean(loc.media_type)}" if loc.media_type else "Media type: not yet checked"]
    if loc.uploader_handle:
        details.append(f"Uploaded by account: {clean(loc.uploader_handle)}")
    image = next((h for h in content.hashes if h.label == loc.reference_label), None)
    if image is not None:
        details.append(f"Shows reference image: {image.label} ({_primary(image)})")
    details += evidence_lines(loc.match_evidence)
    return details


def signature_rows(content: NoticeContent) -> list[tuple[str, str]]:
    rows = [("Signed by", f"/{clean(content.signature_name)}/" if content.signature_name else "")]
    if content.is_organisation:
        rows.append(("Capacity", "Organisation acting for the person shown"))
        if content.representative_name and content.representative_name != content.signature_name:
            rows.append(("Organisation", clean(content.representative_name)))
        rows.append(("Authority", clean(content.representative_authority)))
    elif content.is_representative:
        rows.append(("Capacity", "Authorised representative of the person shown"))
        if content.representative_name and content.representative_name != content.signature_name:
            rows.append(("Representative", clean(content.representative_name)))
        if content.representative_relationship:
            rows.append(("Relationship", clean(content.representative_relationship)))
        rows.append(("Authority", clean(content.representative_authority)))
    else:
        rows.append(("Capacity", "The person shown in the content"))
    rows.append(("Signed on", utc(content.signed_at)))
    return rows


def contact_rows(content: NoticeContent) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    if content.contact_email:
        rows.append(("E-mail", clean(content.contact_email)))
    if content.contact_phone:
        rows.append(("Phone", clean(content.contact_phone)))
    if content.regime == "DMCA":
        # 17 U.S.C. 512(c)(3)(A)(iv): "address, telephone number, and, if available, an electronic mail
        # address" of the complaining party: the advocate organisation, acting as agent.
        op = content.operator
        rows.append(("Agent", clean(op.name)))
        rows.append(("Agent's postal address", clean(op.postal_address)))
        rows.append(("Agent's phone", clean(op.phone)))
    return rows


def operator_rows(content: NoticeContent) -> list[tuple[str, tuple[Inline, ...]]]:
    op = content.operator
    rows: list[tuple[str, tuple[Inline, ...]]] = [
        ("Organisation", (clean(op.name),)),
        ("Postal address", (clean(op.postal_address),)),
        ("Contact", (clean(op.email) + (f", {clean(op.phone)}" if op.phone else ""),)),
    ]
    if op.website:
        rows.append(("Website", (Link(clean(op.website)),)))
    return rows


RELAY_NOTE = (
    "This address is a relay run by the portal sending this notice: your reply reaches the person shown, or "
    "their representative, without revealing their own address."
)


def response_sentence(content: NoticeContent) -> str:
    return (
        "Use this link to acknowledge this notice, report the removal, ask for more information or dispute "
        f"it. It needs no account and is valid for {settings.RESPONSE_LINK_MAX_AGE_DAYS} days. You may also "
        "reply to the contact address above."
    )


# DSA Art. 16(2)(d): "a statement confirming the bona fide belief of the individual or entity submitting the
# notice that the information and allegations contained therein are accurate and complete". Printed only
# when the filer ticked it (intake: attest_accuracy; API: attest_accuracy=true).
BONA_FIDE = (
    "I confirm my bona fide belief that the information and allegations contained in this notice are accurate "
    "and complete (Digital Services Act, Article 16(2)(d))."
)


def minor_blocks(content: NoticeContent) -> list[Paragraph]:
    return [
        _p(
            "The person shown was under 18 when this content was made. It is apparent child sexual abuse "
            "material. Please treat this notice with priority and remove or disable access to it at once."
        ),
        # 18 U.S.C. 2258A(a)(1): providers of an electronic communication service or remote computing service
        # must report apparent child pornography to NCMEC's CyberTipline once they obtain actual knowledge.
        _p(
            "If you provide an electronic communication service or remote computing service to the public, 18 "
            "U.S.C. 2258A(a) requires you to report apparent child sexual abuse material to the CyberTipline of "
            "the National Center for Missing & Exploited Children (NCMEC) as soon as reasonably possible after "
            "you obtain actual knowledge of it, and 2258A(h) requires you to preserve what you report."
        ),
        _p(
            "No images are attached to this notice and this portal holds none: the person shown has been "
            "pointed to NCMEC's Take It Down service (hashing on their own device) and the CyberTipline."
        ),
    ]


def _legal_basis(content: NoticeContent) -> list[Block]:
    blocks: list[Block] = []
    for spec in content.specs:
        if spec.code == "US" and content.tida_covered is False:
            blocks.append(_p("Request under your own policy"))
            # §4(3): search engines, CDNs and hosts are probably not "covered platforms"; claim no duty.
            blocks.append(
                _p(
                    "This request contains the four elements of a TAKE IT DOWN Act request (Section 3(a)(1)(B): "
                    "signature, identification and location, good-faith statement, contact information). We do "
                    "not claim that the Act's removal duty binds you: it applies to covered platforms (Section "
                    "4(3)). We ask you to act under your own policy."
                )
            )
            continue
        blocks.append(_p(f"{spec.statute} — {spec.section}"))
        texts = list(spec.basis)
        if spec.code == "US" and content.tida_covered is None:
            texts.append(
                "The Act's removal duty binds a covered platform (Section 4(3)): a public website, online "
                "service or application that primarily provides a forum for user-generated content. If that "
                "is you, the deadline below is statutory."
            )
        if spec.code == "AU" and content.jurisdiction == "AU":
            # Part 6 (s.32): the filer told us the person shown lives in Australia.
            texts.append("The person shown is an Australian resident.")
        if spec.code == "UK" and not content.uk_duty_in_force:
            texts.append(
                "A duty to remove reported intimate image content within 48 hours (Online Safety Act 2023 "
                "s.10(3A), added by the Crime and Policing Bill) is not yet in force; we ask you to act as "
                "quickly."
            )
        blocks.extend(_p(text) for text in texts)
    if content.trusted_flagger:
        # DSA Art. 22(1): notices from trusted flaggers are given priority and decided without undue delay.
        blocks.append(
            _p(
                f"This notice is submitted by {clean(content.trusted_flagger)}, a trusted flagger under Article 22 "
                "of the Digital Services Act: Article 22(1) requires it to be given priority and to be processed "
                "and decided upon without undue delay."
            )
        )
    if content.policy_name or content.policy_url:
        parts: list[Inline] = [
            f"The content also breaches your own policy: {clean(content.policy_name) or 'your published policy'}"
        ]
        if content.policy_url:
            parts += [" (", Link(clean(content.policy_url)), ")"]
        parts.append(".")
        blocks.append(Paragraph(parts=tuple(parts)))
    return blocks


# --- the document ------------------------------------------------------------------------------------------


def _p(*parts: Inline, quote: bool = False) -> Paragraph:
    return Paragraph(parts=tuple(parts), quote=quote)


def _rows(rows: list[tuple[str, str]], heading: str = "") -> Rows:
    return Rows(rows=tuple((k, (v,)) for k, v in rows), heading=heading)


def build_document(content: NoticeContent) -> Document:
    spec = content.spec
    deadlines = deadline_rows(content)
    summary_rows: list[tuple[str, tuple[Inline, ...]]] = [
        ("Notice reference", (content.reference,)),
        ("Date", (utc(content.generated_at),)),
        ("Legal basis", (legal_basis_rows(content)[0],)),
        ("Section", (legal_basis_rows(content)[1],)),
        *[(label, (when,)) for label, when, _note in deadlines],
        ("Respond at", (Link(content.response_link),)),
    ]
    if content.policy_name or content.policy_url:
        policy: list[Inline] = [clean(content.policy_name)] if content.policy_name else []
        if content.policy_url:
            policy += [" " if policy else "", Link(clean(content.policy_url))]
        summary_rows.append(("Your policy", tuple(policy)))
    if content.regime == "DMCA":
        ask = f"We ask {clean(content.platform_name)} to remove or disable access to the material listed below."
    elif content.is_minor_content:
        ask = (
            f"We ask {clean(content.platform_name)} to remove, with priority, the content listed below: sexual "
            "images of a person who was under 18 when they were made."
        )
    else:
        ask = (
            f"We ask {clean(content.platform_name)} to remove the intimate content listed below, which was "
            "published without the consent of the person shown."
        )
    summary: list[Block] = [_p(ask), Rows(rows=tuple(summary_rows))]
    sections: list[Section] = []
    if content.is_minor_content and content.regime != "DMCA":
        sections.append(Section("Priority: apparent child sexual abuse material", tuple(minor_blocks(content))))
    sections.append(Section("Summary", tuple(summary)))
    sections.append(Section("Legal basis", tuple(_legal_basis(content))))

    n = len(content.locations)
    items = tuple(
        ListItem(parts=(Link(clean(loc.url)),), details=tuple((d,) for d in location_details(content, loc)))
        for loc in content.locations
    )
    location_blocks: list[Block] = [
        _p(f"Exact location{'s' if n != 1 else ''} of the content ({n} URL{'' if n == 1 else 's'}):"),
        BulletList(items),
    ]
    sections.append(Section("Content to remove", tuple(location_blocks)))

    statement: list[Block] = [_p(line) for line in description_lines(content, with_handles=False)]
    if content.regime == "DMCA" and content.copyrighted_work:
        statement.append(_rows([("Copyrighted work", clean(content.copyrighted_work))]))
    # A DMCA notice carries the fixed 512(c)(3)(A)(v) sentence instead of the victim's own words, which speak
    # of consent, not copyright, and would be forwarded to the uploader and published to Lumen.
    if content.good_faith_statement and content.regime != "DMCA":
        statement.append(_p("Statement of good-faith belief that the depiction is not consensual:"))
        statement.append(_p(clean(content.good_faith_statement), quote=True))
    if content.context and content.regime != "DMCA":
        statement.append(_p("Further information from the person shown:"))
        statement.append(_p(clean(content.context), quote=True))
    sections.append(Section("Description and statement", tuple(statement)))

    if content.hashes:
        sections.append(Section("Known identical copies", (_p(copies_sentence(content)), _rows(hash_rows(content)))))
    sections.append(Section("Account and re-uploads", tuple(account_reupload_blocks(content))))

    signature_blocks: list[Block] = [_p(text) for text in spec.closing if content.regime == "DMCA"]
    if "EU" in content.cites and content.attest_accuracy:
        signature_blocks.append(_p(BONA_FIDE))
    signature_blocks.append(_rows(signature_rows(content)))
    sections.append(Section("Signature", tuple(signature_blocks)))

    contact_blocks: list[Block] = [_rows(contact_rows(content))]
    if content.contact_private:
        contact_blocks.append(_p(RELAY_NOTE))
    sections.append(Section("Contact", tuple(contact_blocks)))
    sections.append(Section("Sent by", (Rows(rows=tuple(operator_rows(content))),)))

    response_blocks: list[Block] = []
    for label, when, note in deadlines:
        response_blocks += [_rows([(label, when)]), _p(note)]
    response_blocks += [_p("Respond at: ", Link(content.response_link)), _p(response_sentence(content))]
    for cited in content.specs:
        if cited.code == "DMCA" or (cited.code == "US" and content.tida_covered is not True):
            # Safe harbour (§3(a)(4)) and FTC enforcement (§3(b)) concern covered platforms only.
            continue
        response_blocks.extend(_p(text) for text in cited.closing)
    sections.append(Section("Deadline and response", tuple(response_blocks)))

    notes: list[str] = [spec.warning] if spec.warning else []
    if content.regime == "DMCA" and content.is_synthetic:
        notes.append(
            "This case is marked AI-made: a DMCA notice only works if the material copies a photo or video the "
            "person shown owns. Check that before sending."
        )
    return Document(
        title=title(content),
        recipient=f"To: {clean(content.platform_name)} — trust and safety / legal team",
        subject=subject(content),
        sections=tuple(sections),
        advocate_notes=tuple(notes),
    )


# --- web-form pieces ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    key: str
    label: str
    text: str


def webform_pieces(content: NoticeContent) -> list[Piece]:
    """The notice cut into the fields platforms' NCII web forms ask for, each ready to copy and paste."""

    def lines(rows: list[tuple[str, str]]) -> str:
        return "\n".join(f"{k}: {v}" for k, v in rows if v)

    dmca = content.regime == "DMCA"
    # DMCA: the fixed 512(c)(3)(A)(v)-(vi) statements, never the victim's words about consent (see the document).
    good_faith = "\n\n".join(content.spec.closing) if dmca else clean(content.good_faith_statement)
    extra = [f"Further information: {clean(content.context)}"] if content.context and not dmca else []
    pieces = [
        Piece("urls", "Content URLs (one per line)", "\n".join(clean(loc.url) for loc in content.locations)),
        Piece(
            "description",
            "Description of the content",
            "\n\n".join([*description_lines(content), *account_action_paragraphs(content), *extra]),
        ),
        Piece(
            "legal_basis",
            "Legal basis",
            "\n\n".join(plain(b.parts) for b in _legal_basis(content) if isinstance(b, Paragraph)),
        ),
        Piece("good_faith", "Good-faith statement", good_faith),
        Piece("signature", "Signature", lines(signature_rows(content))),
        Piece("contact", "Contact information", lines(contact_rows(content))),
    ]
    if content.hashes:
        pieces.append(
            Piece(
                "hashes", "Image fingerprints (hashes)", copies_sentence(content) + "\n\n" + lines(hash_rows(content))
            )
        )
    pieces.append(Piece("reuploads", "Re-uploads (blocking by fingerprint)", "\n\n".join(reupload_paragraphs(content))))
    pieces.append(
        Piece(
            "reference",
            "Notice reference and response link",
            f"Notice reference: {content.reference}\n"
            + "".join(f"{label}: {when}\n" for label, when, _note in deadline_rows(content))
            + f"Respond at: {content.response_link}",
        )
    )
    return pieces
