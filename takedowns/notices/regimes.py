"""The legal regimes a notice can be written under, as data (reference/notice-requirements.md).

Each :class:`RegimeSpec` holds the fixed wording of one regime: the statute and section cited, the words
used for the clock, the "copies" duty, the closing sentences, the required elements that
:func:`takedowns.notices.content.check_completeness` checks, and — for the DMCA route only — a warning
for the advocate that is shown in previews and never sent to the platform.

The notice text is deliberately English and not marked for translation: it is sent to platforms' legal
teams and quotes statutes, so a translated notice would need a reviewed legal template per language, not a
gettext catalogue. The labels and fix hints the victim reads (see ``content.py``) are translated.
"""

from __future__ import annotations

from dataclasses import dataclass

from takedowns.models import Regime

# Elements every notice needs whatever the law, because the portal's own workflow depends on them: the
# platform must be able to see which law applies and when the clock ends, and answer through the link.
# "printable": every character the filer typed can be shown in the PDF (never silently dropped).
PORTAL_ELEMENTS: tuple[str, ...] = ("statute", "deadline", "response_link", "reference", "printable")

# The four elements of TAKE IT DOWN Act §3(a)(1)(B), reused by the UK and Australia where the content of a
# report is not (yet) fixed by law: a notice that satisfies the strictest known list is accepted everywhere.
US_FOUR: tuple[str, ...] = ("signature", "location", "good_faith", "contact")


@dataclass(frozen=True)
class RegimeSpec:
    """Fixed wording and requirements of one legal regime. ``code`` is a :class:`Regime` value."""

    code: str
    name: str
    subject_prefix: str
    statute: str
    section: str
    # Paragraphs naming the legal basis, shown first under "Legal basis".
    basis: tuple[str, ...]
    # How the clock is named: a statutory deadline, or (EU) a target the portal applies.
    deadline_label: str
    deadline_is_target: bool
    deadline_note: str
    # What the regime says about other copies of the same content, shown with the hashes.
    copies_sentence: str
    # Shown when the content is AI-made or altered.
    synthetic_sentence: str
    # Closing paragraphs (safe harbour, Art. 17, eSafety pointer ...).
    closing: tuple[str, ...]
    # Required element keys, law first then the portal's own (PORTAL_ELEMENTS).
    required: tuple[str, ...]
    # For the advocate's eyes only (previews); never part of the text the platform receives.
    warning: str | None = None
    advocate_only: bool = False


US = RegimeSpec(
    code=Regime.US.value,
    name="TAKE IT DOWN Act",
    subject_prefix="TAKE IT DOWN Act removal request",
    statute="TAKE IT DOWN Act, Section 3 (47 U.S.C. 223a)",
    section="§3(a)(1)(B) notice and removal request",
    basis=(
        "This is a valid removal request under Section 3(a)(1)(B) of the TAKE IT DOWN Act (47 U.S.C. 223a). "
        "It is in writing and contains the four required elements: (i) the signature of the identifiable "
        "individual or of a person authorised to act on their behalf; (ii) identification of, and "
        "information reasonably sufficient to locate, the intimate visual depiction; (iii) a brief statement "
        "of good-faith belief that the depiction is not consensual; and (iv) contact information.",
    ),
    deadline_label="Statutory deadline (TAKE IT DOWN Act §3(a)(3))",
    deadline_is_target=False,
    deadline_note=(
        "Section 3(a)(3) requires a covered platform to remove the depiction as soon as possible, and not "
        "later than 48 hours after receiving a valid request."
    ),
    copies_sentence=(
        "Section 3(a)(3) also requires you to make reasonable efforts to identify and remove any known "
        "identical copies of the depiction. Please use the fingerprints below (PDQ, MD5 and pHash) to find "
        "and remove known identical copies on your service. The images themselves are never sent."
    ),
    synthetic_sentence=(
        'The depiction is AI-made or altered: a "digital forgery" as defined in the Act, that is, an '
        "intimate visual depiction of an identifiable individual created or altered by software, machine "
        "learning, artificial intelligence or other technological means that, viewed as a whole by a "
        "reasonable person, is indistinguishable from an authentic depiction of the individual. Digital "
        "forgeries are covered by the removal duty in the same way as authentic depictions."
    ),
    closing=(
        # §3(a)(4) and §3(b)(1), quoted exactly (47 U.S.C. 223a).
        'Limitation on liability (Section 3(a)(4)): "A covered platform shall not be liable for any claim based on '
        "the covered platform's good faith disabling of access to, or removal of, material claimed to be a "
        "nonconsensual intimate visual depiction based on facts or circumstances from which the unlawful "
        "publishing of an intimate visual depiction is apparent, regardless of whether the intimate visual "
        'depiction is ultimately determined to be unlawful or not."',
        'Enforcement (Section 3(b)(1)): "A failure to reasonably comply with the notice and takedown obligations '
        "under subsection (a) shall be treated as a violation of a rule defining an unfair or a deceptive act or "
        'practice under section 18(a)(1)(B) of the Federal Trade Commission Act (15 U.S.C. 57a(a)(1)(B))."',
    ),
    required=(*US_FOUR, *PORTAL_ELEMENTS),
)

