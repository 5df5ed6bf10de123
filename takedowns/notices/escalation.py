"""Escalation drafts for a notice a platform has not acted on: the complaint to the regulator of the notice's law,
and de-indexing requests to search engines. Each route is cut into the pieces its own form asks for, ready to copy;
nothing here is sent by the portal. Sources: ../shared/reference/escalation.md (grades there) and the statutes.

The drafts never contain an image, and they state a legal duty only where the notice's law puts it on that
platform: the FTC route only for a TAKE IT DOWN Act covered platform, eSafety for Australia, the Digital
Services Coordinator for the EU, Ofcom (which does not take up individual cases) for the UK.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from takedowns.notices import law
from takedowns.notices.content import NoticeContent
from takedowns.notices.document import (
    Block,
    BulletList,
    Document,
    Link,
    ListItem,
    Paragraph,
    Piece,
    Rows,
    Section,
    operator_rows,
)


@dataclass(frozen=True)
class Route:
    key: str
    name: str
    url: str
    summary: str
    pieces: tuple[Piece, ...] = ()
    attach: tuple[str, ...] = field(default_factory=tuple)


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "not recorded"


def _urls(content: NoticeContent) -> str:
    return "\n".join(loc.url for loc in content.locations)


def _facts(content: NoticeContent, *, now: datetime) -> str:
    """What happened, in the order a regulator reads it: the notice, when it was delivered, the deadline, and
    what the platform did (or did not do) since. Only a law's own period is called a deadline (docs/DECISIONS.md,
    "Two clocks"); without one the draft gives the time the notice asked for."""
    due = content.statutory_due_at
    if due is not None:
        when = f"The statutory deadline was {_when(due)}."
        if due < now:
            hours = int((now - due).total_seconds() // 3600)
            when += f" It passed {hours} hours ago and the content is still online as far as we know."
    else:
        when = f"The notice asked for action by {_when(content.deadline_at)}; no law sets a deadline for it."
    return (
        f"On {_when(content.sent_at)} we sent {content.platform_name} a removal notice (reference "
        f"{content.reference}) for non-consensual intimate imagery of the person we act for"
        f"{', made or altered with AI (a digital forgery)' if content.is_synthetic else ''}. "
        + (
            "The notice named each URL below and gave the image fingerprints (hashes) so that identical copies can "
            "be found. "
            if content.hashes
            else "The notice named each URL below. "
        )
        + when
    )


def _attachments(content: NoticeContent) -> tuple[str, ...]:
    return (
        f"The notice as sent (PDF, reference {content.reference})",
        "The evidence bundle of the case (timeline, every notice and answer, MANIFEST.sha256), if generated",
        "Screenshots of the pages that show the content still online, without the images themselves if possible",
        "Never the intimate images themselves",
    )


def _uk_duty_ran(content: NoticeContent, now: datetime) -> bool:
    # Online Safety Act 2023 s.10(3A): a user-to-user service, the duty in force, and 48 hours since the report.
    return (
        content.uk_duty_in_force
        and content.service_type == "user_to_user"
        and content.sent_at is not None
        and content.sent_at + timedelta(hours=law.UK_HOURS) < now
    )


def _service_complaint(content: NoticeContent, now: datetime) -> str:
    """The complaint to the service that Ofcom asks for first. Online Safety Act 2023 s.21: a user-to-user service
    runs a complaints procedure for users and affected persons who consider it is not complying with its s.10
    duties (the 48 hours of s.10(3A) among them)."""
    if _uk_duty_ran(content, now):
        return (
            f"Complain to {content.platform_name} through its Online Safety Act complaints procedure (s.21), naming "
            f"notice {content.reference}: it was a report of intimate image content (s.20A), and the service has not "
            "taken the content down within 48 hours (s.10(3A)). Keep the complaint's reference for Ofcom."
        )
    return (
        f"Complain to {content.platform_name} through its own complaints procedure, naming notice {content.reference} "
        "and saying that the content is still online. Keep the complaint's reference for Ofcom."
    )


def _duty(reg: _Regulator, content: NoticeContent, now: datetime) -> str:
    # The UK duty sentence only where s.10(3A) ran for this service; the other routes are offered only where theirs
    # applies (_offered).
    return reg.duty if reg.regime != "UK" or _uk_duty_ran(content, now) else ""


def _offered(reg: _Regulator, content: NoticeContent, *, now: datetime) -> bool:
    if reg.regime == "US":
        # TAKE IT DOWN Act §3(b) enforces the §3(a) duties, which bind a covered platform (§4(3)) 48 hours after a
        # request made through its own process (§3(a)(3)): never before those 48 hours have passed.
        return (
            content.tida_covered is True
            and content.tida_process
            and content.sent_at is not None
            and content.sent_at + timedelta(hours=law.TIDA_HOURS) < now
        )
    if reg.regime == "UK":
        # The s.10(3A) complaint fits a user-to-user service once its 48 hours have passed; before, or for another
        # kind of service, Ofcom still takes the complaint (it informs supervision), without the duty sentence.
        return True
    if reg.regime == "EU":
        # DSA Art. 53: the complaint goes to the coordinator where the recipient is located or established; a
        # person outside the EU has no coordinator of their own to complain to.
        return content.jurisdiction == "EU"
    return True


def regulator_routes(content: NoticeContent, *, now: datetime) -> list[Route]:
    """The regulator complaint(s) that fit the notice's law (one per regime that gives a route)."""
    regimes = content.regimes or (content.regime,)
    facts = _facts(content, now=now)
    text = {"platform": content.platform_name, "urls": _urls(content), "service": _service_complaint(content, now)}
    return [
        Route(
            key=reg.key,
            name=reg.name,
            url=reg.url,
            summary=reg.summary,
            pieces=tuple(
                Piece(key, label, facts + _duty(reg, content, now) if source == "facts" else text[source])
                for key, label, source in reg.pieces
            ),
            attach=_attachments(content),
        )
        for reg in _REGULATORS
        if reg.regime in regimes and _offered(reg, content, now=now)
    ]


