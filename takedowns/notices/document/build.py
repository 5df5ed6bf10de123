"""Assemble the notice :class:`Document` section by section, and cut the same sentences into web-form pieces.

Every sentence is written once in this package, so the three rendered formats and the web-form text cannot
drift apart.
"""

from __future__ import annotations

from takedowns.notices.content import NoticeContent
from takedowns.notices.document.deadlines import (
    RELAY_NOTE,
    deadline_rows,
    has_statutory_deadline,
    response_sentence,
    subject,
    title,
)
from takedowns.notices.document.legal import legal_basis_blocks, legal_basis_rows, uk_declarations
from takedowns.notices.document.model import (
    Block,
    Document,
    Inline,
    Link,
    Paragraph,
    Piece,
    Rows,
    Section,
    clean,
    kv_rows,
    para,
    plain,
    utc,
)
from takedowns.notices.document.statements import (
    BONA_FIDE,
    account_action_paragraphs,
    account_reupload_blocks,
    copies_sentence,
    description_lines,
    minor_blocks,
    reupload_paragraphs,
)
from takedowns.notices.document.tables import contact_rows, hash_rows, location_list, operator_rows, signature_rows


def build_document(content: NoticeContent) -> Document:
    deadlines = deadline_rows(content)
    sections: list[Section] = []
    if content.is_minor_content and content.regime != "DMCA":
        kind = "possible" if content.minor_age_uncertain else "apparent"
        sections.append(Section(f"Priority: {kind} child sexual abuse material", tuple(minor_blocks(content))))
    sections.append(Section("Summary", _summary(content, deadlines)))
    sections.append(Section("Legal basis", tuple(legal_basis_blocks(content))))
    sections.append(Section("Content to remove", _locations(content)))
    sections.append(Section("Description and statement", _statement(content)))
    if content.hashes:
        sections.append(
            Section("Known identical copies", (para(copies_sentence(content)), kv_rows(hash_rows(content))))
        )
    sections.append(Section("Account and re-uploads", tuple(account_reupload_blocks(content))))
    sections.append(Section("Signature", _signature(content)))
    contact_blocks: list[Block] = [kv_rows(contact_rows(content))]
    if content.regime == "DMCA":
        # A DMCA notice always gives the relay (it may reach the uploader and Lumen), and names no person shown.
        contact_blocks.append(para(DMCA_RELAY_NOTE))
    elif content.contact_private:
        contact_blocks.append(para(RELAY_NOTE))
    sections.append(Section("Contact", tuple(contact_blocks)))
    sections.append(Section("Sent by", (Rows(rows=tuple(operator_rows(content))),)))
    # "Deadline" only where a law sets one for this recipient (docs/DECISIONS.md, "Two clocks").
    heading = "Deadline and response" if has_statutory_deadline(content) else "Response time and response"
    sections.append(Section(heading, _response(content, deadlines)))
    return Document(
        title=title(content),
        # 512(c)(3)(A): a DMCA notice is "provided to the designated agent" of the service provider.
        recipient=f"To: {clean(content.platform_name)} — "
        + (
            "designated copyright agent (17 U.S.C. 512(c)(2))"
            if content.regime == "DMCA"
            else "trust and safety / legal team"
        ),
        subject=subject(content),
        sections=tuple(sections),
        advocate_notes=_advocate_notes(content),
    )


DMCA_RELAY_NOTE = "This e-mail address is a relay run by the agent named above."


def _summary(content: NoticeContent, deadlines: list[tuple[str, str, str]]) -> tuple[Block, ...]:
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
        who = "may have been" if content.minor_age_uncertain else "was"
        ask = (
            f"We ask {clean(content.platform_name)} to remove, with priority, the content listed below: sexual "
            f"images of a person who {who} under 18 when they were made."
        )
    else:
        ask = (
            f"We ask {clean(content.platform_name)} to remove the intimate content listed below, which was "
            "published without the consent of the person shown."
        )
    return (para(ask), Rows(rows=tuple(summary_rows)))


