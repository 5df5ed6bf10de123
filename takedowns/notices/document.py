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
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings

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
    return f"{content.spec.subject_prefix} — {n} URL{'' if n == 1 else 's'} — ref {content.reference}"


def deadline_sentence(content: NoticeContent) -> str:
    hours = content.response_hours
    if content.deadline_at is None:
        return f"Within {hours} hours of receipt of this notice."
    if content.deadline_projected:
        return (
            f"Within {hours} hours from receipt of this notice: by {utc(content.deadline_at)} if received "
            f"on {utc(content.generated_at)}."
        )
    return f"{utc(content.deadline_at)} ({hours} hours after this notice was delivered on {utc(content.sent_at)})."


def description_lines(content: NoticeContent, *, with_handles: bool = True) -> list[str]:
    """What the content is, in the words platforms' forms ask for under "describe the content". The document
    lists uploader accounts next to their URLs, so it passes ``with_handles=False``."""
    n = len(content.locations)
    lines = [
        f"The {'item' if n == 1 else f'{n} items'} listed {'is an' if n == 1 else 'are'} intimate "
        f"{'image' if n == 1 else 'images'} of the person shown, published on {clean(content.platform_name)} "
        "without their consent."
    ]
    if content.is_synthetic:
        lines.append(content.spec.synthetic_sentence)
    if content.is_threatened:
        line = "The person shown has also been threatened with the sharing of intimate images."
        if content.regime == "UK":
            line += " Threatening to share such an image is itself an offence under section 66B."
        lines.append(line)
    handles = sorted({clean(loc.uploader_handle) for loc in content.locations if loc.uploader_handle})
    if handles and with_handles:
        lines.append(f"Uploaded by: {', '.join(handles)}.")
    return lines


def account_action_sentence(content: NoticeContent) -> str:
    handles = [loc for loc in content.locations if loc.uploader_handle]
    if not handles:
        return ""
    plural = len({loc.uploader_handle for loc in handles}) > 1
    return (
        f"Account action: we ask you to review the account{'s' if plural else ''} named above and act under "
        "your policies on non-consensual intimate imagery (for example suspension), and to preserve "
        f"{'their' if plural else 'its'} records in case law enforcement requests them."
    )


def hash_rows(content: NoticeContent) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for image in content.hashes:
        if image.pdq:
            quality = f" (quality {image.pdq_quality})" if image.pdq_quality is not None else ""
            rows.append((f"{image.label} PDQ", f"{image.pdq}{quality}"))
        if image.md5:
            rows.append((f"{image.label} MD5", image.md5))
        if image.phash:
            rows.append((f"{image.label} pHash", image.phash))
        if image.sha256:
            rows.append((f"{image.label} SHA-256", image.sha256))
    return rows


def signature_rows(content: NoticeContent) -> list[tuple[str, str]]:
    rows = [("Signed by", f"/{clean(content.signature_name)}/" if content.signature_name else "")]
    if content.is_representative:
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


# --- the document ------------------------------------------------------------------------------------------


def _p(*parts: Inline, quote: bool = False) -> Paragraph:
    return Paragraph(parts=tuple(parts), quote=quote)


def _rows(rows: list[tuple[str, str]], heading: str = "") -> Rows:
    return Rows(rows=tuple((k, (v,)) for k, v in rows), heading=heading)


