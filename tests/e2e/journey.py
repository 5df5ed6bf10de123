"""A journey's record: each step saves a full-page screenshot to test-artifacts/journeys/<journey>/NN-step.png
and, unless told otherwise, checks the page with axe-core (tests/e2e/axe.py; results beside, in
test-artifacts/axe/<journey>-NN-step.json), and on a phone-size journey that no control is covered and nothing
scrolls sideways (tests/e2e/phone.py). The screenshot comes first, so a failing page is still pictured."""

from __future__ import annotations

import shutil

from tests.e2e.axe import assert_accessible
from tests.e2e.phone import assert_fits_phone
from tests.utils import ARTIFACTS

JOURNEYS = ARTIFACTS / "journeys"


class Journey:
    def __init__(self, page, name: str, *, phone: bool = False):
        self.page = page
        self.phone = phone  # each step is also checked at phone size (tests/e2e/phone.py)
        self.name = name
        self.folder = JOURNEYS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.count = 0

    def step(self, label: str, *, accessible: bool = True) -> None:
        self.count += 1
        stem = f"{self.count:02d}-{label}"
        self.page.screenshot(path=str(self.folder / f"{stem}.png"), full_page=True)
        if accessible:
            assert_accessible(self.page, f"{self.name}-{stem}")
        if self.phone:
            assert_fits_phone(self.page, f"{self.name}-{stem}")