@dataclass(frozen=True)
class _Regulator:
    """A regulator's complaint route: its form's fields, each (key, label, what it holds: "platform" for the
    platform's name, "facts" for what happened followed by ``duty``, "urls")."""

    regime: str
    key: str
    name: str
    url: str
    summary: str
    pieces: tuple[tuple[str, str, str], ...]
    duty: str = ""


# In the order the drafts are offered: the regulator of the notice's own law first.
_REGULATORS = (
    # TAKE IT DOWN Act §3(b): failing to reasonably comply with §3(a) is treated as a violation of a rule on
    # unfair or deceptive acts or practices under FTC Act §18(a)(1)(B), enforced by the FTC. Route:
    # TakeItDown.ftc.gov (the FTC's TIDA reporting site), or ReportFraud.ftc.gov. Covered platforms only.
    _Regulator(
        "US",
        "ftc",
        "US Federal Trade Commission (TAKE IT DOWN Act)",
        "https://takeitdown.ftc.gov/",
        "The FTC enforces the Act against covered platforms; it does not remove content itself.",
        (
            ("company", "Company", "platform"),
            ("what_happened", "What happened", "facts"),
            ("urls", "URLs still showing the content", "urls"),
        ),
        duty=" Under the TAKE IT DOWN Act §3(a)(3) a covered platform must remove the content, and make reasonable "
        "efforts to remove known identical copies, within 48 hours of a valid request; §3(b) makes a failure to "
        "comply an unfair or deceptive practice.",
    ),
    # Online Safety Act 2021 (Cth) Part 6: eSafety may give removal notices (24 hours) to the service, the
    # poster or the host; reporting to the platform first is not required.
    _Regulator(
        "AU",
        "esafety",
        "Australia: eSafety Commissioner (image-based abuse)",
        "https://www.esafety.gov.au/report",
        "eSafety can order the service, the poster or the host to remove the content within 24 h.",
        (("what_happened", "What happened", "facts"), ("where", "Where it is (URLs and usernames)", "urls")),
    ),
    # Digital Services Act Art. 53: a recipient may complain of a provider's breach to the Digital Services
    # Coordinator of the member state where the recipient is located or established. The breach named is of the
    # notice-and-action duties (Art. 16(4)-(6): confirm, decide timely and diligently, notify the decision with
    # redress), Art. 17 (reasons, to the uploader) and Art. 20 (the internal complaint system open to the notifier
    # against a decision on its notice); not Art. 6, which is a liability exemption, not a duty.
    _Regulator(
        "EU",
        "dsc",
        "EU: the Digital Services Coordinator of the person's member state (DSA Art. 53)",
        "https://digital-strategy.ec.europa.eu/en/policies/dsa-dscs",
        "The coordinator assesses the complaint and passes it to the coordinator of the provider.",
        (("provider", "Provider", "platform"), ("complaint", "Complaint", "facts"), ("urls", "URLs", "urls")),
        duty=" The notice met DSA Art. 16(2). The provider has not processed it in a timely, diligent, non-arbitrary "
        "and objective manner (Art. 16(6)) nor told us its decision with the possibilities for redress (Art. 16(5)). "
        "A decision is owed to the uploader with a statement of reasons (Art. 17) and can be contested through the "
        "provider's internal complaint-handling system (Art. 20).",
    ),
    # Ofcom takes online-safety complaints to inform its supervision but cannot investigate individual cases; it
    # asks people to report to the service first (ofcom.org.uk, "Safety measures of an online service, including
    # reporting and complaints", stored copy of 7 Nov 2023; address checked against that copy). Before it, the
    # complaint to the service itself: Online Safety Act 2023 s.21 requires user-to-user services to run a
    # complaints procedure open to users and affected persons who consider that the provider is not complying
    # with its s.10 duties, which include the s.10(3A) 48 hours.
    _Regulator(
        "UK",
        "ofcom",
        "UK: Ofcom online safety complaint",
        "https://www.ofcom.org.uk/make-a-complaint/complain-about-a-video-sharing-platform-vsp/sites-and-apps/"
        "safety-measures/",
        "First complain to the service itself (below): the Online Safety Act requires it to run a complaints "
        "procedure. Ofcom does not take up individual cases; the complaint informs its supervision. The Revenge "
        "Porn Helpline (0345 6000 459) can help directly.",
        (
            ("service_complaint", "Complaint to the service first (Online Safety Act 2023 s.21)", "service"),
            ("service", "Service", "platform"),
            ("what_happened", "What happened", "facts"),
            ("urls", "URLs", "urls"),
        ),
        duty=" The service has not complied with its duty to take down reported intimate image content within 48 "
        "hours of a report (Online Safety Act 2023 s.10(3A)).",
    ),
)


