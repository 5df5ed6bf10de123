# ruff: noqa: E402  (Django must be configured before the imports)
"""Access-code hashing: Django's default PBKDF2 (the baseline) against takedowns.hashers.AccessCodeHasher, in one
run. Each victim's submission hashes one code, and each status sign-in checks one, so this is CPU per request.

    DEBUG=true .venv/bin/python benchmarks/access_code_hash.py [--codes 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.contrib.auth.hashers import check_password, make_password

from takedowns.services.cases import ACCESS_CODE_HASHER, access_code_generate


def timed(hasher: str, codes: list[str]) -> float:
    runs = []
    for code in codes:
        start = time.perf_counter()
        encoded = make_password(code, hasher=hasher)
        assert check_password(code, encoded)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--codes", type=int, default=20)
    args = parser.parse_args()
    codes = [access_code_generate() for _ in range(args.codes)]
    baseline = timed("pbkdf2_sha256", codes)
    fast = timed(ACCESS_CODE_HASHER, codes)
    print(
        f"hash + check, median of {args.codes}: default PBKDF2 {baseline * 1000:.1f} ms, "
        f"access-code hasher {fast * 1000:.2f} ms, {baseline / fast:.0f}x faster"
    )


if __name__ == "__main__":
    main()
