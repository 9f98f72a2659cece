"""Fixtures of the accounts tests; data helpers and factories are in factories.py."""

import pytest

from .factories import CitizenFactory


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """allauth counts failed logins in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def anna(harz):
    return CitizenFactory(username="anna", first_name="Anna", last_name="Berg")


@pytest.fixture
def bert(harz):
    return CitizenFactory(username="bert", first_name="Bert", last_name="Kunz")
