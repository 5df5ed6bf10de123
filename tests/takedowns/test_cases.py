"""Case references and access codes."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.hashers import make_password

from takedowns.models import Event, ReportedLocation
from takedowns.services.cases import (
    access_code_normalise,
    case_check_access_code,
    case_create,
    case_reference_generate,
    reference_normalise,
)


def test_references_are_random_and_well_formed():
    refs = {case_reference_generate() for _ in range(2000)}
    assert len(refs) == 2000
    assert all(re.fullmatch(r"RC-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}", r) for r in refs)


def test_access_code_normalisation_accepts_spaces_and_lower_case():
    assert access_code_normalise(" abcd efgh-jkmn pqrs ") == "ABCD-EFGH-JKMN-PQRS"
    assert reference_normalise("rc 7k3m q9tx") == "RC-7K3M-Q9TX"


@pytest.mark.django_db
def test_case_create_hashes_the_code_and_detects_platforms(platforms):
    created = case_create(
        victim_name="Sam Example",
        urls=[
            "https://WWW.Reddit.com/r/a/comments/1/x/",
            ("https://x.com/someone/status/42", "@someone"),
            "https://unknown.example/page/1",
            "https://www.reddit.com/r/a/comments/1/x/",
        ],
    )
    case = created.case
    assert created.access_code and created.access_code not in case.access_code_hash
    assert case_check_access_code(case=case, code=created.access_code.lower().replace("-", " "))
    assert not case_check_access_code(case=case, code="AAAA-BBBB-CCCC-DDDD")
    locs = {loc.url: loc for loc in ReportedLocation.objects.filter(case=case)}
    assert len(locs) == 3  # the duplicate collapsed after normalisation
    assert locs["https://www.reddit.com/r/a/comments/1/x/"].platform.slug == "reddit"
    assert locs["https://x.com/someone/status/42"].uploader_handle == "@someone"
    assert locs["https://unknown.example/page/1"].platform is None
    assert list(Event.objects.filter(case=case).values_list("type", flat=True)) == [
        "case.created",
        "case.locations_added",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("hasher", ["pbkdf2_sha256", "md5"])
def test_access_codes_use_the_fast_salted_hasher_and_older_hashes_still_sign_in(settings, hasher):
    """New codes are stored with takedowns/hashers.py (PBKDF2, 1,000 iterations: the code is random, ~78 bits);
    a case whose code was hashed the old way (Django's slow default) still signs in with it."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "takedowns.hashers.AccessCodeHasher",
    ]
    created = case_create(victim_name="Sam Example")
    algorithm, iterations, salt, digest = created.case.access_code_hash.split("$")
    assert (algorithm, iterations) == ("pbkdf2_sha256_code", "1000") and salt and digest
    assert case_check_access_code(case=created.case, code=created.access_code)
    assert not case_check_access_code(case=created.case, code="AAAA-BBBB-CCCC-DDDD")

    older = case_create(victim_name="Older Case")
    older.case.access_code_hash = make_password(access_code_normalise(older.access_code), hasher=hasher)
    older.case.save(update_fields=["access_code_hash"])
    assert case_check_access_code(case=older.case, code=older.access_code.lower())
    assert not case_check_access_code(case=older.case, code=created.access_code)


@pytest.mark.django_db
def test_double_submit_makes_one_case():
    first = case_create(victim_name="A", submission_key="k-123")
    second = case_create(victim_name="A", submission_key="k-123")
    assert first.case.pk == second.case.pk
    assert second.access_code == ""


@pytest.mark.django_db
def test_event_data_masks_personal_fields():
    from takedowns.audit import event_record

    event = event_record(type="system.ping", actor_kind="system", data={"contact_email": "a@b.c", "count": 2})
    assert event.data == {"contact_email": "***", "count": 2}


def test_an_event_type_outside_event_type_is_refused():
    from takedowns.audit import event_record

    with pytest.raises(ValueError, match=r"Unknown event type 'notice\.typo'"):
        event_record(type="notice.typo", actor_kind="system")
