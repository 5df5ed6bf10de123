"""The front door stays short and no link in the documentation leads nowhere.

Every relative link and image in README.md and docs/*.md must name a file of the repository and, when it has
an anchor (``#...``), a heading of that file, slugged as GitHub does. Links inside code are not links.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parent.parent
README_MAX_LINES = 150

FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
# [text](target) and ![alt](target), with an optional "title" after the target.
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: markup dropped, lower case, punctuation removed, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = text.replace("`", "").replace("*", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    result = set()
    for heading in HEADING.findall(FENCE.sub("", path.read_text(encoding="utf-8"))):
        slug = github_slug(heading)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.add(slug if count == 0 else f"{slug}-{count}")
    return result


def relative_links(path: Path) -> list[str]:
    text = INLINE_CODE.sub("", FENCE.sub("", path.read_text(encoding="utf-8")))
    return [
        target
        for target in LINK.findall(text)
        if not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE)  # http:, https:, mailto:
    ]


def broken_links(path: Path, *, root: Path = ROOT) -> list[str]:
    problems = []
    for target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        resolved = (path.parent / unquote(file_part)).resolve() if file_part else path
        if not resolved.is_relative_to(root.resolve()) or not resolved.exists():
            problems.append(f"{path.name}: {target} (no such file)")
        elif anchor and (resolved.suffix != ".md" or unquote(anchor).lower() not in anchors(resolved)):
            problems.append(f"{path.name}: {target} (no heading #{anchor} in {resolved.name})")
    return problems


def test_readme_is_short():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, (
        f"README.md has {len(lines)} lines; keep it to {README_MAX_LINES} and move detail into docs/"
    )


@pytest.mark.parametrize("path", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(path):
    assert broken_links(path) == []


CODE_DIRS = ("takedowns", "portal", "hashing", "tests", "benchmarks", "docs")
DECISION_LINK = re.compile(r"DECISIONS\.md#([A-Za-z0-9_-]+)")


def decision_links_in_code() -> list[tuple[str, str]]:
    """(file, anchor) for every heading of docs/DECISIONS.md that a code comment or docstring links to."""
    found = []
    for folder in CODE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for anchor in DECISION_LINK.findall(path.read_text(encoding="utf-8")):
                found.append((str(path.relative_to(ROOT)), anchor))
    return found


def test_code_points_only_at_decisions_that_exist():
    existing = anchors(ROOT / "docs" / "DECISIONS.md")
    assert [(path, anchor) for path, anchor in decision_links_in_code() if anchor not in existing] == []


def test_readme_shows_each_audience():
    images = [t for t in relative_links(ROOT / "README.md") if t.endswith(".png")]
    assert {Path(t).stem for t in images} >= {"victim-status", "advocate-board", "platform-inbox"}


def test_the_checker_finds_broken_links(tmp_path):
    (tmp_path / "other.md").write_text("# A heading: with `code`\n\n## Twice\n\n## Twice\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md#a-heading-with-code) [dup](other.md#twice-1) [self](#top) [web](https://example.org/x)\n"
        "[missing](nowhere.md) [bad anchor](other.md#nope) ![img](img/none.png) `[in code](nowhere.md)`\n"
        "```\n[in a fence](nowhere.md)\n```\n# Top\n",
        encoding="utf-8",
    )
    assert broken_links(page, root=tmp_path) == [
        "page.md: nowhere.md (no such file)",
        "page.md: other.md#nope (no heading #nope in other.md)",
        "page.md: img/none.png (no such file)",
    ]
    assert (
        github_slug("United States — TAKE IT DOWN Act (47 U.S.C. 223a)")
        == "united-states--take-it-down-act-47-usc-223a"
    )
    assert github_slug("The recipient's law decides the notice") == "the-recipients-law-decides-the-notice"
