"""The legal basis: the statutes a notice cites, and what it claims (or declines to claim) under each."""

from __future__ import annotations

from takedowns.notices.content import NoticeContent
from takedowns.notices.document.model import Block, Inline, Link, Paragraph, clean, para
from takedowns.notices.eu_offences import illegality_sentence


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


def legal_basis_blocks(content: NoticeContent) -> list[Block]:
    blocks: list[Block] = []
    for spec in content.specs:
        if spec.code == "US" and content.tida_covered is False:
            blocks.append(para("Request under your own policy"))
            # §4(3): search engines, CDNs and hosts are probably not "covered platforms"; claim no duty.
            blocks.append(
                para(
                    "This request contains the four elements of a TAKE IT DOWN Act request (Section 3(a)(1)(B): "
                    "signature, identification and location, good-faith statement, contact information). We do "
                    "not claim that the Act's removal duty binds you: it applies to covered platforms (Section "
                    "4(3)). We ask you to act under your own policy."
                )
            )
            continue
        blocks.append(para(f"{spec.statute} — {spec.section}"))
        texts = list(spec.basis)
        if spec.code == "US" and content.tida_covered is None:
            texts.append(
                "The Act's removal duty binds a covered platform (Section 4(3)): a public website, online "
                "service or application that primarily provides a forum for user-generated content. If that "
                "is you, the deadline below is statutory."
            )
        if spec.code == "AU" and content.jurisdiction == "AU":
            # Part 6 (s.32(1)(b)): a complaint about a person "ordinarily resident in Australia"; the filer said so.
            texts.append("The person shown is ordinarily resident in Australia.")
        if spec.code == "UK":
            texts.extend(uk_duty_sentences(content))
        if spec.code == "EU":
            texts.append(
                illegality_sentence(
                    content.member_state,
                    minor=content.is_minor_content,
                    age_uncertain=content.minor_age_uncertain,
                )
            )
        blocks.extend(para(text) for text in texts)
    if content.trusted_flagger:
        # DSA Art. 22(1): notices from trusted flaggers are given priority and decided without undue delay.
        blocks.append(
            para(
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


def uk_duty_sentences(content: NoticeContent) -> list[str]:
    """What the notice says of the Online Safety Act 2023 s.10(3A) duty (added by the Crime and Policing Act 2026):
    stated only to a user-to-user service, the kind of service s.10 is about; a search service has its own duty,
    which this notice does not claim; an unknown service is told on what condition the duty applies."""
    if not content.uk_duty_in_force:
        # The operator turned the duty off (NOTICES_UK_48H_IN_FORCE=false): no duty stated, the same time asked.
        return ["We ask you to remove the content within 48 hours of this report; we do not state a statutory duty."]
    if content.service_type == "user_to_user":
        return [
            "Section 10(3A) of the Online Safety Act 2023 (added by the Crime and Policing Act 2026) requires a "
            "user-to-user service to take down reported intimate image content, and the same or substantially the "
            "same content, within 48 hours of a report. This notice is such a report: it carries the declarations "
            'of section 20A under "Signature".'
        ]
    if content.service_type == "search":
        return [
            "The Online Safety Act 2023 puts its own duties on search services; we do not claim the 48-hour duty of "
            "section 10(3A), which binds user-to-user services. We ask you to remove the content from your results "
            "within 48 hours of this report."
        ]
    if content.service_type == "other":
        return ["We ask you to remove the content within 48 hours of this report under your own policy."]
    return [
        "If you provide a user-to-user service, section 10(3A) of the Online Safety Act 2023 (added by the Crime "
        "and Policing Act 2026) requires you to take down reported intimate image content, and the same or "
        "substantially the same content, within 48 hours of a report. This notice is such a report: it carries "
        'the declarations of section 20A under "Signature".'
    ]


def uk_declarations(content: NoticeContent) -> list[str]:
    """Online Safety Act 2023 s.20A (added by the Crime and Policing Act 2026): a report of intimate image content
    declares that the content is intimate image content, who is reporting (the person shown, or someone on their
    behalf), and that the report is made in good faith and is true to the best of the reporter's knowledge and
    belief. Stated in every notice that cites the UK, whatever the service: the declarations are true either way."""
    if content.is_representative:
        reporter = clean(content.signature_name)
        if content.is_organisation and content.representative_name:
            reporter += f" for {clean(content.representative_name)}"
        who = f"This report is made by {reporter}, on behalf of the person shown, with the authority stated below."
    else:
        who = "This report is made by the person shown in the content."
    return [
        "Declarations (Online Safety Act 2023, section 20A):",
        "The content reported is intimate image content: a photograph or film that shows, or appears to show, "
        "the person concerned in an intimate state, shared without their consent.",
        who,
        "This report is made in good faith, and what it says is true to the best of the reporter's knowledge and "
        "belief.",
    ]
