"""What the content is and what the notice asks: description, account action, re-uploads, copies, minors."""

from __future__ import annotations

from takedowns.notices.content import NoticeContent
from takedowns.notices.document.model import Paragraph, clean, para


def description_lines(content: NoticeContent, *, with_handles: bool = True) -> list[str]:
    """What the content is, in the words platforms' forms ask for under "describe the content". The document
    lists uploader accounts next to their URLs, so it passes ``with_handles=False``."""
    n = len(content.locations)
    items = f"The {'item' if n == 1 else f'{n} items'} listed {'is' if n == 1 else 'are'}"
    if content.regime == "DMCA":
        # A copyright claim: no NCII framing (it may be forwarded to the uploader); the work and the owner's
        # authority carry it.
        lines = [
            f"{items} published on {clean(content.platform_name)} without the authorisation of the copyright "
            f"owner and {'copies' if n == 1 else 'copy'} the copyrighted work identified below."
        ]
    elif content.is_minor_content:
        lines = [
            f"{items} {'a ' if n == 1 else ''}sexually explicit {'image' if n == 1 else 'images'} of a person "
            f"who {_under_18(content)} when {'it was' if n == 1 else 'they were'} made, published on "
            f"{clean(content.platform_name)}."
        ]
    else:
        lines = [
            f"{items} {'an ' if n == 1 else ''}intimate {'image' if n == 1 else 'images'} of the person shown, "
            f"published on {clean(content.platform_name)} without their consent."
        ]
    if content.is_synthetic:
        lines.append(content.spec.synthetic_sentence)
    likeness = [loc for loc in content.locations if loc.likeness]
    if likeness and content.regime != "DMCA" and not content.is_minor_content:
        # Found by her face, not as a copy of a picture she gave: it may be a real photo or a fake. TAKE IT
        # DOWN Act §2 (47 U.S.C. 223(h)(1)(B)) covers a "digital forgery" of an identifiable individual alike.
        lines.append(
            f"{'One item' if len(likeness) == 1 else f'{len(likeness)} items'} listed "
            f"({', '.join(clean(loc.url) for loc in likeness)}) "
            f"{'is an intimate image' if len(likeness) == 1 else 'are intimate images'}, real or fabricated, "
            "depicting the person: identified by a person who reviewed it as showing her, not as a copy of a "
            "picture she supplied. A fabricated depiction is a digital forgery, covered in the same way as an "
            "authentic one."
        )
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
    """Where the uploader's handle is known: ask for action on the account (from the seed petition:
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
        # No NCII framing here: a DMCA notice may be forwarded to the uploader and published.
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
    if not dmca and "US" in content.cites and content.tida_covered is not False and content.tida_process:
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
    return [para(text) for text in texts]


NEUTRAL_COPIES = (
    "To help you find identical copies of this content on your service, the fingerprints of the reference "
    "images are listed below (PDQ, MD5 and pHash). The images themselves are never sent."
)


def copies_sentence(content: NoticeContent) -> str:
    """The primary regime's "copies" sentence; TIDA's §3(a)(3) duty only where it binds the recipient."""
    if content.regime == "US" and (content.tida_covered is False or not content.tida_process):
        # §3(a)(3)'s copies duty follows a request made through the platform's own process, like its 48 hours.
        return NEUTRAL_COPIES
    if content.regime == "US" and content.tida_covered is None:
        return (
            "If you are a covered platform (Section 4(3)), "
            + content.spec.copies_sentence[0].lower()
            + (content.spec.copies_sentence[1:])
        )
    return content.spec.copies_sentence


BONA_FIDE = (
    "I confirm my bona fide belief that the information and allegations contained in this notice are accurate "
    "and complete (Digital Services Act, Article 16(2)(d))."
)


def _under_18(content: NoticeContent) -> str:
    # The filer's own answer: "I am not sure" is never turned into a certainty.
    return "may have been under 18" if content.minor_age_uncertain else "was under 18"


# Where content made under 18 is reported, by the country of the person shown (reference/notice-requirements.md):
# NCMEC's CyberTipline (US; 18 U.S.C. 2258A), the Internet Watch Foundation (UK; with Childline's Report Remove),
# the eSafety Commissioner (Australia), and the national hotline of the INHOPE network (EU member states).
CHILD_PROTECTION_ROUTES = {
    "US": "the CyberTipline of the National Center for Missing & Exploited Children (NCMEC)",
    "UK": "the Internet Watch Foundation (IWF), with Childline's Report Remove",
    "AU": "the eSafety Commissioner",
    "EU": "the national hotline of the INHOPE network in their member state",
}


def minor_blocks(content: NoticeContent) -> list[Paragraph]:
    age = (
        "The person shown may have been under 18 when this content was made: it may be child sexual abuse material."
        if content.minor_age_uncertain
        else "The person shown was under 18 when this content was made. It is apparent child sexual abuse material."
    )
    routes = [CHILD_PROTECTION_ROUTES["US"]]
    if content.jurisdiction in CHILD_PROTECTION_ROUTES and content.jurisdiction != "US":
        routes.append(CHILD_PROTECTION_ROUTES[content.jurisdiction])
    return [
        para(f"{age} Please treat this notice with priority and remove or disable access to it at once."),
        # 18 U.S.C. 2258A(a)(1): providers of an electronic communication service or remote computing service
        # must report apparent child pornography to NCMEC's CyberTipline once they obtain actual knowledge.
        para(
            "If you provide an electronic communication service or remote computing service to the public, 18 "
            "U.S.C. 2258A(a) requires you to report apparent child sexual abuse material to the CyberTipline of "
            "the National Center for Missing & Exploited Children (NCMEC) as soon as reasonably possible after "
            "you obtain actual knowledge of it, and 2258A(h) requires you to preserve what you report."
        ),
        # No fingerprints: a case of content made under 18 holds no image data at all (gather._shared_hashes).
        para(
            "No images or fingerprints are attached to this notice and this portal holds none: the person shown "
            "has been pointed to NCMEC's Take It Down service (hashing on their own device) and to "
            + " and to ".join(routes)
            + "."
        ),
    ]