def deindex_routes(content: NoticeContent) -> list[Route]:
    """De-indexing requests for every reported URL, to run in parallel with the platform: they often work when a
    host will not act. Google has one form for real and one for fake explicit imagery; Bing takes NCII through
    "Report a Concern" (and feeds DuckDuckGo and Yahoo)."""
    urls = _urls(content)
    reason = (
        "These URLs show intimate images of the person we act for, shared without consent"
        + (" and falsely portraying them (made or altered with AI)." if content.is_synthetic else ".")
        + " We ask you to remove them from search results."
    )
    engines = (_GOOGLE_FAKE if content.is_synthetic else _GOOGLE_REAL, _BING)
    return [
        Route(
            key=key,
            name=name,
            url=url,
            summary=summary,
            pieces=(Piece("urls", urls_label, urls), Piece("reason", "Explanation", reason)),
        )
        for key, name, url, summary, urls_label in engines
    ]


# (key, name, form address, how to fill it in, the label of its URL field)
_GOOGLE_REAL = (
    "google",
    "Google Search: remove non-consensual explicit imagery",
    "https://support.google.com/websearch/answer/6302812",
    "For real images: the person is not being paid for them; only the URLs submitted are reviewed.",
    "URLs of the pages and images",
)
_GOOGLE_FAKE = (
    "google-fake",
    "Google Search: remove involuntary fake pornography",
    "https://support.google.com/websearch/answer/9116649",
    'Choose "Content falsely portrays me in a sexual act, or in an intimate state"; list every image URL and page URL.',
    "Image URLs and page URLs",
)
_BING = (
    "bing",
    "Bing: Report a Concern (non-consensual intimate imagery)",
    "https://www.microsoft.com/concern/bing",
    'Concern type "Non-Consensual Intimate Imagery"; removal is global and also reaches DuckDuckGo and Yahoo '
    "results drawn from Bing.",
    "Links",
)


