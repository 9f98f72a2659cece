"""Test data for the jobs app (each helper adds functions at the end of its own block)."""

# --- J1: offers and the interest test ---------------------------------------------------------
import datetime as _j1_dt  # noqa: E402

from django.contrib.auth import get_user_model as _j1_user_model  # noqa: E402
from django.utils import timezone as _j1_timezone  # noqa: E402

from openkreis.jobs import interest as _interest  # noqa: E402
from openkreis.jobs.models import Employer as _Employer  # noqa: E402
from openkreis.jobs.models import Job as _J1Job  # noqa: E402


def citizen(name: str):
    """A citizen account for the interest-test tests."""
    return _j1_user_model().objects.create_user(name, f"{name}@example.org", "x" * 20)


def interest_answers(**by_type) -> dict[str, str]:
    """A complete POST of the interest test: every item of a type gets `by_type[type]`
    ("2" like, "1" unsure, "0" dislike; default "0")."""
    return {_interest.item_key(item): by_type.get(item.type, "0") for item in _interest.ITEMS}


def open_job(field, *, title: str = "J1 Testjob", days: int = 30, status: str = "published"):
    """A job row of `field` (straight into the table; the job board's rules are J2's)."""
    employer, _ = _Employer.objects.get_or_create(
        slug="j1-test-employer", defaults={"name": "J1 GmbH"}
    )
    return _J1Job.objects.create(
        employer=employer,
        title=title,
        kind=_J1Job.Kind.APPRENTICESHIP,
        hours=_J1Job.Hours.FULL,
        field=field,
        description="Test",
        postcode="38855",
        town="Wernigerode",
        valid_through=_j1_timezone.localdate() + _j1_dt.timedelta(days=days),
        status=status,
    )
