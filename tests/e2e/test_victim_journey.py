"""The victim's whole journey in headless Chromium, in English and in Spanish: from the home page, file a case with
two generated pictures and three addresses on two platforms (after being told what is missing on the first step,
and after seeing the advice shown instead of the pictures step when the content was made under 18),
keep the receipt, open the case page with the access code, see both platforms, add an address (after a wrong one)
and a picture, look at withdrawing, and erase the case. Every page is checked with axe-core; the screenshots go to
test-artifacts/journeys/victim-<lang>/."""

from __future__ import annotations

import pytest

from takedowns.models import Case, ReferenceImage
from tests.e2e.journey import Journey
from tests.utils import make_photo_like

pytestmark = pytest.mark.django_db(transaction=True)

URLS = (
    "https://www.reddit.com/r/example/comments/abc123/post/\n"
    "https://www.reddit.com/r/example/comments/def456/other/?utm_source=share\n"
    "https://x.com/someone/status/1234567890"
)

TEXT = {
    "en": {
        "start": "Start",
        "heading_who": "Who is filing",
        "receipt": "Your request has been received",
        "case": "Your case",
        "erased": "Your data has been erased",
        "deleted": "Fingerprinted; the picture itself has been deleted.",
    },
    "es": {
        "start": "Empezar",
        "heading_who": "Quién presenta la solicitud",
        "receipt": "Hemos recibido su solicitud",
        "case": "Su caso",
        "erased": "Sus datos han sido borrados",
        "deleted": "Huella digital creada; la imagen se ha borrado.",
    },
}


