"""Every environment variable the portal reads is listed, and explained, in .env.example.

The settings package and gunicorn's configuration read the environment through one reader (portal/env.py); this
test finds each variable they name by parsing their source, so a new setting cannot ship undocumented.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [*sorted((ROOT / "portal" / "settings").glob("*.py")), ROOT / "portal" / "gunicorn.conf.py"]
READER_METHODS = {"str", "bool", "int", "list", "float", "json", "url", "path"}
_ASSIGNMENT = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=")


def _reads(path: Path) -> dict[str, int]:
    """The variables ``path`` reads through the ``env`` reader, with the line of each read."""
    names: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(node, ast.Call) or not node.args or not isinstance(node.args[0], ast.Constant):
            continue
        func = node.func
        through_env = (isinstance(func, ast.Name) and func.id == "env") or (
            isinstance(func, ast.Attribute)
            and func.attr in READER_METHODS
            and isinstance(func.value, ast.Name)
            and func.value.id == "env"
        )
        if through_env and isinstance(node.args[0].value, str):
            names.setdefault(node.args[0].value, node.lineno)
    return names


def _documented(text: str) -> dict[str, bool]:
    """Each variable listed in .env.example (set, or commented out with its default), and whether a comment
    explains it: the comment above it, or above the run of variables it belongs to (the operator block)."""
    lines = text.splitlines()
    listed: dict[str, bool] = {}
    for number, line in enumerate(lines):
        match = _ASSIGNMENT.match(line.strip())
        if not match:
            continue
        explained = False
        for above in reversed(lines[:number]):
            above = above.strip()
            if not above:
                break
            if not _ASSIGNMENT.match(above):
                explained = above.startswith("#") and len(above.lstrip("# ")) > 10
                break
        listed[match.group(1)] = explained
    return listed


def read_variables() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in SOURCES:
        for name, line in _reads(path).items():
            found.setdefault(name, f"{path.relative_to(ROOT)}:{line}")
    return found


def test_the_reader_is_found_in_the_sources():
    # The parser itself can fail: it finds reads of each kind, in the settings and in gunicorn's configuration.
    found = read_variables()
    assert {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "NOTICE_SEND_MAX_RETRIES", "GUNICORN_WORKERS"} <= set(found)
    assert len(found) > 50


@pytest.mark.parametrize(("name", "where"), sorted(read_variables().items()))
def test_every_variable_read_is_listed_and_explained_in_env_example(name, where):
    listed = _documented((ROOT / ".env.example").read_text())
    assert name in listed, f"{name} (read at {where}) is missing from .env.example"
    assert listed[name], f"{name} has no comment in .env.example saying what it does"


def test_an_undocumented_variable_is_caught():
    listed = _documented("# A comment that explains.\nKNOWN=1\n\nBARE=2\n# OLD_DEFAULT=3\n")
    assert listed == {"KNOWN": True, "BARE": False, "OLD_DEFAULT": False}


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_settings_read_the_environment_only_through_the_reader(path):
    tree = ast.parse(path.read_text())
    direct = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in {"environ", "getenv"}
        and getattr(node.value, "id", "") == "os"
    ]
    assert not direct, f"{path.name} reads os.environ directly at lines {direct}: use portal.env.env"
