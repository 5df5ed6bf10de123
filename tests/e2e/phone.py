"""Phone-size checks for a victim page (390 × 844, touch): no sideways scrolling, and no visible control covered by
another one — each control is scrolled to the middle of the screen and ``elementFromPoint`` at its centre must be
the control itself (or something inside it, or its own label)."""

from __future__ import annotations

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}

_CHECK = """
() => {
  const problems = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth + 1) {
    problems.push(`sideways scrolling: the page is ${doc.scrollWidth} px wide in a ${window.innerWidth} px window`);
  }
  const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]";
  const describe = (el) => {
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || el.id || "").trim().slice(0, 40);
    return `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} "${text}"`;
  };
  for (const el of document.querySelectorAll(selector)) {
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none" || el.closest("[hidden], template")) continue;
    let rect = el.getBoundingClientRect();
    if (rect.width < 3 || rect.height < 3) continue;  // not shown (collapsed menu, visually-hidden skip link)
    if (style.position !== "fixed") {
      el.scrollIntoView({ block: "center", inline: "center", behavior: "instant" });
      rect = el.getBoundingClientRect();
    }
    // A link that wraps onto two lines: its box's centre may fall between the lines, so its first line is used.
    const parts = el.getClientRects();
    if (parts.length > 1) { rect = parts[0]; }
    const x = rect.left + rect.width / 2;
    const y = rect.top + rect.height / 2;
    if (x < 0 || y < 0 || x > window.innerWidth || y > window.innerHeight) {
      problems.push(`${describe(el)} cannot be brought into the window`);
      continue;
    }
    const hit = document.elementFromPoint(x, y);
    if (!hit) continue;
    const label = hit.closest("label");
    if (hit === el || el.contains(hit) || (label && label.control === el)) continue;
    problems.push(`${describe(el)} is covered by ${describe(hit)}`);
  }
  window.scrollTo({ top: 0, left: 0, behavior: "instant" });
  return problems;
}
"""


def assert_fits_phone(page, label: str) -> None:
    problems = page.evaluate(_CHECK)
    assert not problems, f"{label} at 390 px:\n" + "\n".join(problems)
