"""The key-value tables of a notice: fingerprints, each location's details, signature, contact, sender."""

from __future__ import annotations

from takedowns.notices.content import NoticeContent
from takedowns.notices.document.model import BulletList, Inline, Link, ListItem, clean, utc
from takedowns.notices.evidence import evidence_lines


def _primary(image) -> str:
    # PDQ is what StopNCII/NCMEC/HMA exchange, so it leads, unless its quality is below 50 (low confidence).
    if image.pdq and not image.pdq_low_confidence:
        return f"PDQ {image.pdq}"
    return f"MD5 {image.md5}" if image.md5 else f"SHA-256 {image.sha256}"


def hash_rows(content: NoticeContent) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for image in content.hashes:
        pdq_row: tuple[str, str] | None = None
        if image.pdq:
            quality = f" (quality {image.pdq_quality})" if image.pdq_quality is not None else ""
            if image.pdq_low_confidence:
                quality += " LOW CONFIDENCE: quality below 50; do not match on PDQ alone"
            pdq_row = (f"{image.label} PDQ", f"{image.pdq}{quality}")
        if pdq_row and not image.pdq_low_confidence:
            rows.append(pdq_row)
        if image.md5:
            rows.append((f"{image.label} MD5", image.md5))
        if image.phash:
            rows.append((f"{image.label} pHash", image.phash))
        if image.sha256:
            rows.append((f"{image.label} SHA-256", image.sha256))
        if pdq_row and image.pdq_low_confidence:
            rows.append(pdq_row)
    return rows


def location_details(content: NoticeContent, loc) -> list[str]:
    """The reviewer's table, one row per URL: media type, uploader, the reference image it shows (by hash)."""
    details = [f"Media type: {clean(loc.media_type)}" if loc.media_type else "Media type: not yet checked"]
    if loc.uploader_handle:
        details.append(f"Uploaded by account: {clean(loc.uploader_handle)}")
    image = next((h for h in content.hashes if h.label == loc.reference_label), None)
    if image is not None:
        details.append(f"Shows reference image: {image.label} ({_primary(image)})")
    details += evidence_lines(loc.match_evidence)
    return details


def location_list(content: NoticeContent) -> BulletList:
    """Every URL to remove, each with the reviewer's details under it."""
    return BulletList(
        tuple(
            ListItem(parts=(Link(clean(loc.url)),), details=tuple((d,) for d in location_details(content, loc)))
            for loc in content.locations
        )
    )


def signature_rows(content: NoticeContent) -> list[tuple[str, str]]:
    if content.regime == "DMCA":
        return _dmca_signature_rows(content)
    rows = [("Signed by", f"/{clean(content.signature_name)}/" if content.signature_name else "")]
    if content.is_organisation:
        rows.append(("Capacity", "Organisation acting for the person shown"))
        if content.representative_name and content.representative_name != content.signature_name:
            rows.append(("Organisation", clean(content.representative_name)))
        rows.append(("Authority", clean(content.representative_authority)))
    elif content.is_representative:
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


def _dmca_signature_rows(content: NoticeContent) -> list[tuple[str, str]]:
    # 17 U.S.C. 512(c)(3)(A)(i): the signature of "a person authorized to act on behalf of the owner". The operator
    # signs in its own name, so the perjury statement (A)(vi) is its own; the Act does not require the owner's
    # name, which is given only when the person shown chose to (the notice may reach the uploader and Lumen).
    owner = clean(content.dmca_owner_name) if content.dmca_owner_name else "Name withheld at the owner's request"
    return [
        ("Signed by", f"/{clean(content.signature_name)}/" if content.signature_name else ""),
        ("Capacity", "Authorised agent of the copyright owner"),
        ("Copyright owner", owner),
        ("Signed on", utc(content.signed_at)),
    ]


def contact_rows(content: NoticeContent) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    if content.contact_email:
        rows.append(("E-mail", clean(content.contact_email)))
    if content.contact_phone:
        rows.append(("Phone", clean(content.contact_phone)))
    if content.regime == "DMCA":
        # 17 U.S.C. 512(c)(3)(A)(iv): "address, telephone number, and, if available, an electronic mail
        # address" of the complaining party: the advocate organisation, acting as agent.
        op = content.operator
        rows.append(("Agent", clean(op.name)))
        rows.append(("Agent's postal address", clean(op.postal_address)))
        rows.append(("Agent's phone", clean(op.phone)))
    return rows


def operator_rows(content: NoticeContent) -> list[tuple[str, tuple[Inline, ...]]]:
    op = content.operator
    rows: list[tuple[str, tuple[Inline, ...]]] = [
        ("Organisation", (clean(op.name),)),
        ("Postal address", (clean(op.postal_address),)),
        ("Contact", (clean(op.email) + (f", {clean(op.phone)}" if op.phone else ""),)),
    ]
    if op.website:
        rows.append(("Website", (Link(clean(op.website)),)))
    return rows
