"""Imports run in the request in the cockpit's tests (services.dispatch_import): a test
sees the finished batch right after the request that started it. The test of the thread
itself turns it back on."""

import pytest


@pytest.fixture(autouse=True)
def import_in_the_request(settings):
    settings.COCKPIT_IMPORT_THREAD = False
