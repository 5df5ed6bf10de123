"""The command line, run as users and other tools run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from PIL import Image

from tests.utils import encode, photo

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(*args: str):
    return subprocess.run(
        [sys.executable, "-m", "hashing", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    (d / "a.jpg").write_bytes(encode(photo("astronaut")))
    (d / "b.png").write_bytes(encode(photo("astronaut").transpose(Image.Transpose.FLIP_LEFT_RIGHT), "PNG"))
    (d / "c.webp").write_bytes(encode(photo("coffee"), "WEBP"))
    (d / "bad.jpg").write_bytes(b"%PDF-1.4\n")
    return d


def test_hash(folder):
    r = run("hash", str(folder))
    assert r.returncode == 1  # one bad file, the others still hashed
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(lines) == 4
    good = [x for x in lines if "error" not in x]
    for x in good:
        assert {"file", "sha256", "md5", "phash", "dhash", "whash", "pdq", "pdq_quality", "width", "height"} <= set(x)
        assert len(x["pdq"]) == 64 and len(x["phash"]) == 16 and 0 <= x["pdq_quality"] <= 100
        assert "features" not in x and "variants" not in x
    bad = next(x for x in lines if "error" in x)
    assert bad["error"]["code"] == "unsupported_format" and "PDF" in r.stderr


def test_hash_ok_exit_zero(folder):
    r = run("hash", str(folder / "a.jpg"))
    assert r.returncode == 0 and json.loads(r.stdout)["width"] == 512


def test_compare(folder):
    r = run("compare", str(folder / "a.jpg"), str(folder / "b.png"))
    assert r.returncode == 0
    out = json.loads(r.stdout)
    assert out["match"] is True and out["stage"] == "hash-mirrored"
    assert set(out["distances"]) == {"phash", "dhash", "whash", "pdq"}
    r = run("compare", str(folder / "a.jpg"), str(folder / "c.webp"))
    assert r.returncode == 0 and json.loads(r.stdout)["match"] is False


def test_match(folder):
    r = run("match", "--refs", str(folder / "a.jpg"), "--candidates", str(folder))
    assert r.returncode == 1
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    by = {os.path.basename(x.get("candidate") or x.get("file")): x for x in lines}
    assert by["a.jpg"]["stage"] == "exact" and by["b.png"]["match"] is True
    assert by["c.webp"]["match"] is False and by["c.webp"]["ref"] is None and by["c.webp"]["stage"] == "none"
    assert by["bad.jpg"]["error"]["code"] == "unsupported_format"
    for x in lines:
        if "candidate" in x:
            assert {"candidate", "ref", "distances", "match", "stage", "reason"} <= set(x)


def test_usage_errors():
    assert run().returncode == 2
    assert run("match", "--refs", "/nonexistent-folder-xyz/").returncode == 2
    assert "Exit codes" in run("--help").stdout
