"""Fixtures of the appointments tests: the Harz branches most tests book at."""

import pytest

from openkreis.appointments.models import Branch


@pytest.fixture
def halberstadt(db):
    return Branch.objects.get(location__key="lra-halberstadt")


@pytest.fixture
def quedlinburg(db):
    return Branch.objects.get(location__key="lra-quedlinburg")
