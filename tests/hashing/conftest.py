"""Fixtures for the hashing tests: generated pictures only (scikit-image sample photos when available,
synthetic natural-looking images otherwise; see tests/utils.py). Never real people's private images."""

from __future__ import annotations

import pytest
from PIL import Image

from tests.utils import encode, photo


@pytest.fixture(scope="session")
def astronaut() -> Image.Image:
    return photo("astronaut")


@pytest.fixture(scope="session")
def astronaut_jpeg(astronaut) -> bytes:
    return encode(astronaut)
