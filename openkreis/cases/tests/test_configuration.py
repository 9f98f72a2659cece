"""The county's eAkte configuration (services.configuration): which procedure and file-plan
item a service's cases get."""

import pytest

from .factories import open_demo_case

pytestmark = pytest.mark.django_db


def test_other_services_use_the_generic_procedure_and_default_plan_item(harz):
    case = open_demo_case("hundesteuer-anmelden")
    assert case.procedure.key == "generic"
    assert case.file_number.startswith("10.99.01-")