EU = RegimeSpec(
    code=Regime.EU.value,
    name="Digital Services Act, Article 16",
    subject_prefix="DSA Article 16 notice (non-consensual intimate image)",
    statute="Regulation (EU) 2022/2065 (Digital Services Act), Article 16",
    section="Art. 16(2)(a)-(d) notice and action",
    basis=(
        "This is a notice under Article 16 of the Digital Services Act. It contains (a) a substantiated "
        "explanation of why the content is illegal; (b) the exact electronic location (URL) of each item; "
        "(c) the name and e-mail address of the person submitting it; and (d) a statement of bona fide belief "
        "that the information and allegations it contains are accurate and complete.",
        # The illegality sentence (Art. 16(2)(a)) follows, from notices/eu_offences.py: the member state's own
        # offence where known, Directive (EU) 2024/1385 Art. 5 as the harmonising act (transposition by 14 June
        # 2027), Directive 2011/93/EU for a person under 18.
    ),
    deadline_label="DSA target for action (not a statutory deadline)",
    deadline_is_target=True,
    deadline_note=(
        "The DSA sets no fixed number of hours: Article 16(6) requires you to act in a timely, diligent, "
        "non-arbitrary and objective manner. This portal applies a target of the hours shown and follows up "
        "when it passes; it is a target, not a statutory deadline."
    ),
    copies_sentence=(
        "To help you find known identical copies and the same content elsewhere on your service, the "
        "fingerprints of the reference images are listed below (PDQ, MD5 and pHash). The images themselves "
        "are never sent."
    ),
    synthetic_sentence=(
        "The image is AI-made or manipulated so that it appears to show the person in an intimate situation. "
        "Manipulated intimate material is covered in the same way as authentic material."
    ),
    closing=(
        # Art. 16(4)-(5): receipt and the decision, with redress, to the notifier; Art. 17(1): the statement of
        # reasons goes to the recipient whose content is restricted (the uploader), not to the notifier.
        "Please confirm receipt of this notice without undue delay (Article 16(4)) and notify us of your "
        "decision, with the possibilities for redress in respect of it (Article 16(5)). If you remove or restrict "
        "the content, Article 17 requires you to give the uploader a statement of reasons.",
    ),
    required=("explanation", "location", "notifier", "bona_fide", *PORTAL_ELEMENTS),
)

UK = RegimeSpec(
    code=Regime.UK.value,
    name="Online Safety Act / Sexual Offences Act 2003 s.66B",
    subject_prefix="Intimate image removal request (UK, s.66B Sexual Offences Act 2003)",
    statute="Sexual Offences Act 2003, s.66B (inserted by the Online Safety Act 2023)",
    section="s.66B sharing or threatening to share an intimate photograph or film; Online Safety Act 2023",
    basis=(
        "Sharing, or threatening to share, a photograph or film which shows or appears to show another person "
        "in an intimate state without their consent is an offence under section 66B of the Sexual Offences "
        "Act 2003, inserted by the Online Safety Act 2023. The content reported below is such a photograph "
        "or film.",
    ),
    # Online Safety Act 2023 s.10(3A) (added by the Crime and Policing Act 2026): stated only to a user-to-user
    # service (registry service_type) while NOTICES_UK_48H_IN_FORCE.
    deadline_label="Statutory deadline (Online Safety Act 2023 s.10(3A))",
    deadline_is_target=False,
    deadline_note=(
        "Under the Online Safety Act 2023, s.10(3A) (added by the Crime and Policing Act 2026), a user-to-user "
        "service must take down reported intimate image content, and the same or substantially the same "
        "content, within 48 hours of a report. This notice is such a report (s.20A)."
    ),
    copies_sentence=(
        "Please remove the same or substantially the same content wherever it appears on your service. To "
        "find it, use the fingerprints below (PDQ, MD5 and pHash); Ofcom's codes recommend hash matching for "
        "this purpose. The images themselves are never sent."
    ),
    synthetic_sentence=(
        'The image is AI-made or altered. Section 66B covers a photograph or film that "appears to show" '
        "another person in an intimate state, which includes deepfakes and other altered images."
    ),
    closing=(),
    required=(*US_FOUR, "s66b_basis", *PORTAL_ELEMENTS),
)

