"""Regions for parser tests: Kendal (the default), and others with names that trip parsers up."""

from __future__ import annotations

import pytest

from gateway.parsers import Region, load_region


@pytest.fixture(scope="session")
def kendal() -> Region:
    """Kabupaten Kendal, the default region of the gateway."""
    return load_region("33.24")


@pytest.fixture(scope="session")
def bogor() -> Region:
    """Kabupaten Bogor: Sundanese, a desa named Urug (landslide), near-twin names (Sukaraja, Sukarasa)."""
    return load_region("32.01")


@pytest.fixture(scope="session")
def batu_bara() -> Region:
    """Kabupaten Batu Bara: a kecamatan named Air Putih (drinking water)."""
    return load_region("12.19")


@pytest.fixture(scope="session")
def semarang() -> Region:
    """Kota Semarang: a kota of kelurahan, two of them named Mangunharjo."""
    return load_region("33.74")
