"""The API side of attest_accuracy is the filer's own, the DMCA route is an explicit advocate
choice, an organisation can file, and the registry's new fields are served as the file spells them."""

from __future__ import annotations

import pytest

from takedowns.models import Case, Notice
from takedowns.services.delivery import notice_missing_elements
from tests.takedowns.test_api_cases import api, case_payload

pytestmark = pytest.mark.django_db

REDDIT = "https://www.reddit.com/r/x/comments/abc/p/"


def file_case(advocate, **extra):
    payload = case_payload(urls=[REDDIT], is_synthetic="false", **extra)
    response = api(advocate).post("/api/v1/cases/", payload, format="multipart")
    assert response.status_code == 201, response.content
    return Case.objects.get(reference=response.json()["reference"])


def test_attest_accuracy_is_stored_as_given_and_gates_the_dsa_notice(advocate, platforms):
    # Reddit serves the EU: its notice cites the DSA, whose Art. 16(2)(d) statement the filer must make.
    without = file_case(advocate)
    assert without.attestations["accuracy"] is False
    api(advocate).post(f"/api/v1/cases/{without.reference}/send-notices/")
    notice = Notice.objects.get(case=without)
    assert notice.regimes == ["US", "EU"]
    assert "bona_fide" in [e.key for e in notice_missing_elements(notice=notice)]

    with_it = file_case(advocate, attest_accuracy="true")
    assert with_it.attestations["accuracy"] is True
    api(advocate).post(f"/api/v1/cases/{with_it.reference}/send-notices/")
    notice = Notice.objects.get(case=with_it)
    assert "bona_fide" not in [e.key for e in notice_missing_elements(notice=notice)]


def test_organisation_files_with_its_name_and_authority(advocate, platforms):
    response = api(advocate).post(
        "/api/v1/cases/", case_payload(urls=[REDDIT], filer_type="organisation"), format="multipart"
    )
    assert response.status_code == 400 and "representative_authority" in response.json()
    case = file_case(
        advocate,
        filer_type="organisation",
        representative_name="Helpline Example",
        representative_authority="Signed mandate from the person shown",
    )
    assert case.filer_type == "organisation"


def _reddit_names_a_copyright_agent(platforms):
    platforms["reddit"].dmca_agent_email = "copyright@reddit.example"
    platforms["reddit"].save(update_fields=["dmca_agent_email"])


def test_dmca_route_is_explicit_and_refused_for_under_18(advocate, platforms):
    _reddit_names_a_copyright_agent(platforms)
    case = file_case(advocate, attest_accuracy="true")
    body = {
        "platform": "reddit",
        "copyrighted_work": "A photo the person shown took of themselves in 2024.",
        "attest_accuracy": True,
        "attest_copyright_authority": False,
    }
    url = f"/api/v1/cases/{case.reference}/dmca/"
    response = api(advocate).post(url, body, format="json")
    assert response.status_code == 400 and "penalty of perjury" in response.json()["detail"]
    response = api(advocate).post(url, {**body, "attest_copyright_authority": True}, format="json")
    assert response.status_code == 200, response.content
    (row,) = response.json()["notices"]
    assert row["regime"] == "DMCA" and row["regimes"] == ["DMCA"]
    notice = Notice.objects.get(case=case)
    assert not notice_missing_elements(notice=notice)
    # 512(c)(3)(A): the notice goes to the designated agent, by e-mail, not to the platform's NCII web form.
    assert (notice.channel, notice.recipient, notice.delivery_address) == ("email", *["copyright@reddit.example"] * 2)

    minor = file_case(advocate, is_minor_content="true")
    response = api(advocate).post(f"/api/v1/cases/{minor.reference}/dmca/", body | {"attest_copyright_authority": True})
    assert response.status_code == 400 and "under 18" in response.json()["detail"]
    assert Notice.objects.get(case=minor).regime == "US"
    # A platform the case has no draft notice to: said about the platform field.
    response = api(advocate).post(url, body | {"platform": "x", "attest_copyright_authority": True}, format="json")
    assert response.status_code == 400 and "no draft notice" in response.json()["platform"]


def test_platform_registry_serves_the_new_fields(advocate, platforms):
    body = api(advocate).get("/api/v1/platforms/google-search/").json()
    assert body["tida_covered"] is False and body["regimes"] == ["US"]
    assert body["policy_url"].startswith("https://")
    telegram = api(advocate).get("/api/v1/platforms/telegram/").json()
    assert telegram["tida_covered"] == "unknown"


def test_dmca_route_is_refused_where_the_platform_named_no_copyright_agent(advocate, platforms):
    case = file_case(advocate, attest_accuracy="true")
    body = {
        "platform": "reddit",
        "copyrighted_work": "A photo the person shown took of themselves in 2024.",
        "attest_accuracy": True,
        "attest_copyright_authority": True,
    }
    response = api(advocate).post(f"/api/v1/cases/{case.reference}/dmca/", body, format="json")
    assert response.status_code == 400 and "no designated DMCA agent" in response.json()["detail"]
    assert Notice.objects.get(case=case).regime == "US"


def test_advocate_chooses_dmca_in_the_web_ui_and_sees_ncmec_routes_for_minors(client, advocate, platforms):
    _reddit_names_a_copyright_agent(platforms)
    client.force_login(advocate)
    case = file_case(advocate, attest_accuracy="true")
    api(advocate).post(f"/api/v1/cases/{case.reference}/send-notices/")
    notice = Notice.objects.get(case=case)
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Send as a DMCA copyright notice instead" in page
    url = f"/cases/{case.reference}/notices/{notice.pk}/dmca/"
    client.post(url, {"copyrighted_work": "A photo I took.", "attest_accuracy": "on"})
    notice.refresh_from_db()
    assert notice.regime == "US"  # the perjury statement was not ticked
    client.post(
        url, {"copyrighted_work": "A photo I took.", "attest_accuracy": "on", "attest_copyright_authority": "on"}
    )
    notice.refresh_from_db()
    assert notice.regime == "DMCA"

    minor = file_case(advocate, is_minor_content="true")
    page = client.get(f"/cases/{minor.reference}/").content.decode()
    assert 'data-testid="ncmec-routes"' in page and "https://report.cybertip.org/" in page
    assert "Send as a DMCA copyright notice instead" not in page