def _locations(content: NoticeContent) -> tuple[Block, ...]:
    n = len(content.locations)
    return (
        para(f"Exact location{'s' if n != 1 else ''} of the content ({n} URL{'' if n == 1 else 's'}):"),
        location_list(content),
    )


def _statement(content: NoticeContent) -> tuple[Block, ...]:
    statement: list[Block] = [para(line) for line in description_lines(content, with_handles=False)]
    if content.regime == "DMCA" and content.copyrighted_work:
        statement.append(kv_rows([("Copyrighted work", clean(content.copyrighted_work))]))
    # A DMCA notice carries the fixed 512(c)(3)(A)(v) sentence instead of the victim's own words, which speak
    # of consent, not copyright, and would be forwarded to the uploader and published to Lumen.
    if content.good_faith_statement and content.regime != "DMCA":
        statement.append(para("Statement of good-faith belief that the depiction is not consensual:"))
        if content.is_representative:
            # TAKE IT DOWN Act §3(a)(1)(B)(iii): the belief is the identifiable individual's, stated for them.
            statement.append(
                para(
                    "The person shown believes in good faith that the depiction is not consensual; I make this "
                    "statement on their behalf."
                )
            )
        statement.append(para(clean(content.good_faith_statement), quote=True))
    if content.context and content.regime != "DMCA":
        statement.append(para("Further information from the person shown:"))
        statement.append(para(clean(content.context), quote=True))
    return tuple(statement)


def _signature(content: NoticeContent) -> tuple[Block, ...]:
    blocks: list[Block] = [para(text) for text in content.spec.closing if content.regime == "DMCA"]
    if "EU" in content.cites and content.attest_accuracy:
        blocks.append(para(BONA_FIDE))
    if "UK" in content.cites and content.regime != "DMCA":
        blocks.extend(para(text) for text in uk_declarations(content))
    blocks.append(kv_rows(signature_rows(content)))
    return tuple(blocks)


def _response(content: NoticeContent, deadlines: list[tuple[str, str, str]]) -> tuple[Block, ...]:
    blocks: list[Block] = []
    for label, when, note in deadlines:
        blocks += [kv_rows([(label, when)]), para(note)]
    blocks += [para("Respond at: ", Link(content.response_link)), para(response_sentence(content))]
    for cited in content.specs:
        if cited.code == "DMCA" or (cited.code == "US" and content.tida_covered is not True):
            # Safe harbour (§3(a)(4)) and FTC enforcement (§3(b)) concern covered platforms only.
            continue
        if cited.code == "US" and not content.tida_process:
            # §3(b) enforces the §3(a) duties, which this request (outside the platform's process) did not start;
            # the safe harbour (§3(a)(4)) protects any good-faith removal, so it stays.
            blocks.append(para(cited.closing[0]))
            continue
        blocks.extend(para(text) for text in cited.closing)
    return tuple(blocks)


def _advocate_notes(content: NoticeContent) -> tuple[str, ...]:
    notes: list[str] = [content.spec.warning] if content.spec.warning else []
    tida_asked = "US" in content.cites and content.regime != "DMCA" and content.tida_covered is not False
    if tida_asked and not content.tida_process:
        notes.append(
            "This notice does not go through the platform's own TAKE IT DOWN Act process (none is recorded in "
            "the registry, or the notice is sent elsewhere): it asks for removal within 48 hours but claims no "
            "statutory deadline, and the FTC complaint is not offered."
        )
    if content.regime == "DMCA" and content.is_synthetic:
        notes.append(
            "This case is marked AI-made: a DMCA notice only works if the material copies a photo or video the "
            "person shown owns. Check that before sending."
        )
    return tuple(notes)


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
            "\n\n".join(plain(b.parts) for b in legal_basis_blocks(content) if isinstance(b, Paragraph)),
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
