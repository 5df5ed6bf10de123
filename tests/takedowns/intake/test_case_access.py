"""The sign-in service on its own: the right code opens the case (and clears that address's wrong codes), wrong
codes past the limit are refused before the code is even checked, and another address is not affected."""

from __future__ import annotations

import pytest

from takedowns.services.case_access import CODE_LIMIT, case_sign_in
from tests.factories import TEST_ACCESS_CODE, CaseFactory

pytestmark = pytest.mark.django_db
WRONG = "WRNG-CODE-0000-0000"


def test_the_right_code_opens_the_case_whatever_the_reference_s_spelling():
    case = CaseFactory()
    attempt = case_sign_in(
        reference=case.reference.lower().replace("-", " "), code=TEST_ACCESS_CODE, address="192.0.2.5"
    )
    assert attempt.case == case and attempt.refused == ""


def test_wrong_codes_past_the_limit_lock_that_address_only():
    case = CaseFactory()
    for _ in range(CODE_LIMIT):
        wrong = case_sign_in(reference=case.reference, code=WRONG, address="192.0.2.6")
        assert wrong.case is None and wrong.refused == ""
    refused = case_sign_in(reference=case.reference, code=TEST_ACCESS_CODE, address="192.0.2.6")
    assert refused.case is None and refused.refused == "locked"
    assert case_sign_in(reference=case.reference, code=TEST_ACCESS_CODE, address="192.0.2.7").case == case


def test_signing_in_resets_the_address_s_wrong_codes():
    case = CaseFactory()
    for _ in range(CODE_LIMIT - 1):
        case_sign_in(reference=case.reference, code=WRONG, address="192.0.2.8")
    assert case_sign_in(reference=case.reference, code=TEST_ACCESS_CODE, address="192.0.2.8").case == case
    for _ in range(CODE_LIMIT - 1):
        assert case_sign_in(reference=case.reference, code=WRONG, address="192.0.2.8").refused == ""
