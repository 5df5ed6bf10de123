"""The fuzz tests' Hypothesis profile (tests/fuzz/profiles.py): derandomised with a per-example deadline in CI,
``HYPOTHESIS_PROFILE=explore`` for many random examples."""

from hypothesis import settings

from tests.fuzz.profiles import PROFILE

settings.load_profile(PROFILE)
