"""factory_boy factories for the domain. Personal fields hold obviously fake values."""

from __future__ import annotations

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from takedowns.models import Case, Notice, Platform, ReportedLocation
from takedowns.services.cases import access_code_normalise, case_reference_generate

TEST_ACCESS_CODE = "ABCD-EFGH-JKMN-PQRS"


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    reference = factory.LazyFunction(case_reference_generate)
    access_code_hash = factory.LazyFunction(lambda: make_password(access_code_normalise(TEST_ACCESS_CODE)))
    victim_name = "Sam Example"
    contact_email = "sam@example.org"
    good_faith_statement = "I have a good-faith belief that this intimate image was shared without my consent."
    signature_name = "Sam Example"
    signed_at = factory.LazyFunction(timezone.now)
    attestations = factory.LazyFunction(lambda: {"good_faith": True, "accuracy": True})


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportedLocation

    case = factory.SubFactory(CaseFactory)
    url = factory.Sequence(lambda n: f"https://www.reddit.com/r/example/comments/{n}/post/")
    host = "www.reddit.com"
    platform = factory.LazyFunction(lambda: Platform.objects.get(slug="reddit"))


class NoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notice

    case = factory.SubFactory(CaseFactory)
    platform = factory.LazyFunction(lambda: Platform.objects.get(slug="reddit"))
    round = 1
    response_hours = 48


EMAIL_PLATFORMS = [
    {
        "slug": "mailhost-a",
        "name": "Mailhost A",
        "domains": ["mailhost-a.example"],
        "channel": "email",
        "contact_email": "ncii@mailhost-a.example",
    },
    {
        "slug": "mailhost-b",
        "name": "Mailhost B",
        "domains": ["mailhost-b.example"],
        "channel": "email",
        "contact_email": "abuse@mailhost-b.example",
        "regime": "US",
        "response_hours": 48,
    },
    {
        "slug": "mailhost-c",
        "name": "Mailhost C",
        "domains": ["mailhost-c.example"],
        "channel": "email",
        "contact_email": "legal@mailhost-c.example",
    },
]


def load_email_platforms() -> dict[str, Platform]:
    """Three platforms that take notices by e-mail (the shipped registry has mostly web forms)."""
    import json

    from takedowns.registry import parse_registry
    from takedowns.services.platforms import platforms_load

    platforms_load(specs=parse_registry(json.dumps(EMAIL_PLATFORMS)))
    return {p.slug: p for p in Platform.objects.filter(slug__startswith="mailhost-")}


def complete_case(*, urls, hashed_images: int = 1, **overrides):
    """A case with every element a notice needs: signature, statement, contact, URLs, fingerprinted images."""
    from takedowns.models import ReferenceImage
    from takedowns.services.cases import case_create

    values = {
        "victim_name": "Sam Example",
        "contact_email": "sam@example.org",
        "good_faith_statement": "I have a good-faith belief that the intimate images at these addresses were "
        "published without my consent.",
        "signature_name": "Sam Example",
        "attestations": {"good_faith": True, "accuracy": True, "authority": True},
        "urls": urls,
    }
    values.update(overrides)
    case = case_create(**values).case
    for index in range(hashed_images):
        ReferenceImage.objects.create(
            case=case,
            state="hashed",
            sha256=f"{index:064x}",
            md5=f"{index + 1:032x}",
            phash="d1c4a0b0f0e0c0b0",
            dhash="0f0f0f0f0f0f0f0f",
            whash="ffff0000ffff0000",
            pdq=f"{index + 7:064x}",
            pdq_quality=87,
            width=640,
            height=480,
        )
    return case


def hashed_reference(case, record):
    """A hashed reference picture of ``case`` with the fingerprints and matcher record of ``record`` (an
    ``hashing.ImageHashes``), as the hashing task leaves it."""
    from takedowns.models import ReferenceImage

    return ReferenceImage.objects.create(
        case=case,
        state="hashed",
        sha256=record.sha256,
        md5=record.md5,
        phash=record.phash,
        dhash=record.dhash,
        whash=record.whash,
        pdq=record.pdq,
        pdq_quality=record.pdq_quality,
        width=record.width,
        height=record.height,
        match_data=record.to_dict(),
    )


