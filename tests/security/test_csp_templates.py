"""Nothing the Content-Security-Policy would block, found without a browser: no inline ``<script>`` (without the
request's nonce), no inline event handlers (``onclick=`` …), no ``javascript:`` URLs, no inline styles, and no
``eval`` in our own scripts — in every template of the portal and in every HTML page the access matrix renders
(``assert_no_inline_code``, called there on each answer, covers third-party templates such as the admin's and
the API docs too).

E-mail templates (templates/takedowns/email/, templates/takedowns/notifications/) are exempt from the style
rules: mail clients ignore style sheets, and no CSP applies to an e-mail."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.utils import ROOT

TEMPLATES = ROOT / "templates"
SCRIPTS = ROOT / "static" / "recourse" / "js"
MAIL_FOLDERS = ("takedowns/email/", "takedowns/notifications/")

_SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
_HANDLER = re.compile(r"""<[a-z][^>]*?\son[a-z]+\s*=""", re.I | re.S)
_JS_URL = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.I)
_STYLE_TAG = re.compile(r"<style\b", re.I)
_STYLE_ATTR = re.compile(r"""<[a-z][^>]*?\sstyle\s*=""", re.I | re.S)
_HTMX_EVAL = re.compile(r"""\shx-on[:\-]|\shx-vars\s*=|hx-vals\s*=\s*["']\s*js:""", re.I)


def inline_code(html: str, *, styles: bool = True, nonce_template: bool = False) -> list[str]:
    """What a strict CSP (script-src/style-src 'self', no 'unsafe-inline') would block in ``html``."""
    found = []
    for match in _SCRIPT_TAG.finditer(html):
        attrs = match.group(1)
        if re.search(r"\bsrc\s*=", attrs, re.I):
            continue
        if nonce_template and "csp_nonce" in attrs:
            continue
        if re.search(r"""type\s*=\s*["']application/(ld\+)?json["']""", attrs, re.I):
            continue  # a data block: never executed
        found.append(f"inline <script{attrs}>")
    found += [f"event handler: {m.group(0)[-40:]!r}" for m in _HANDLER.finditer(html)]
    found += [f"javascript: URL: {m.group(0)!r}" for m in _JS_URL.finditer(html)]
    found += [f"htmx evaluating code: {m.group(0)!r}" for m in _HTMX_EVAL.finditer(html)]
    if styles:
        found += ["inline <style>" for _m in _STYLE_TAG.finditer(html)]
        found += [f"style attribute: {m.group(0)[-40:]!r}" for m in _STYLE_ATTR.finditer(html)]
    return found


def assert_no_inline_code(response) -> None:
    """For rendered pages: the CSP would block none of their scripts (inline styles of third-party pages, such
    as the admin's, only lose their looks, so only scripts are asserted here)."""
    if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
        return
    html = response.content.decode(errors="replace")
    blocked = inline_code(html, styles=False)
    assert not blocked, blocked[:5]


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def test_no_template_has_code_or_styles_the_csp_would_block():
    problems = []
    for path in _templates():
        relative = path.relative_to(TEMPLATES).as_posix()
        mail = relative.startswith(MAIL_FOLDERS)
        for problem in inline_code(path.read_text(), styles=not mail, nonce_template=True):
            problems.append(f"{relative}: {problem}")
    assert len(_templates()) > 40
    assert not problems, "\n".join(problems)


def test_the_checker_finds_what_the_csp_would_block():
    """The scan above cannot pass by finding nothing at all."""
    assert inline_code('<button onclick="go()">x</button>')
    assert inline_code("<script>alert(1)</script>")
    assert inline_code('<a href="javascript:void(0)">x</a>')
    assert inline_code('<p style="color:red">x</p>')
    assert inline_code('<div hx-on:click="alert(1)"></div>')
    assert not inline_code('<script src="/static/x.js" defer></script><p class="x" data-on="1">on=</p>')
    assert not inline_code('<script nonce="{{ request.csp_nonce }}">x</script>', nonce_template=True)


def test_our_scripts_never_evaluate_strings():
    for path in sorted(SCRIPTS.rglob("*.js")):
        text = path.read_text()
        for pattern in (r"\beval\s*\(", r"new\s+Function\s*\(", r"set(?:Timeout|Interval)\s*\(\s*['\"`]"):
            assert not re.search(pattern, text), f"{path.name}: {pattern}"


def test_htmx_is_configured_not_to_evaluate_or_inject_styles():
    base = (TEMPLATES / "base.html").read_text()
    config = re.search(r"""<meta name="htmx-config" content='([^']*)'>""", base).group(1)
    assert '"allowEval": false' in config and '"includeIndicatorStyles": false' in config


@pytest.mark.django_db
def test_api_docs_load_everything_from_the_portal_itself(client, settings):
    """Swagger UI from the portal's static files (drf-spectacular-sidecar), its start script a same-origin file:
    nothing from a CDN (which the CSP would block, and which needs the internet)."""
    settings.WHITENOISE_USE_FINDERS = True  # static files as `make run` serves them, without collectstatic
    page = client.get(reverse("api-docs"))
    html = page.content.decode()
    assert page.status_code == 200 and not inline_code(html)
    sources = re.findall(r"""(?:src|href)="([^"]+)\"""", html)
    assert sources and all(src.startswith("/") and not src.startswith("//") for src in sources), sources
    assert any("swagger-ui-bundle.js" in src for src in sources)
    script = next(src for src in sources if "script" in src.split("?", 1)[-1])
    init = client.get(script.replace("&amp;", "&"))
    assert init.status_code == 200 and init["Content-Type"].startswith("application/javascript")
    for src in sources:
        if src.startswith("/static/"):
            assert client.get(src).status_code == 200, src
