"""The label and fix hint of each required element of a notice, in the filer's language.

Most are fixed sentences (marked for translation here, translated when asked for); a few name the offending
value (the bare web addresses, the characters the PDF cannot show) or depend on what the filer already did.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from takedowns.notices.content.model import NoticeContent
from takedowns.notices.fonts import unprintable

_FIXED: dict[str, tuple[str, str]] = {
    "representative": (
        gettext_noop("Who is acting and on what authority"),
        gettext_noop(
            "You are filing for someone else: on the 'Who is filing' step, add your name, your relationship "
            "to the person shown and why you may act for them."
        ),
    ),
    "good_faith": (
        gettext_noop("Good-faith statement"),
        gettext_noop("Confirm the good-faith statement on the 'Statement and signature' step."),
    ),
    "contact": (
        gettext_noop("Contact information"),
        gettext_noop(
            "Add an e-mail address or phone number on the 'How we reach you' step, or let the portal be the "
            "contact route (keep your contact private)."
        ),
    ),
    "explanation": (
        gettext_noop("Explanation of why the content is illegal"),
        gettext_noop(
            "Confirm the statement that the image was shared without consent on the 'Statement and signature' step."
        ),
    ),
    "notifier": (
        gettext_noop("Name and e-mail address of the person sending the notice"),
        gettext_noop(
            "Add your full name on the 'Statement and signature' step and an e-mail address on the 'How we "
            "reach you' step (or keep your contact private so the portal's relay address is used)."
        ),
    ),
    "bona_fide": (
        gettext_noop("Statement that the notice is accurate and complete"),
        gettext_noop("Tick 'The information I gave is accurate and complete' on the 'Statement and signature' step."),
    ),
    "s66b_basis": (
        gettext_noop("Legal basis (s.66B Sexual Offences Act 2003)"),
        gettext_noop("Ask an advocate to check the notice's legal basis: the UK template has lost its s.66B wording."),
    ),
    "copyrighted_work": (
        gettext_noop("Identification of the copyrighted work"),
        gettext_noop(
            "Describe the original photo or video the person shown took (for example 'a photo I took of myself "
            "in 2023') on the advocate's DMCA step."
        ),
    ),
    "perjury": (
        gettext_noop("Accuracy and authority statement under penalty of perjury"),
        gettext_noop(
            "Tick both 'The information is accurate' and 'Under penalty of perjury, I am authorised to act for "
            "the copyright owner' on the advocate's DMCA step."
        ),
    ),
    "statute": (
        gettext_noop("Statute and section"),
        gettext_noop("Choose the legal route (regime) for this notice on the notice review page."),
    ),
    "deadline": (
        gettext_noop("Deadline"),
        gettext_noop("Set the platform's response hours in the platform registry, then review the notice again."),
    ),
    "response_link": (
        gettext_noop("Response link for the platform"),
        gettext_noop("Save the notice (drafts get their response link once saved), then review it again."),
    ),
    "reference": (
        gettext_noop("Notice reference"),
        gettext_noop("Save the notice so it gets its reference, then review it again."),
    ),
    "operator": (
        gettext_noop("Who sends the notice"),
        gettext_noop("Set OPERATOR_NAME and OPERATOR_EMAIL: an upstream notice is sent in the organisation's name."),
    ),
    "escalated": (
        gettext_noop("The platform notice that was ignored"),
        gettext_noop("An upstream notice follows a delivered platform notice: send that one first."),
    ),
}


def element_text(key: str, content: NoticeContent, *, typed_text: str) -> tuple[str, str]:
    """(label, fix hint) of one element; some hints name the exact offending value."""
    if key in _FIXED:
        label, hint = _FIXED[key]
        return _(label), _(hint)
    bare = [loc.url for loc in content.locations if loc.is_bare_domain]
    texts: dict[str, tuple[str, str]] = {
        "signature": (
            _("Signature"),
            _("Add your full name as your signature on the 'Statement and signature' step.")
            if content.signature_name
            else _("Add your full name as your signature on the 'Statement and signature' step, and tick the box."),
        ),
        "location": (
            _("Exact location of the content (URLs)"),
            _("Replace these bare web addresses with the exact page or post address on the 'Where it is' step: ")
            + ", ".join(bare)
            if bare
            else _(
                "Add at least one exact web address (the page or post, not just the site) on the 'Where it is' step."
            ),
        ),
        "printable": (
            _("Characters the PDF can show"),
            _(
                "The notice's PDF cannot show these characters: %(chars)s. Write the name or statement in another "
                "script (for example in Latin letters), or ask an advocate."
            )
            % {"chars": " ".join(unprintable(typed_text))},
        ),
    }
    label, hint = texts[key]
    return str(label), str(hint)