def _contact(identity, source: str) -> str:
    return next((c.get("email", "") for c in identity.abuse_contacts or [] if c.get("source") == source), "")


def upstream_routes(content: NoticeContent, identities: dict, *, now: datetime) -> list[Route]:
    """Notices to those who serve the site when its operator will not act: the CDN in front of it, the network
    that hosts it, the registrar of its domain — from the host identification of each URL's host
    (takedowns/services/hosts.py). Each says the platform was notified and missed its deadline; a duty is stated
    only where the law puts one on that provider (EU hosting services: DSA Art. 16; registrars: their
    accreditation agreement with ICANN, §3.18.1 — an undertaking, not a statute)."""
    facts = _facts(content, now=now)
    routes: list[Route] = []
    seen: set[tuple[str, str]] = set()
    for loc in content.locations:
        identity = identities.get((urlsplit(loc.url).hostname or "").lower())
        if identity is None:
            continue
        urls = "\n".join(
            item.url for item in content.locations if urlsplit(item.url).hostname == urlsplit(loc.url).hostname
        )
        for kind, provider in _UPSTREAM:
            who = getattr(identity, provider)
            if not who or (kind, who) in seen:
                continue
            seen.add((kind, who))
            key, name, url, summary = _provider_route(kind, identity)
            routes.append(
                Route(
                    key=key,
                    name=name,
                    url=url,
                    summary=summary,
                    pieces=(
                        Piece("urls", "URLs", urls),
                        Piece(
                            "report",
                            "Report",
                            facts + f" {content.platform_name} has not acted. " + _PROVIDER_ASK[kind],
                        ),
                    ),
                    attach=_attachments(content),
                )
            )
    return routes


def _provider_route(kind: str, identity) -> tuple[str, str, str, str]:
    """(key, name, form address, summary) of the route to one provider of the site."""
    if kind == "cdn":
        cloudflare = identity.cdn_slug == "cloudflare"
        return (
            f"cdn-{identity.cdn_slug or 'cdn'}",
            f"{identity.cdn} (content delivery network in front of {identity.host})",
            "https://abuse.cloudflare.com/" if cloudflare else "",
            'Category "Non-Consensual Sexually Explicit Imagery (NCSEI)"; at most 250 URLs on one '
            "hostname. Cloudflare passes the report to the host and the site owner (choose whether "
            "your name goes with it) and tells you who the host is."
            if cloudflare
            else f"Write to {_contact(identity, 'cdn') or 'the provider abuse desk'}; a CDN caches the "
            "site, so it forwards the report to its customer and can stop serving the pages.",
        )
    if kind == "host":
        source, name = "network", f"{identity.network_owner} (network hosting {identity.host})"
    else:
        source, name = "registrar", f"{identity.registrar} (registrar of {identity.registered_domain or identity.host})"
    return kind, name, "", f"Abuse contact: {_contact(identity, source) or 'not published in RDAP'}."


# What each provider is asked, and on what footing (a duty only where the law or a contract puts one).
_PROVIDER_ASK = {
    "cdn": "The pages are served through your network; they breach your acceptable-use policy on non-consensual "
    "intimate imagery. Please forward this report to your customer and to the hosting provider, and stop "
    "serving these URLs.",
    "host": "The content is served from your network and breaches acceptable-use terms on unlawful, "
    "privacy-violating content. If you provide a hosting service in the EU, this is a notice under DSA Art. 16: "
    "it gives you actual knowledge of the content (Art. 6(1)).",
    "registrar": "Under §3.18.1 of your Registrar Accreditation Agreement you take reasonable and prompt steps to "
    "investigate and respond to reports of illegal activity involving the domains you register; we ask you "
    "to do so for this domain.",
}
# (kind, the identity's attribute naming that provider), in the order they are offered.
_UPSTREAM = (("cdn", "cdn"), ("host", "network_owner"), ("registrar", "registrar"))