AU = RegimeSpec(
    code=Regime.AU.value,
    name="Online Safety Act 2021 (Australia), Part 6",
    subject_prefix="Intimate image removal request (Australia, Online Safety Act 2021)",
    statute="Online Safety Act 2021 (Cth), Part 6",
    section="Part 6, ss.77-78 removal of intimate images shared without consent",
    basis=(
        # Part 6 complaints concern a person ordinarily resident in Australia (s.32); that sentence is added by
        # document.py only when the filer said they live in Australia.
        "The content reported below is an intimate image posted without the consent of the person shown, "
        "within the meaning of the Online Safety Act 2021 (Cth) (s.15, which includes altered and faked "
        "images). Under Part 6 of that Act the eSafety Commissioner can require its removal within 24 hours "
        "(s.77, and s.78 for the person who posted it).",
    ),
    deadline_label="Follow-up point (not a statutory deadline)",
    deadline_is_target=True,
    deadline_note=(
        # Online Safety Act 2021 (Cth): only eSafety's own removal notices carry a period (24 h, s.77); a request
        # from anyone else carries none.
        "This request is not an eSafety removal notice: Australian law sets no deadline for this request. The "
        "person shown "
        "may report to the eSafety Commissioner at any time, now or later; this portal follows up after the "
        "time shown."
    ),
    copies_sentence=(
        "Please also remove known identical copies on your service; the fingerprints below (PDQ, MD5 and "
        "pHash) identify them. The images themselves are never sent."
    ),
    synthetic_sentence=(
        "The image is AI-made or altered. The Act's definition of an intimate image includes images that "
        "have been altered or faked to appear to show the person."
    ),
    closing=(
        "This request is not a removal notice issued by the eSafety Commissioner. The person shown may report "
        "the content to eSafety at https://www.esafety.gov.au/report, which can issue a removal notice with a "
        "24-hour compliance period.",
    ),
    required=(*US_FOUR, *PORTAL_ELEMENTS),
)

DMCA = RegimeSpec(
    code=Regime.DMCA.value,
    name="DMCA 17 U.S.C. 512(c)(3)",
    subject_prefix="DMCA notice of claimed infringement (17 U.S.C. 512(c)(3))",
    statute="Digital Millennium Copyright Act, 17 U.S.C. 512(c)(3)",
    section="§512(c)(3)(A)(i)-(vi) notification of claimed infringement",
    basis=(
        # 17 U.S.C. 512(c)(3)(A): the six elements follow in this notice.
        "This is a notification of claimed infringement under 17 U.S.C. 512(c)(3). The material identified "
        "below copies a work whose copyright is owned by the person we represent, and it is posted without "
        "the copyright owner's authorisation.",
    ),
    deadline_label="Requested response time",
    deadline_is_target=True,
    deadline_note=(
        # 512(c)(1)(C): responding expeditiously is a condition of the safe harbour, not a duty owed to the sender.
        "Under Section 512(c)(1)(C) the safe harbour for stored material holds only if you respond expeditiously "
        "to remove or disable access to the material; we ask for action within the hours shown."
    ),
    copies_sentence=(
        "To help you find identical copies of the work on your service, the fingerprints of the original are "
        "listed below (PDQ, MD5 and pHash). The images themselves are never sent."
    ),
    # The description comes before the work's identification, so the sentence points below.
    synthetic_sentence=("Parts of the material are AI-made or altered from the copyrighted work identified below."),
    closing=(
        "I have a good faith belief that use of the material in the manner complained of is not authorized by "
        "the copyright owner, its agent, or the law.",
        "The information in this notification is accurate, and under penalty of perjury, I am authorized to "
        "act on behalf of the owner of an exclusive right that is allegedly infringed.",
    ),
    required=("signature", "copyrighted_work", "location", "contact", "good_faith", "perjury", *PORTAL_ELEMENTS),
    warning=(
        "Warning before you send a DMCA notice: platforms may forward a DMCA notice, including the sender's "
        "name and contact details, to the person who uploaded the material, and may publish a copy to the "
        "Lumen database (lumendatabase.org). Send it as the victim's agent with your organisation's details "
        "and the portal's relay address, never the victim's own name or e-mail, and prefer the TAKE IT DOWN "
        "Act route where it applies."
    ),
    advocate_only=True,
)

REGIMES: dict[str, RegimeSpec] = {spec.code: spec for spec in (US, EU, UK, AU, DMCA)}


def regime_for(code: str | None) -> RegimeSpec:
    """The spec for a :class:`Regime` value; the US Act is the default for an empty or unknown code."""
    return REGIMES.get(code or "", US)
