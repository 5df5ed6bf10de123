"""Whether a notice's facts make a complete notice: the required elements per regime, present or missing.

A notice with anything missing must not be sent; each missing element carries a plain-words hint of where to
fix it (``elements``).
"""

from __future__ import annotations

from dataclasses import dataclass

from takedowns.notices.content.elements import element_text
from takedowns.notices.content.model import NoticeContent
from takedowns.notices.fonts import unprintable


@dataclass(frozen=True)
class Element:
    key: str
    label: str
    fix_hint: str


@dataclass(frozen=True)
class Completeness:
    regime: str
    present: tuple[Element, ...]
    missing: tuple[Element, ...]

    @property
    def is_complete(self) -> bool:
        return not self.missing

    @property
    def missing_keys(self) -> tuple[str, ...]:
        return tuple(e.key for e in self.missing)

    @property
    def present_keys(self) -> tuple[str, ...]:
        return tuple(e.key for e in self.present)


def _element(key: str, content: NoticeContent) -> Element:
    label, hint = element_text(key, content, typed_text=_typed_text(content))
    return Element(key=key, label=label, fix_hint=hint)


def _has(key: str, c: NoticeContent) -> bool:
    match key:
        case "signature":
            return bool(c.signature_name) and c.signed_at is not None
        case "representative":
            return bool(c.representative_name and c.representative_authority)
        case "location":
            return bool(c.locations) and not any(loc.is_bare_domain for loc in c.locations)
        case "good_faith" | "explanation":
            return bool(c.good_faith_statement)
        case "contact":
            return bool(c.contact_email or c.contact_phone)
        case "notifier":
            name = c.representative_name if c.is_representative else c.signature_name
            return bool(name) and "@" in c.contact_email
        case "bona_fide":
            return c.attest_accuracy
        case "s66b_basis":
            # The primary regime's statute is on the content (previews may blank it); the others from specs.
            return any("66B" in statute for statute in (c.statute, *(s.statute for s in c.specs[1:])))
        case "copyrighted_work":
            return bool(c.copyrighted_work)
        case "perjury":
            return c.attest_perjury and c.attest_accuracy
        case "statute":
            return bool(c.statute and c.section)
        case "deadline":
            return c.deadline_at is not None and c.response_hours > 0
        case "response_link":
            return "/respond/" in c.response_link
        case "reference":
            return bool(c.reference) and bool(c.notice_id)
        case "printable":
            return not unprintable(_typed_text(c))
        case "operator":
            return bool(c.operator.name and "@" in c.operator.email)
        case "escalated":
            return c.escalated is not None and c.escalated.sent_at is not None
    raise KeyError(key)


def _typed_text(c: NoticeContent) -> str:
    """Everything in the notice that someone typed (the rest is our own, printable, wording)."""
    parts = [
        c.platform_name,
        c.signature_name,
        c.representative_name,
        c.representative_relationship,
        c.representative_authority,
        c.good_faith_statement,
        c.context,
        c.copyrighted_work,
        c.contact_email,
        c.contact_phone,
        c.policy_name,
        c.trusted_flagger,
        c.operator.name,
        c.operator.postal_address,
        *(loc.url + " " + loc.uploader_handle + " " + loc.media_type for loc in c.locations),
    ]
    return "\n".join(parts)


# An upstream notice is sent by the organisation in its own name, about a platform notice that was
# delivered and ignored; DSA Art. 16(2) for an EU host is met by the same elements (the organisation is the
# notifier, its bona fide statement is its own).
UPSTREAM_REQUIRED = ("location", "escalated", "operator", "contact", "response_link", "reference", "printable")


def required_elements(content: NoticeContent) -> tuple[str, ...]:
    if content.kind != "platform":
        return UPSTREAM_REQUIRED
    # A notice citing several regimes needs every element of each (the union, in the order first met).
    keys: list[str] = []
    for spec in content.specs:
        keys += [key for key in spec.required if key not in keys]
    # The law asks a representative's signature to come with the basis of their authority (US (i)); the
    # other regimes have no rule, and the same facts answer the platform's first question anyway.
    if content.is_representative:
        keys.insert(keys.index("signature") + 1 if "signature" in keys else 0, "representative")
    return tuple(keys)


def check_completeness(content: NoticeContent) -> Completeness:
    """Which required elements of ``content``'s regime are present and which are missing."""
    present: list[Element] = []
    missing: list[Element] = []
    for key in required_elements(content):
        (present if _has(key, content) else missing).append(_element(key, content))
    return Completeness(regime=content.regime, present=tuple(present), missing=tuple(missing))
