"""Filing in device mode in headless Chromium: the fingerprints are made on the page and the picture never leaves
it. Every request the browser makes is recorded (``page.on("request")``); no request body holds the picture's
bytes or any 4 KB slice of them, and the platform's notice carries the very fingerprints the page sent."""

from __future__ import annotations

import json
import re

import pytest

from takedowns.models import Case, ComputedOn
from takedowns.notices.content import notice_content, notice_queryset
from takedowns.services.notices import notices_draft
from tests.e2e.journey import Journey
from tests.e2e.phone import assert_fits_phone
from tests.utils import make_photo_like

pytestmark = pytest.mark.django_db(transaction=True)

BLOCK = 2048


def leaked_blocks(picture: bytes, body: bytes) -> list[int]:
    """Offsets of the picture's aligned 2 KB blocks found in ``body``. Any 4 KB slice of the picture, at any
    offset, wholly contains one aligned 2 KB block, so no block found means no 4 KB slice was sent."""
    return [start for start in range(0, len(picture) - BLOCK + 1, BLOCK) if picture[start : start + BLOCK] in body]


def test_leaked_blocks_finds_any_4kb_slice():
    picture = bytes((i * 7919) % 251 for i in range(16384))
    for offset in (0, 1, 777, 5000, 12287):
        body = b"--boundary\r\n" + picture[offset : offset + 4096] + b"\r\n--boundary--"
        assert leaked_blocks(picture, body), offset
    assert not leaked_blocks(picture, b"fingerprints=" + picture[100:2000])


def run(page, live_server, tmp_path, *, phone: bool) -> None:
    picture = make_photo_like(width=640, height=480, seed=23)
    path = tmp_path / "picture.jpg"
    path.write_bytes(picture)
    bodies: list[tuple[str, bytes]] = []
    page.on("request", lambda request: bodies.append((request.url, request.post_data_buffer or b"")))
    journey = Journey(page, "victim-device-phone" if phone else "victim-device", phone=phone)

    def next_step(value: str = "next") -> None:
        with page.expect_navigation():
            page.locator(f'main button[type=submit][name=action][value="{value}"]').click()

    page.goto(live_server.url + "/report/who/")
    page.check("#id_filer_type_0")
    page.fill("#id_victim_name", "Sam Example")
    next_step()
    page.check("#id_nature_0")
    page.check("#id_posted_0")
    page.check("#id_under_18_0")
    next_step()
    page.fill("#id_urls", "https://x.com/someone/status/1234567890")
    next_step("check")
    next_step("continue")
    # The picture step: making the fingerprints on this device is the default.
    assert page.is_checked("#picture-mode-device")
    page.set_input_files("#id_images", str(path))
    page.locator("[data-picture-list] img").wait_for()
    assert page.get_attribute("[data-picture-list] img", "src").startswith("blob:")
    page.get_by_text("fingerprints made; the picture stays on this device").wait_for(timeout=60_000)
    journey.step("images-device")
    next_step()
    page.fill("#id_email", "sam@example.org")
    next_step()
    page.fill("#id_signature_name", "Sam Example")
    page.check("#id_attest_good_faith")
    page.check("#id_attest_accuracy")
    next_step()
    journey.step("review")
    page.locator("main form[data-once] button[type=submit]").click()
    page.wait_for_url("**/report/receipt/")
    assert page.get_attribute("[data-testid=picture-mode]", "data-mode") == "device"
    journey.step("receipt")

    posts = [(url, body) for url, body in bodies if body]
    assert any("/report/images/" in url for url, _ in posts)
    for url, body in posts:
        assert picture not in body, url
        assert not leaked_blocks(picture, body), f"{url} carried part of the picture"
    # The form is multipart (the upload mode needs it); in device mode its only picture-related part is the JSON.
    sent = next(body for url, body in posts if "/report/images/" in url and b'name="fingerprints"' in body)
    assert b"filename=" not in sent
    field = re.search(rb'name="fingerprints"\r\n\r\n(.*?)\r\n--', sent, re.S)
    records = json.loads(field.group(1))
    assert len(records) == 1 and records[0]["computed_on"] == "device"

    case = Case.objects.get()
    image = case.images.get()
    assert image.computed_on == ComputedOn.DEVICE and not image.file
    assert (image.pdq, image.md5, image.sha256) == (records[0]["pdq"], records[0]["md5"], records[0]["sha256"])
    # The platform's notice carries the same fingerprints.
    notices_draft(case_id=case.pk)
    notice = notice_queryset().get(case=case)
    hashes = notice_content(notice).hashes
    assert [(h.pdq, h.md5) for h in hashes] == [(records[0]["pdq"], records[0]["md5"])]


def test_device_mode_sends_no_picture_bytes(page, live_server, tmp_path):
    run(page, live_server, tmp_path, phone=False)


def test_device_mode_on_a_phone(phone_page, live_server, tmp_path):
    run(phone_page, live_server, tmp_path, phone=True)


def test_case_page_adds_device_fingerprints_and_offers_the_upload_where_the_browser_cannot(
    phone_page, live_server, tmp_path
):
    """The case page's "add pictures" in device mode at phone size; a picture above the server's pixel budget
    is refused on the device with the upload offered, and choosing the upload gives the file input its name back."""
    from takedowns.services.cases import case_create
    from tests.utils import png_header_claiming

    page = phone_page
    created = case_create(victim_name="Sam Example", urls=["https://x.com/someone/status/1"])
    picture = make_photo_like(width=480, height=360, seed=31)
    (tmp_path / "ok.jpg").write_bytes(picture)
    (tmp_path / "huge.png").write_bytes(png_header_claiming(20_000, 20_000))
    bodies: list[bytes] = []
    page.on("request", lambda request: bodies.append(request.post_data_buffer or b""))
    page.goto(f"{live_server.url}/case/sign-in/?reference={created.case.reference}")
    page.fill("#id_access_code", created.access_code)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    form = "form[action$='/case/add-images/']"
    page.set_input_files(f"{form} #id_images", str(tmp_path / "huge.png"))
    page.locator(f"{form} [data-picture-list] .text-danger").wait_for(timeout=60_000)
    assert "larger than we can safely open" in page.inner_text(f"{form} [data-picture-list]")
    assert page.is_visible(f"{form} [data-switch-upload] button")
    page.locator(f"{form} [data-switch-upload] button").click()
    assert page.is_checked(f"{form} #picture-mode-upload")
    assert page.get_attribute(f"{form} #id_images", "name") == "images"
    # Back to the device: a picture this browser can open is fingerprinted here and only the record is sent.
    page.set_input_files(f"{form} #id_images", str(tmp_path / "ok.jpg"))
    page.locator(f"{form} #picture-mode-device").check()
    page.get_by_text("fingerprints made; the picture stays on this device").wait_for(timeout=60_000)
    assert_fits_phone(page, "case-page-device")
    with page.expect_navigation():
        page.locator(f"{form} button[type=submit]").click()
    image = created.case.images.get()
    assert image.computed_on == ComputedOn.DEVICE
    assert all(not leaked_blocks(picture, body) for body in bodies)
    assert "the picture never left it" in page.inner_text("#image-progress")