def build_document(content: NoticeContent) -> Document:
    spec = content.spec
    summary_rows: list[tuple[str, tuple[Inline, ...]]] = [
        ("Notice reference", (content.reference,)),
        ("Date", (utc(content.generated_at),)),
        ("Legal basis", (content.statute,)),
        ("Section", (content.section,)),
        (spec.deadline_label, (deadline_sentence(content),)),
        ("Respond at", (Link(content.response_link),)),
    ]
    sections: list[Section] = [
        Section(
            "Summary",
            (
                _p(
                    f"We ask {clean(content.platform_name)} to remove the intimate content listed below, which "
                    "was published without the consent of the person shown."
                ),
                Rows(rows=tuple(summary_rows)),
            ),
        )
    ]

    basis: list[Block] = [_p(text) for text in spec.basis]
    if content.trusted_flagger:
        basis.append(
            _p(
                f"This notice is submitted by {clean(content.trusted_flagger)}, a trusted flagger under Article 22 "
                "of the Digital Services Act: Article 22(1) requires it to be given priority and to be processed "
                "and decided upon without undue delay."
            )
        )
    sections.append(Section("Legal basis", tuple(basis)))

    n = len(content.locations)
    items = tuple(
        ListItem(
            parts=(Link(clean(loc.url)),),
            details=(((f"Uploaded by account: {clean(loc.uploader_handle)}",),) if loc.uploader_handle else ())
            + tuple((line,) for line in evidence_lines(loc.match_evidence)),
        )
        for loc in content.locations
    )
    location_blocks: list[Block] = [
        _p(f"Exact location{'s' if n != 1 else ''} of the content ({n} URL{'' if n == 1 else 's'}):"),
        BulletList(items),
    ]
    if action := account_action_sentence(content):
        location_blocks.append(_p(action))
    sections.append(Section("Content to remove", tuple(location_blocks)))

    statement: list[Block] = [_p(line) for line in description_lines(content, with_handles=False)]
    if content.regime == "DMCA" and content.copyrighted_work:
        statement.append(_rows([("Copyrighted work", clean(content.copyrighted_work))]))
    if content.good_faith_statement:
        statement.append(_p("Statement of good-faith belief that the depiction is not consensual:"))
        statement.append(_p(clean(content.good_faith_statement), quote=True))
    if content.context:
        statement.append(_p("Further information from the person shown:"))
        statement.append(_p(clean(content.context), quote=True))
    sections.append(Section("Description and statement", tuple(statement)))

    if content.hashes:
        sections.append(Section("Known identical copies", (_p(spec.copies_sentence), _rows(hash_rows(content)))))

    signature_blocks: list[Block] = [_p(text) for text in spec.closing if content.regime == "DMCA"]
    signature_blocks.append(_rows(signature_rows(content)))
    sections.append(Section("Signature", tuple(signature_blocks)))

    contact_blocks: list[Block] = [_rows(contact_rows(content))]
    if content.contact_private:
        contact_blocks.append(_p(RELAY_NOTE))
    sections.append(Section("Contact", tuple(contact_blocks)))

    response_blocks: list[Block] = [
        _rows([(spec.deadline_label, deadline_sentence(content))]),
        _p(spec.deadline_note),
        _p("Respond at: ", Link(content.response_link)),
        _p(response_sentence(content)),
    ]
    if content.regime != "DMCA":
        response_blocks.extend(_p(text) for text in spec.closing)
    sections.append(Section("Deadline and response", tuple(response_blocks)))

    notes: list[str] = [spec.warning] if spec.warning else []
    if content.regime == "DMCA" and content.is_synthetic:
        notes.append(
            "This case is marked AI-made: a DMCA notice only works if the material copies a photo or video the "
            "person shown owns. Check that before sending."
        )
    return Document(
        title=f"{spec.subject_prefix}",
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
    spec = content.spec

    def lines(rows: list[tuple[str, str]]) -> str:
        return "\n".join(f"{k}: {v}" for k, v in rows if v)

    pieces = [
        Piece("urls", "Content URLs (one per line)", "\n".join(clean(loc.url) for loc in content.locations)),
        Piece(
            "description",
            "Description of the content",
            "\n\n".join(
                [*description_lines(content), *filter(None, [account_action_sentence(content)])]
                + ([f"Further information: {clean(content.context)}"] if content.context else [])
            ),
        ),
        Piece(
            "legal_basis",
            "Legal basis",
            "\n\n".join([f"{content.statute} — {content.section}", *spec.basis]),
        ),
        Piece("good_faith", "Good-faith statement", clean(content.good_faith_statement)),
        Piece("signature", "Signature", lines(signature_rows(content))),
        Piece("contact", "Contact information", lines(contact_rows(content))),
    ]
    if content.hashes:
        pieces.append(
            Piece("hashes", "Image fingerprints (hashes)", spec.copies_sentence + "\n\n" + lines(hash_rows(content)))
        )
    pieces.append(
        Piece(
            "reference",
            "Notice reference and response link",
            f"Notice reference: {content.reference}\n{spec.deadline_label}: {deadline_sentence(content)}\n"
            f"Respond at: {content.response_link}",
        )
    )
    return pieces
