"""Accessibility checks with axe-core inside the browser journeys.

`assert_accessible(page, name)` runs the vendored axe-core (tests/e2e/assets/axe-core/, see its README) on the
page as it is at that moment, with the WCAG 2.0/2.1/2.2 A and AA rules, writes the full result to
test-artifacts/axe/<name>.json and fails on any violation of impact "serious" or "critical", naming the rule,
each offending element's selector and axe's summary of what is wrong.

How axe gets into the page: the portal's Content-Security-Policy allows scripts from its own origin only, so a
`<script>` tag added by the test (Playwright's `add_script_tag`) is refused, rightly. The source is instead
evaluated through the DevTools protocol (`page.evaluate`), which the page's CSP does not govern, so the page
is tested with its real policy in force and no `bypass_csp` context is needed.

No rule is disabled. Rules that need a human (e.g. the meaning of link text) are axe's "incomplete" results;
they are kept in the JSON for review, not failed on.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from tests.utils import ARTIFACTS

AXE_JS = Path(__file__).parent / "assets" / "axe-core" / "axe.min.js"
# The digest the README records: a changed file is a changed tool, and must be vendored again on purpose.
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
# WCAG 2.2 AA as axe tags it: the A and AA rules of 2.0, and the ones added by 2.1 and 2.2.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = {"serious", "critical"}
RESULTS = ARTIFACTS / "axe"


@cache
def _source() -> str:
    data = AXE_JS.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != AXE_SHA256:
        raise AssertionError(f"{AXE_JS} has SHA-256 {digest}, not the vendored {AXE_SHA256}")
    return data.decode("utf-8")


def axe_run(page) -> dict:
    """Run axe on the whole document and return its result object (violations, incomplete, passes...)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Wrapped in a function so that axe's top-level `var`s stay out of the page's globals except `axe`.
        page.evaluate(f"() => {{ {_source()}\n; window.axe = axe; }}")
    return page.evaluate(
        """tags => axe.run(document, {
            runOnly: {type: "tag", values: tags},
            resultTypes: ["violations", "incomplete"],
        })""",
        TAGS,
    )


def failures(result: dict) -> list[str]:
    lines = []
    for violation in result["violations"]:
        if violation["impact"] not in FAILING_IMPACTS:
            continue
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {violation['helpUrl']}")
        for node in violation["nodes"]:
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    {' > '.join(map(str, node['target']))}: {summary}")
    return lines


def assert_accessible(page, name: str) -> dict:
    """Fail on any serious or critical WCAG A/AA violation on the page; keep the full result as JSON."""
    result = axe_run(page)
    RESULTS.mkdir(parents=True, exist_ok=True)
    kept = {
        "name": name,
        "url": result.get("url"),
        "axe": result.get("testEngine", {}).get("version"),
        "tags": TAGS,
        "violations": result["violations"],
        "incomplete": result["incomplete"],
    }
    (RESULTS / f"{name}.json").write_text(json.dumps(kept, indent=1, ensure_ascii=False))
    problems = failures(result)

    assert not problems, f"axe: {name} ({page.url}) has serious or critical violations:\n" + "\n".join(problems)
    return result
