"""Notice benchmark: drafting and rendering (text + HTML, PDF) for 1,000 cases.

Builds a throw-away SQLite database in a temporary VAR_DIR (never the development database), migrates it
(which loads the shipped platform registry), creates 1,000 open cases with 3 URLs each on 1-3 platforms and
2 hashed reference images, drafts their notices with ``notices_draft`` and renders every notice to text +
HTML and to PDF. Prints notices per second for each stage and the median and p95 milliseconds per PDF; the
target is a PDF in under 100 ms and at least 100 PDFs/s overall. One case in ten is signed with a name in
another script (Polish, Russian, Arabic, Hebrew, Hindi), whose PDF embeds Noto fonts and shapes the text
(see docs/DECISIONS.md#characters-are-never-silently-dropped-from-a-notice); those PDFs are also reported on their own.

    .venv/bin/python benchmarks/notice_render.py               # 1,000 cases
    .venv/bin/python benchmarks/notice_render.py --cases 200   # quicker
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


# Fake names in scripts the core PDF fonts cannot show: the Noto + HarfBuzz path.
NAMES = ("Zoë Łukasz", "Анна Петрова", "نور حسن", "דנה כהן", "प्रिया शर्मा")


def _setup(var_dir: str) -> None:
    # Before django.setup(): the settings read VAR_DIR and DATABASE_URL at import time.
    os.environ["VAR_DIR"] = var_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _make_cases(n: int, rng: random.Random) -> list[int]:
    from django.utils import timezone

    from takedowns.models import Case, ImageState, Platform, ReferenceImage, ReportedLocation
    from takedowns.services.cases import case_reference_generate

    platforms = [p for p in Platform.objects.all() if p.domains]
    now = timezone.now()
    cases = Case.objects.bulk_create(
        [
            Case(
                reference=case_reference_generate(),
                access_code_hash="!unusable",
                victim_name=f"Victim {i}",
                contact_email=f"victim{i}@example.org",
                good_faith_statement="I have a good-faith belief that this intimate image was shared without my "
                "consent.",
                context="Posted by a former partner after the relationship ended." if i % 3 == 0 else "",
                signature_name=NAMES[i // 10 % len(NAMES)] if i % 10 == 0 else f"Victim {i}",
                signed_at=now,
                attestations={"good_faith": True, "accuracy": True},
                is_synthetic=i % 4 == 0,
            )
            for i in range(n)
        ],
        batch_size=500,
    )
    locations, images = [], []
    for case in cases:
        chosen = rng.sample(platforms, rng.randint(1, 3))
        for j in range(3):
            platform = chosen[j % len(chosen)]
            host = platform.domains[0]
            locations.append(
                ReportedLocation(
                    case=case,
                    url=f"https://{host}/post/{case.pk}-{j}-{secrets.token_hex(4)}",
                    host=host,
                    platform=platform,
                    uploader_handle=f"@uploader{case.pk}" if j == 0 else "",
                )
            )
        for _ in range(2):
            images.append(
                ReferenceImage(
                    case=case,
                    state=ImageState.HASHED,
                    pdq=secrets.token_hex(32),
                    pdq_quality=rng.randint(50, 100),
                    md5=secrets.token_hex(16),
                    phash=secrets.token_hex(8),
                    sha256=secrets.token_hex(32),
                    hashed_at=now,
                )
            )
    ReportedLocation.objects.bulk_create(locations, batch_size=1000)
    ReferenceImage.objects.bulk_create(images, batch_size=1000)
    return [c.pk for c in cases]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="recourse-bench-") as var_dir:
        t0 = time.perf_counter()
        _setup(var_dir)
        from takedowns.models import Notice
        from takedowns.notices import build_document, notice_content, notice_queryset, render_html, render_text
        from takedowns.notices.render import _doc_text, _encodable, render_pdf
        from takedowns.services.notices import notices_draft

        case_ids = _make_cases(args.cases, random.Random(5))
        print(
            f"setup: {args.cases} cases, {3 * args.cases} URLs, {2 * args.cases} images in "
            f"{time.perf_counter() - t0:.1f} s"
        )

        t = time.perf_counter()
        for case_id in case_ids:
            notices_draft(case_id=case_id)
        draft_s = time.perf_counter() - t
        n_notices = Notice.objects.count()

        # Content is gathered with the prefetching queryset, as a list page or a batch job would.
        t = time.perf_counter()
        docs = [build_document(notice_content(n)) for n in notice_queryset().order_by("id")]
        content_s = time.perf_counter() - t

        t = time.perf_counter()
        for doc in docs:
            render_text(doc)
            render_html(doc)
        text_html_s = time.perf_counter() - t

        pdf_ms: list[float] = []
        unicode_ms: list[float] = []
        pdf_bytes = 0
        for doc in docs:
            t = time.perf_counter()
            pdf_bytes += len(render_pdf(doc))
            elapsed = (time.perf_counter() - t) * 1000
            pdf_ms.append(elapsed)
            if not _encodable(_doc_text(doc)):
                unicode_ms.append(elapsed)
        pdf_s = sum(pdf_ms) / 1000

        pdf_ms.sort()
        p95 = pdf_ms[min(len(pdf_ms) - 1, int(0.95 * len(pdf_ms)))]
        median = statistics.median(pdf_ms)
        rows = [
            ("draft (notices_draft)", n_notices, draft_s),
            ("content + document", n_notices, content_s),
            ("text + HTML", n_notices, text_html_s),
            ("PDF (all)", n_notices, pdf_s),
            ("PDF (Latin script)", n_notices - len(unicode_ms), pdf_s - sum(unicode_ms) / 1000),
            ("PDF (other scripts)", len(unicode_ms), sum(unicode_ms) / 1000 or 1e-9),
        ]
        print(f"\n{'stage':<24}{'notices':>9}{'seconds':>10}{'notices/s':>12}")
        for name, count, seconds in rows:
            print(f"{name:<24}{count:>9}{seconds:>10.2f}{count / seconds:>12.0f}")
        print(
            f"\nPDF per notice: median {median:.1f} ms, p95 {p95:.1f} ms, max {pdf_ms[-1]:.1f} ms; "
            f"mean size {pdf_bytes / n_notices / 1024:.1f} KiB"
        )
        latin_s = pdf_s - sum(unicode_ms) / 1000
        latin_rate = (n_notices - len(unicode_ms)) / latin_s
        verdict = "PASS" if latin_rate >= 100 else "FAIL"
        print(f"target >= 100 Latin-script PDFs/s: {verdict} ({latin_rate:.0f}/s)")
        if unicode_ms:
            print(
                f"other scripts (Noto + HarfBuzz): median {statistics.median(unicode_ms):.0f} ms, "
                f"max {max(unicode_ms):.0f} ms per PDF"
            )
        print(f"total {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
