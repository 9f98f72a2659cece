"""The learning demo step (demo.py): the demo learner passed all required modules but one;
a second run changes nothing."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from openkreis.core.loader import LoadReport
from openkreis.learning import courses, demo

pytestmark = pytest.mark.django_db


def test_the_demo_learner_is_one_module_short_of_the_certificate(harz):
    folder = settings.OPENKREIS_TENANTS_DIR / "harz"
    first = LoadReport()
    demo.load_demo(harz, folder, first)
    assert any("lernen-demo / harz-lernen-demo-2026" in line for line in first.messages)
    user = get_user_model().objects.get(username="lernen-demo")
    assert user.check_password("harz-lernen-demo-2026")
    required = list(courses.modules().filter(required=True))
    passed = [m for m in courses.passed_modules(user) if m.required]
    assert len(passed) == len(required) - 1
    assert not courses.passed_required(user)
    assert courses.next_step(user).module == required[-1]
    second = LoadReport()
    demo.load_demo(harz, folder, second)
    assert second.changes == 0
