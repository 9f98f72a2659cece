"""Fixtures of the eAkte's tests; the data helpers and factories are in factories.py."""

import pytest

from .factories import open_demo_case, pdf_bytes


@pytest.fixture(autouse=True)
def german_afterwards():
    """Requests under /en/ leave English active in this thread; later tests expect German."""
    yield
    from django.utils import translation

    translation.activate("de")


@pytest.fixture
def case(harz):
    """A new online application of Erika Mustermann for a first driving licence, with one
    PDF, waiting in the Fahrerlaubnisbehörde's inbox."""
    return open_demo_case(documents=[("antrag.pdf", pdf_bytes())])