def random_hex(rng, bits: int = 256) -> str:
    """A random hash of ``bits`` bits in hex, from ``rng`` (a ``random.Random``)."""
    return f"{rng.getrandbits(bits):0{bits // 4}x}"


def flip_bits(value: str, bits) -> str:
    """``value`` (a hash in hex) with the given bit positions flipped (bit 0 is the least significant)."""
    n = int(value, 16)
    for bit in bits:
        n ^= 1 << bit
    return f"{n:0{len(value)}x}"


def flip_spread(value: str, count: int, rng, blocks: int | None = None) -> str:
    """``value`` (a hash in hex) with ``count`` distinct bits flipped, dealt round-robin over ``blocks`` blocks
    as ``hashing.mih.split_widths`` cuts them (default: the database's, 11 for PDQ and 3 for pHash): the
    hardest case for multi-index hashing, where at the radius the nearest block is exactly ``radius // blocks``
    bits away (the edge of the pigeonhole)."""
    from hashing.mih import split_widths
    from takedowns.models.discovery import PDQ_SEGMENTS, PHASH_SEGMENTS

    bits = len(value) * 4
    blocks = blocks or (PDQ_SEGMENTS if bits == 256 else PHASH_SEGMENTS)
    top, per_block = bits, []
    for width in split_widths(bits, blocks):
        top -= width
        per_block.append(rng.sample(range(top, top + width), min(width, -(-count // blocks))))
    return flip_bits(value, (per_block[i % blocks][i // blocks] for i in range(count)))


def generated_record(pdq: str, phash: str, variants: dict, rng):
    """A matcher record (``hashing.ImageHashes``) made of given fingerprints, no picture behind it: ``variants``
    maps a variant's name to its (PDQ, pHash)."""
    import hashing

    return hashing.ImageHashes(
        sha256=random_hex(rng),
        md5=random_hex(rng, 128),
        phash=phash,
        dhash=phash,
        whash=phash,
        pdq=pdq,
        pdq_quality=90,
        width=640,
        height=480,
        variants=tuple(hashing.Variant(name, p, p, value) for name, (value, p) in variants.items()),
    )


def crawled_images(records: list, *, proposals: list | None = None, queued: bool = False) -> list:
    """Crawled pictures with these matcher records, stored as the crawl stores them (columns, record, variant
    rows) on one generated site; ``proposals``: each one's ``keypoint_refs``; ``queued``: waiting to be matched
    (as new pictures are), else as if matched already."""
    from takedowns.models import CrawledImage, CrawledUnmatched, WatchedSite
    from takedowns.services import discovery

    site = WatchedSite.objects.create(name="Generated", start_urls=["https://gallery.example/"])
    now = timezone.now()
    images = CrawledImage.objects.bulk_create(
        CrawledImage(
            site=site,
            image_url=f"https://gallery.example/i/{i}.jpg",
            image_url_sha=f"{i:064x}",
            page_url=f"https://gallery.example/p/{i}",
            sha256=r.sha256,
            pdq=r.pdq,
            pdq_quality=r.pdq_quality,
            phash=r.phash,
            pdq_trimmed=(r.variant("trimmed").pdq if r.variant("trimmed") else ""),
            pdq_unwrapped=(r.variant("unwrapped").pdq if r.variant("unwrapped") else ""),
            hashes=r.to_dict(),
            keypoint_refs=proposals[i] if proposals else [],
            first_seen_at=now,
            last_seen_at=now,
        )
        for i, r in enumerate(records)
    )
    for image in images:
        discovery.crawled_pdq_store(image=image)
    if queued:
        CrawledUnmatched.objects.bulk_create([CrawledUnmatched(crawled_image=image, queued_at=now) for image in images])
    return images