def run_journey(page, live_server, tmp_path, lang: str, *, phone: bool = False) -> None:
    text = TEXT[lang]
    journey = Journey(page, f"victim-{lang}{'-phone' if phone else ''}", phone=phone)

    def next_step(value: str = "next") -> None:
        with page.expect_navigation():
            page.locator(f'main button[type=submit][name=action][value="{value}"]').click()

    pictures = []
    for seed in (1, 2, 3):
        path = tmp_path / f"picture-{lang}-{seed}.jpg"
        path.write_bytes(make_photo_like(width=320, height=240, seed=seed + (10 if lang == "es" else 0)))
        pictures.append(str(path))

    page.goto(live_server.url + "/")
    if phone:
        # The menu button is reachable by touch: a tap opens the menu and does not leave the site.
        page.locator(".navbar-toggler").tap()
        page.locator("#language-select").wait_for(state="visible")
        assert page.url.startswith(live_server.url)
    if lang != "en":
        with page.expect_navigation():
            page.select_option("#language-select", lang)
    assert page.locator("html").get_attribute("lang") == lang
    journey.step("home")
    page.goto(live_server.url + "/report/")
    journey.step("start")
    page.get_by_role("link", name=text["start"], exact=True).click()

    # 1. Who: sent empty first, the error summary says what is missing.
    assert page.get_by_role("heading", level=1).inner_text() == text["heading_who"]
    next_step()
    assert page.locator("[data-error-summary]").is_visible()
    journey.step("who-errors")
    page.check("#id_filer_type_0")
    page.fill("#id_victim_name", "Sam Example")
    journey.step("who")
    next_step()
    # 2. About the content: first answered "made under 18", which turns the pictures step into advice.
    page.check("#id_nature_1")
    page.check("#id_posted_0")
    page.check("#id_under_18_1")
    journey.step("content")
    next_step()
    # 3. Where
    page.fill("#id_urls", URLS)
    next_step("check")
    assert page.locator("span[id^=url-]").count() == 3
    page.fill("#id_handle-2", "@someone")
    journey.step("where")
    next_step("continue")
    assert page.locator("#id_images").count() == 0  # no pictures of anyone under 18 are accepted
    journey.step("images-minor")
    # The answer corrected ("18 or older"): the addresses are kept, and the pictures step is back.
    page.goto(live_server.url + "/report/content/")
    page.check("#id_under_18_0")
    next_step()
    assert page.input_value("#id_urls").count("https://") == 3
    next_step("continue")
    # 4. Pictures: this journey sends them (the on-device path has its own, test_device_fingerprints_browser.py).
    page.check("#picture-mode-upload")
    page.set_input_files("#id_images", pictures[:2])
    journey.step("images")
    next_step()
    # 5. Contact
    page.fill("#id_email", "sam@example.org")
    journey.step("contact")
    next_step()
    # 6. Statement and signature
    page.fill("#id_signature_name", "Sam Example")
    page.check("#id_attest_good_faith")
    page.check("#id_attest_accuracy")
    journey.step("statement")
    next_step()
    # 7. Review and send
    journey.step("review")
    page.locator("main form[data-once] button[type=submit]").click()

    # Receipt
    page.wait_for_url("**/report/receipt/")
    assert page.get_by_role("heading", level=1).inner_text() == text["receipt"]
    reference = page.locator("#case-reference").inner_text().strip()
    code = page.locator("#access-code").inner_text().strip()
    assert reference.startswith("RC-") and len(code) == 19
    journey.step("receipt")
    case = Case.objects.get(reference=reference)
    assert case.language == lang and case.locations.count() == 3
    images = ReferenceImage.objects.filter(case=case)
    assert images.count() == 2 and all(not image.file for image in images)
    page.locator("main form button[type=submit]").last.click()

    # Case page: a wrong code is refused with a message, then the code typed the way people type it.
    page.wait_for_url("**/case/sign-in/**")
    assert page.input_value("#id_reference") == reference
    page.fill("#id_access_code", "AAAA-AAAA-AAAA-AAAA")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator("#id_access_code.is-invalid, .alert-danger, .invalid-feedback").count() >= 1
    journey.step("sign-in-wrong-code")
    page.fill("#id_access_code", code.lower().replace("-", " "))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/case/")
    assert text["case"] in page.get_by_role("heading", level=1).inner_text()
    platforms = page.locator("article.platform-row")
    assert platforms.count() == 2
    names = sorted(platforms.nth(i).get_attribute("data-platform") for i in range(2))
    assert names == ["Reddit", "X / Twitter"]
    assert page.get_by_text(text["deleted"]).count() == 2
    journey.step("status")

    # Add an address: a wrong one is refused and kept for correcting; then a right one.
    urls = page.locator("form[action$='/case/add-urls/'] textarea")
    urls.fill("not a web address")
    with page.expect_navigation():
        page.locator("form[action$='/case/add-urls/'] button[type=submit]").click()
    assert page.locator("form[action$='/case/add-urls/'] .invalid-feedback").count() >= 1
    journey.step("add-urls-error")
    page.locator("form[action$='/case/add-urls/'] textarea").fill("https://x.com/someone/status/9876543210")
    page.locator("form[action$='/case/add-urls/'] button[type=submit]").click()
    page.wait_for_url("**/case/")
    assert case.locations.count() == 4
    journey.step("add-urls-added")
    # Add a picture.
    page.check("form[action$='/case/add-images/'] #picture-mode-upload")
    page.set_input_files("form[action$='/case/add-images/'] input[type=file]", pictures[2:])
    with page.expect_navigation():
        page.locator("form[action$='/case/add-images/'] button[type=submit]").click()
    assert ReferenceImage.objects.filter(case=case).count() == 3
    journey.step("add-images-added")

    # Withdrawing is offered with its consequences; not done here.
    page.locator('a[href$="/case/withdraw/"]').click()
    page.wait_for_url("**/case/withdraw/")
    journey.step("withdraw-confirm")
    page.go_back()

    # Erase
    page.locator('a[href$="/case/erase/"]').click()
    page.check("#id_confirm")
    journey.step("erase-confirm")
    with page.expect_navigation():
        page.locator("main form button.btn-danger").click()
    assert page.get_by_role("heading", level=1).inner_text() == text["erased"]
    journey.step("erased")
    case.refresh_from_db()
    assert case.state == "erased" and case.victim_name == ""


def test_victim_journey_english(page, live_server, tmp_path):
    run_journey(page, live_server, tmp_path, "en")


def test_victim_journey_spanish(page, live_server, tmp_path):
    run_journey(page, live_server, tmp_path, "es")


def test_victim_journey_phone(phone_page, live_server, tmp_path):
    """Every victim page at 390 × 844 with touch: no control covered by another, no sideways scrolling."""
    run_journey(phone_page, live_server, tmp_path, "en", phone=True)
