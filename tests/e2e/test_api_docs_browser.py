"""The API documentation in a real browser under the portal's CSP: Swagger UI loads from the portal itself
(no CDN, no internet needed) and renders the operations, with no script the policy had to block."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_api_docs_render_under_the_strict_csp(page, live_server, artifacts_dir):
    blocked, failed, outside = [], [], []
    page.on(
        "console",
        lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on(
        "request", lambda request: outside.append(request.url) if not request.url.startswith(live_server.url) else None
    )
    page.goto(live_server.url + "/api/docs/")
    page.wait_for_selector(".opblock-summary-path", timeout=30_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/notices/" in p for p in paths), paths[:10]
    page.screenshot(path=str(artifacts_dir / "api-docs.png"))
    assert not outside, outside
    assert not failed, failed
    assert not blocked, blocked
    # The listener does hear the browser's CSP refusals: an inline handler added now is refused and reported.
    page.evaluate("""document.body.insertAdjacentHTML('beforeend', '<img src="/static/none.png" onerror="1">')""")
    page.wait_for_timeout(500)
    assert any("inline event handler" in text or "script-src" in text for text in blocked), blocked
