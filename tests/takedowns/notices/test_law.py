"""Which regimes a notice cites and which clock it runs: the recipient's law first."""

from __future__ import annotations

import pytest

from takedowns.notices.law import clock_hours, notice_regimes


@pytest.mark.parametrize(
    ("platform_regimes", "jurisdiction", "expected"),
    [
        # TIDA binds a covered platform whatever the victim's residence.
        (["US"], "UK", ("US", "UK")),
        (["US"], "AU", ("US", "AU")),
        (["US", "EU"], "US", ("US", "EU")),
        (["US", "EU"], "EU", ("US", "EU")),
        (["US", "EU"], "AU", ("US", "EU", "AU")),
        # A search engine or CDN the registry does not put under the DSA gets no Art. 16 notice.
        (["US"], "EU", ("US",)),
        # No registry list: the victim's EU law is added.
        ([], "EU", ("US", "EU")),
    ],
)
def test_platform_law_first_then_the_victims(platform_regimes, jurisdiction, expected):
    assert notice_regimes(platform_regime="US", platform_regimes=platform_regimes, jurisdiction=jurisdiction) == (
        expected
    )


def test_dmca_cites_the_dmca_alone():
    assert notice_regimes(platform_regime="US", platform_regimes=["US", "EU"], jurisdiction="UK", dmca=True) == (
        "DMCA",
    )


@pytest.mark.parametrize(
    ("regimes", "covered", "uk", "registry", "expected"),
    [
        (["US"], True, False, 72, 48),  # a registry entry never lengthens TIDA's 48 h
        (["US"], True, False, 24, 24),  # a platform's own faster promise shortens the clock
        (["US"], False, False, 72, 72),  # not covered: the registry's time is a target
        (["US"], None, False, 72, 72),  # coverage unknown: no statutory clock is assumed
        (["US", "AU"], True, False, 48, 24),  # AU: the eSafety escalation trigger
        (["US", "EU"], False, False, 96, 48),  # the DSA target (setting)
        (["US", "UK"], None, False, 96, 96),  # UK duty not commenced: no 48 h
        (["US", "UK"], None, True, 96, 48),  # ... and once commenced, 48 h
    ],
)
def test_clock_hours(regimes, covered, uk, registry, expected):
    assert (
        clock_hours(regimes=regimes, tida_covered=covered, uk_in_force=uk, registry_hours=registry, dsa_target_hours=48)
        == expected
    )