# --- downloadable drafts (text and PDF) -----------------------------------------------------------------------


@dataclass(frozen=True)
class DraftLinks:
    """Where the advocate finds what to attach: the notice's PDF, and the case's latest evidence bundle (None when
    no bundle has been built) or the case page where one is built."""

    notice_pdf: str
    case_page: str
    bundle: str | None = None
    bundle_built_at: datetime | None = None
    bundle_sha256: str = ""


def draft_routes(content: NoticeContent, *, now: datetime) -> list[Route]:
    """Every route that can be downloaded as a draft: the regulators of the notice's law, then de-indexing."""
    return [*regulator_routes(content, now=now), *deindex_routes(content)]


def draft_attachments(route: Route, content: NoticeContent, links: DraftLinks) -> list[ListItem]:
    """The "what to attach" list with the links the advocate needs: the evidence bundle when one exists, else how
    to make one. Search engines' forms take URLs and words only: nothing is attached there."""
    if not route.attach:
        return [ListItem(parts=("Nothing: the form takes the URLs and the explanation. Never upload the images.",))]
    items = [
        ListItem(parts=(f"The notice as sent (PDF, reference {content.reference}): ", Link(links.notice_pdf))),
        ListItem(
            parts=(
                f"The evidence bundle of the case (built {_when(links.bundle_built_at)}; SHA-256 "
                f"{links.bundle_sha256}): ",
                Link(links.bundle),
            )
        )
        if links.bundle
        else ListItem(
            parts=(
                'No evidence bundle has been built for this case yet. Build one on the case page ("Generate '
                'evidence bundle"), then attach it: ',
                Link(links.case_page),
            )
        ),
    ]
    # The route's own list, less the two items given with their links above.
    items += [
        ListItem(parts=(item,))
        for item in route.attach
        if not item.startswith(("The notice as sent", "The evidence bundle"))
    ]
    return items


def route_document(
    route: Route, content: NoticeContent, *, now: datetime, links: DraftLinks, answers: tuple[str, ...] = ()
) -> Document:
    """One escalation route as a document, rendered by ``render.py`` to plain text and PDF like a notice. Every
    sentence is the route's own (``regulator_routes``/``deindex_routes``, where each legal claim has its source);
    this adds only the filing instructions, what the platform answered (``answers``, one line each, from the audit
    log), who files, and what to attach. Never an image."""
    how: list[Block] = [Paragraph(parts=(route.summary,))]
    if route.url:
        how.append(Paragraph(parts=("File at: ", Link(route.url))))
    how.append(
        Paragraph(
            parts=(
                f"A draft prepared on {_when(now)} from notice {content.reference} to {content.platform_name}. "
                "Nothing has been sent: copy each part below into the form, check it, and file it.",
            )
        )
    )
    sections = [Section("How to file", tuple(how))]
    for piece in route.pieces:
        if piece.key in ("urls", "where"):
            items = tuple(ListItem(parts=(Link(url),)) for url in piece.text.splitlines() if url.strip())
            sections.append(Section(piece.label, (BulletList(items),)))
        else:
            sections.append(
                Section(piece.label, tuple(Paragraph(parts=(part,)) for part in piece.text.split("\n\n") if part))
            )
    if route.attach:
        # A regulator weighs what the platform said (a dispute's reason, its answer about the account) or its
        # silence; de-indexing forms ask for neither.
        said = answers or ("Nothing: the platform has not answered the notice.",)
        sections.append(
            Section("What the platform answered", (BulletList(tuple(ListItem(parts=(line,)) for line in said)),))
        )
    sections.append(Section("Filed by", (Rows(rows=tuple(operator_rows(content))),)))
    sections.append(Section("What to attach", (BulletList(tuple(draft_attachments(route, content, links))),)))
    return Document(
        title=f"Escalation draft: {route.name}",
        recipient=f"To: {route.name}",
        subject=f"Escalation draft ({route.key}) for notice {content.reference}",
        sections=tuple(sections),
    )
