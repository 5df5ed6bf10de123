"""The legal basis: the statutes a notice cites, and what it claims (or declines to claim) under each."""

from __future__ import annotations

from takedowns.notices.content import NoticeContent
from takedowns.notices.document.model import Block, Inline, Link, Paragraph, clean, para


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
            # Part 6 (s.32): the filer told us the person shown lives in Australia.
            texts.append("The person shown is an Australian resident.")
        if spec.code == "UK" and not content.uk_duty_in_force:
            texts.append(
                "A duty to remove reported intimate image content within 48 hours (Online Safety Act 2023 "
                "s.10(3A), added by the Crime and Policing Bill) is not yet in force; we ask you to act as "
                "quickly."
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
