"""Upstream notices: what the CDN, the hosting provider and the registrar of a website read when the
website ignored its removal notice. One document (rendered to text, HTML and PDF by ``render.py``) and its
copy-paste pieces, for Cloudflare's NCSEI form among others.

What each says: the URLs, the fingerprints linked to them (``content.hashes``: the same data minimisation as the
platform notice, never a SHA-256), the ignored notice's reference, when it was delivered and the deadline it
missed, the provider's acceptable-use policy, and a legal duty only where the law puts one on that provider:

- an EU hosting service: a DSA Art. 16 notice (Regulation (EU) 2022/2065 Art. 16(2)-(6), Art. 6(1)(b));
- a CDN: none claimed (a caching service, DSA Art. 5, is not the host; reference/escalation.md §3);
- an ICANN-accredited registrar (it has an IANA id): its undertaking in RAA 2013 §3.18.1, a contract with ICANN,
  not a statute (reference/escalation.md §4); a ccTLD registrar is asked under its own policy;
- a UK host, for a victim in the UK: the content is an offence under the Sexual Offences Act 2003 s.66B (no duty
  on the host claimed); an Australian host, for a victim in Australia: eSafety's power to order hosting service
  providers to remove it within 24 hours (Online Safety Act 2021 (Cth) Part 6).

The notice is sent in the organisation's name (settings.OPERATOR_*): it may be forwarded to the website's
operator (Cloudflare forwards complete reports to the host and the site owner), so it carries neither the
victim's name nor their contact details; replies reach the portal through the notice's relay address.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from takedowns.notices.content import NoticeContent
from takedowns.notices.document import (
    Document,
    Inline,
    Link,
    Paragraph,
    Piece,
    Rows,
    Section,
    clean,
    deadline_sentence,
    hash_rows,
    location_list,
    minor_blocks,
    operator_rows,
    plain,
    utc,
)

# The 27 member states, as RDAP spells their countries (ISO 3166-1 alpha-2; Greece is GR there, EL in EU usage).
EU_MEMBER_STATES = frozenset(
    {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE"}
    | {"IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}
)

ROLE = {
    "cdn": "the content delivery network (reverse proxy) in front of the website",
    "host": "the network hosting the website",
    "registrar": "the registrar of the website's domain",
}


def is_eu_host(content: NoticeContent) -> bool:
    return content.kind == "host" and content.provider_country in EU_MEMBER_STATES


def hosts(content: NoticeContent) -> list[str]:
    return list(dict.fromkeys((urlsplit(loc.url).hostname or "").lower() for loc in content.locations))


def title(content: NoticeContent) -> str:
    if is_eu_host(content):
        return "Notice under Article 16 of the Digital Services Act: non-consensual intimate imagery on your network"
    return {
        "cdn": "Abuse report: non-consensual intimate imagery served through your network",
        "host": "Abuse report: non-consensual intimate imagery hosted on your network",
        "registrar": "Abuse report: non-consensual intimate imagery on a domain you sponsor",
    }.get(content.kind, "Abuse report: non-consensual intimate imagery")


def subject(content: NoticeContent) -> str:
    n = len(content.locations)
    return f"{title(content)} — {n} URL{'' if n == 1 else 's'} — ref {content.reference}"


def ask(content: NoticeContent) -> str:
    name = clean(content.platform_name)
    sites = ", ".join(hosts(content))
    if content.kind == "cdn":
        return (
            f"We ask {name} to forward this report to its customer ({sites}) and to the hosting provider of the "
            "website, and to stop serving the URLs listed below."
        )
    if content.kind == "registrar":
        return (
            f"We ask {name} to investigate this report of illegal content on {sites}, to respond to it, and to "
            "have the domain's registrant remove the content listed below."
        )
    return f"We ask {name} to remove or disable access to the content listed below, or to have its customer do so."


def _overdue_hours(content: NoticeContent, now: datetime) -> int | None:
    ignored = content.escalated
    if ignored is None or ignored.due_at is None or ignored.due_at >= now:
        return None
    return int((now - ignored.due_at).total_seconds() // 3600)


def facts(content: NoticeContent) -> str:
    """The ignored notice: its reference, when it was delivered, the deadline it missed, what happened since."""
    ignored = content.escalated
    if ignored is None:
        return ""
    channel = "through its web form" if ignored.channel == "webform" else "by e-mail"
    text = (
        f"On {utc(ignored.sent_at)} we sent {clean(ignored.platform_name)}, the operator of the website, a "
        f"removal notice {channel} (reference {ignored.reference}) for the intimate images listed below, published "
        f"without the consent of the person shown. Its response deadline was {utc(ignored.due_at)}."
    )
    hours = _overdue_hours(content, content.generated_at)
    if ignored.status == "disputed":
        text += f" {clean(ignored.platform_name)} refused to remove the content."
    elif hours is not None:
        text += (
            f" {clean(ignored.platform_name)} has not removed the content: the deadline passed {hours} "
            f"hour{'' if hours == 1 else 's'} before this notice."
        )
    else:
        text += f" {clean(ignored.platform_name)} has not removed the content."
    return text + f" We write to you as {ROLE.get(content.kind, 'a provider serving the website')}."


def description(content: NoticeContent) -> list[str]:
    n = len(content.locations)
    site = clean(content.escalated.platform_name) if content.escalated else "the website"
    lines = [
        f"The {'item' if n == 1 else f'{n} items'} listed {'is an intimate image' if n == 1 else 'are intimate images'}"
        f" of the person shown, published on {site} without their consent."
    ]
    if content.is_synthetic:
        lines.append(
            "The images were made or altered with AI (digital forgeries): they falsely show the person in an intimate "
            "state."
        )
    lines.append(
        "The person shown filed a signed request with us"
        + (f" on {utc(content.signed_at)}" if content.signed_at else "")
        + ", stating their good-faith belief that the images were shared without consent. Their name and contact "
        "details are withheld because this report may be forwarded to the website's operator; write to the "
        "address below and we will pass on what is needed."
    )
    return lines


def policy_parts(content: NoticeContent) -> tuple[Inline, ...]:
    """The provider's own acceptable-use policy: named where the registry knows it, else in general terms
    (hosts' and CDNs' policies ban unlawful, harassing and privacy-violating content: reference/escalation.md §4)."""
    parts: list[Inline] = [
        "Acceptable-use policies of hosting and network providers forbid unlawful, harassing and privacy-violating "
        "content, including intimate images shared without consent. We ask you to apply yours"
    ]
    if content.policy_name or content.policy_url:
        parts.append(f" ({clean(content.policy_name)}" if content.policy_name else " (")
        if content.policy_url:
            parts += [" " if content.policy_name else "", Link(clean(content.policy_url))]
        parts.append(")")
    parts.append(".")
    return tuple(parts)


def duty_paragraphs(content: NoticeContent) -> list[str]:
    """The legal sentences that apply to this provider, each with its source; none where none applies."""
    if is_eu_host(content):
        # Regulation (EU) 2022/2065 (DSA): Art. 16(1)-(2) notice and its elements; Art. 16(3) actual knowledge for
        # Art. 6; Art. 6(1)(b) the exemption holds only if the provider acts expeditiously; Art. 16(4) confirm
        # receipt; Art. 16(5) decision and redress; Art. 16(6) timely, diligent, non-arbitrary, objective.
        return [
            f"You provide a hosting service from a member state of the European Union ({content.provider_country}). "
            "This is a notice under Article 16 of the Digital Services Act (Regulation (EU) 2022/2065).",
            # Art. 16(2)(a) and 16(3): knowledge follows from a notice that explains why the content is illegal,
            # so the illegality comes first (the offence is the member state's own until Directive (EU) 2024/1385
            # Art. 5 is transposed, by 14 June 2027).
            "The content is illegal: it is an intimate image of a person shared without their consent, which is a "
            "criminal offence under the law of the member state concerned; Directive (EU) 2024/1385, Article 5, "
            "requires every member state to make it one by 14 June 2027. It is illegal content within the meaning "
            "of Article 3(h) of the Digital Services Act.",
            "Under Article 16(3) this notice gives you actual knowledge of the illegal content for the purposes of "
            "Article 6: the exemption from liability for hosted content holds only if you act expeditiously to "
            "remove or disable access to it (Article 6(1)(b)).",
            "Article 16(4) to (6) ask you to confirm receipt of this notice, to decide on it in a timely, diligent, "
            "non-arbitrary and objective manner, and to tell us your decision and the possibilities for redress "
            "without undue delay.",
        ]
    if content.kind == "cdn":
        # A pass-through CDN caches the site (DSA Art. 5), it is not the host: reference/escalation.md §3.
        return [
            "You cache or pass on this website's content; you are not its host. We do not claim that a statute "
            "obliges you to act on this report: we ask you to act under your own policy and to pass the report on "
            "to your customer and to the host."
        ]
    if content.kind == "registrar":
        if content.provider_registrar_id:
            # ICANN 2013 Registrar Accreditation Agreement §3.18.1 (reference/escalation.md §4): an undertaking to
            # ICANN; the 2024 DNS-abuse amendment does not cover NCII, so only §3.18.1 is cited.
            return [
                f"As an ICANN-accredited registrar (IANA ID {clean(content.provider_registrar_id)}) you undertook, in "
                "section 3.18.1 of the 2013 Registrar Accreditation Agreement, to take reasonable and prompt steps "
                "to investigate and respond appropriately to reports of abuse, including reports of illegal "
                "activity, involving the domain names you sponsor. We ask you to do so for this domain."
            ]
        return [
            "We ask you to act under your registration policy; we do not claim an obligation under ICANN's "
            "Registrar Accreditation Agreement, which covers generic top-level domains."
        ]
    lines: list[str] = []
    if content.kind == "host" and content.provider_country == "GB" and content.jurisdiction == "UK":
        # Sexual Offences Act 2003 s.66B (inserted by the Online Safety Act 2023 s.188): an offence of the sharer;
        # the Online Safety Act's duties bind user-to-user services, not their hosts, so no duty is claimed.
        lines.append(
            "Sharing an intimate photograph or film of a person without their consent is an offence under section "
            "66B of the Sexual Offences Act 2003. We do not claim that the Online Safety Act's duties bind you; we "
            "ask you to act under your own policy."
        )
    if content.kind == "host" and content.provider_country == "AU" and content.jurisdiction == "AU":
        # Online Safety Act 2021 (Cth) Part 6: eSafety may give removal notices (24 hours) to the service, the
        # poster or the hosting service provider; a report from us is not such a notice.
        lines.append(
            "The person shown lives in Australia. The eSafety Commissioner may give a hosting service provider a "
            "removal notice for an intimate image shared without consent, to be complied with within 24 hours "
            "(Online Safety Act 2021 (Cth) Part 6); this content may be reported to eSafety. This report is not "
            "such a notice."
        )
    if not lines:
        lines.append("We ask you to act under your own policy; we do not claim a statutory duty for this report.")
    return lines


# DSA Art. 16(2)(d), in the organisation's name: it is the notifier of an upstream notice (Art. 16(2)(c)).
BONA_FIDE_ORGANISATION = (
    "We confirm our bona fide belief that the information and allegations contained in this notice are accurate "
    "and complete (Digital Services Act, Article 16(2)(d))."
)

FINGERPRINTS = (
    "The fingerprints of the reference images linked to these URLs are listed below (PDQ, MD5 and pHash), so that "
    "you or your customer can find identical copies. The images themselves are never sent."
)

RESPONSE = (
    "Use this link to acknowledge this notice, report the removal, ask for more information or dispute it; it "
    "needs no account. You may also reply to the contact address above."
)


def upstream_document(content: NoticeContent) -> Document:
    sections: list[Section] = []
    if content.is_minor_content:
        sections.append(Section("Priority: apparent child sexual abuse material", tuple(minor_blocks(content))))
    sections.append(Section("Summary", (Paragraph((ask(content),)), Rows(rows=_summary_rows(content)))))
    sections.append(Section("The notice the website ignored", (Paragraph((facts(content),)),)))
    n = len(content.locations)
    sections.append(
        Section(
            "Content to remove",
            (
                Paragraph((f"Exact location{'s' if n != 1 else ''} ({n} URL{'' if n == 1 else 's'}):",)),
                location_list(content),
            ),
        )
    )
    statement = [Paragraph((line,)) for line in description(content)]
    if is_eu_host(content):
        statement.append(Paragraph((BONA_FIDE_ORGANISATION,)))
    sections.append(Section("Description and statement", tuple(statement)))
    if content.hashes:
        rows = Rows(rows=tuple((k, (v,)) for k, v in hash_rows(content)))
        sections.append(Section("Known identical copies", (Paragraph((FINGERPRINTS,)), rows)))
    legal = [Paragraph(policy_parts(content)), *(Paragraph((text,)) for text in duty_paragraphs(content))]
    sections.append(Section("Your policy and the law", tuple(legal)))
    sections.append(Section("Contact", (Rows(rows=(("E-mail", (clean(content.contact_email),)),)), _RELAYED)))
    sections.append(Section("Sent by", (Rows(rows=tuple(operator_rows(content))),)))
    sections.append(
        Section(
            "Deadline and response",
            (
                Rows(rows=(("Requested response (not a statutory deadline)", (deadline_sentence(content),)),)),
                Paragraph(("Respond at: ", Link(content.response_link))),
                Paragraph((RESPONSE,)),
            ),
        )
    )
    return Document(
        title=title(content),
        recipient=f"To: {clean(content.platform_name)} — abuse desk",
        subject=subject(content),
        sections=tuple(sections),
    )


_RELAYED = Paragraph(
    (
        "This address reaches the organisation below; your reply is recorded with this notice and "
        "passed on to the person shown where needed.",
    )
)


def _summary_rows(content: NoticeContent) -> tuple[tuple[str, tuple[Inline, ...]], ...]:
    rows: list[tuple[str, tuple[Inline, ...]]] = [
        ("Notice reference", (content.reference,)),
        ("Date", (utc(content.generated_at),)),
        ("Website", (", ".join(hosts(content)),)),
        ("You are", (ROLE.get(content.kind, ""),)),
    ]
    if content.escalated is not None:
        rows.append(
            (
                "Ignored notice",
                (
                    f"{content.escalated.reference} to {clean(content.escalated.platform_name)}, delivered "
                    f"{utc(content.escalated.sent_at)}, deadline {utc(content.escalated.due_at)}",
                ),
            )
        )
    rows += [
        ("Requested response (not a statutory deadline)", (deadline_sentence(content),)),
        ("Respond at", (Link(content.response_link),)),
    ]
    return tuple(rows)


def report_text(content: NoticeContent) -> str:
    """The free-text body most abuse forms have: what happened, what the content is, the policy and the law."""
    return "\n\n".join(
        [
            ask(content),
            facts(content),
            *description(content),
            plain(policy_parts(content)),
            *duty_paragraphs(content),
            *([BONA_FIDE_ORGANISATION] if is_eu_host(content) else []),
            f"Notice reference: {content.reference}. Respond at: {content.response_link}",
        ]
    )


def upstream_pieces(content: NoticeContent) -> list[Piece]:
    """The upstream notice cut into form fields. Cloudflare's abuse form (abuse.cloudflare.com) has its own
    category for NCII and takes one hostname (at most 250 URLs) per report (reference/escalation.md §3)."""
    op = content.operator
    fingerprints = "\n".join(f"{k}: {v}" for k, v in hash_rows(content))
    pieces: list[Piece] = []
    if content.provider_cdn_slug == "cloudflare":
        pieces.append(Piece("category", "Report type", "Non-Consensual Sexually Explicit Imagery (NCSEI)"))
        for host in hosts(content):
            urls = [clean(loc.url) for loc in content.locations if (urlsplit(loc.url).hostname or "").lower() == host]
            pieces.append(
                Piece(
                    f"urls-{host}",
                    f"URLs on {host} (one report per hostname; at most 250 URLs)",
                    "\n".join(urls[:250]),
                )
            )
        pieces.append(
            Piece(
                "notify",
                "Who Cloudflare tells",
                "Host: send the report without your name (send-anon). Website owner: send without your name "
                "(send-anon). Leave “I am the person in the imagery” unticked: the organisation reports for them.",
            )
        )
    else:
        pieces.append(
            Piece("urls", "Content URLs (one per line)", "\n".join(clean(loc.url) for loc in content.locations))
        )
    pieces.append(Piece("report", "Report / comments", report_text(content)))
    if fingerprints:
        pieces.append(Piece("hashes", "Image fingerprints (hashes)", FINGERPRINTS + "\n\n" + fingerprints))
    pieces.append(Piece("name", "Your name / organisation", clean(op.name)))
    pieces.append(Piece("email", "Your e-mail address", clean(content.contact_email)))
    pieces.append(
        Piece(
            "reference",
            "Notice reference and response link",
            f"Notice reference: {content.reference}\nRequested response: {deadline_sentence(content)}\n"
            f"Respond at: {content.response_link}",
        )
    )
    return pieces
