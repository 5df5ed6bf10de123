"""factory_boy factories for the domain. Personal fields hold obviously fake values."""

from __future__ import annotations

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from takedowns.models import Case, Notice, Platform, ReportedLocation
from takedowns.services.cases import access_code_normalise, case_reference_generate

TEST_ACCESS_CODE = "ABCD-EFGH-JKMN-PQRS"


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    reference = factory.LazyFunction(case_reference_generate)
    access_code_hash = factory.LazyFunction(lambda: make_password(access_code_normalise(TEST_ACCESS_CODE)))
    victim_name = "Sam Example"
    contact_email = "sam@example.org"
    good_faith_statement = "I have a good-faith belief that this intimate image was shared without my consent."
    signature_name = "Sam Example"
    signed_at = factory.LazyFunction(timezone.now)
    attestations = factory.LazyFunction(lambda: {"good_faith": True, "accuracy": True})


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportedLocation

    case = factory.SubFactory(CaseFactory)
    url = factory.Sequence(lambda n: f"https://www.reddit.com/r/example/comments/{n}/post/")
    host = "www.reddit.com"
    platform = factory.LazyFunction(lambda: Platform.objects.get(slug="reddit"))


class NoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notice

    case = factory.SubFactory(CaseFactory)
    platform = factory.LazyFunction(lambda: Platform.objects.get(slug="reddit"))
    round = 1
    response_hours = 48
