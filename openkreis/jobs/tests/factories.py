"""Test data for the jobs app (each helper adds functions at the end of its own block)."""

# --- J2: the job board ------------------------------------------------------------------------
import datetime as _dt  # noqa: E402

from django.contrib.auth import get_user_model as _get_user_model  # noqa: E402
from django.utils import timezone as _timezone  # noqa: E402

from openkreis.accounts import services as _accounts  # noqa: E402
from openkreis.jobs import board as _board  # noqa: E402
from openkreis.jobs.models import Field as _Field  # noqa: E402
from openkreis.jobs.models import Job as _Job  # noqa: E402

WERNIGERODE_PLZ, HALBERSTADT_PLZ, THALE_PLZ, QUEDLINBURG_PLZ = "38855", "38820", "06502", "06484"


def person(name: str):
    """A citizen account (password "x" * 20)."""
    return _get_user_model().objects.create_user(name, f"{name}@example.org", "x" * 20)


def employer_company(username: str = "chef", name: str = "Harzer Testbetrieb GmbH", **profile):
    """A company account with one member (its admin) and its employer profile;
    returns (user, company, employer)."""
    user = person(username)
    company = _accounts.create_company(user, name=name)
    values = {"name": name, "postcode": WERNIGERODE_PLZ, "website": "https://example.org/"}
    values.update(profile)
    return user, company, _board.save_employer(company, actor=user, **values)


def job_field(slug: str = "j2-handwerk", name: str = "Handwerk (Test)") -> _Field:
    return _Field.objects.get_or_create(slug=slug, defaults={"name": name, "riasec": "RCI"})[0]


def job_values(**overrides) -> dict:
    values = {
        "title": "Tischler/in (m/w/d)",
        "kind": _Job.Kind.JOB,
        "hours": _Job.Hours.FULL,
        "description": "Wir bauen Möbel und Treppen für Kunden im ganzen Harz.",
        "postcode": WERNIGERODE_PLZ,
        "town": "Wernigerode",
        "street": "Breite Straße 1",
        "valid_through": _timezone.localdate() + _dt.timedelta(days=30),
        "contact_email": "bewerbung@example.org",
    }
    values.update(overrides)
    return values


def posting(employer, user, *, status: str = "published", moderator=None, **overrides) -> _Job:
    """A posting of `employer` made through the services, moved to `status`
    (draft, submitted, published, rejected, withdrawn)."""
    made = _board.create_job(
        employer, actor=user, submit=status != "draft", **job_values(**overrides)
    )
    if status in ("published", "rejected"):
        _Job.objects.filter(pk=made.pk).update(
            status=status,
            published_at=_timezone.now() if status == "published" else None,
            moderated_by=moderator,
            moderation_note="Bitte genauer beschreiben." if status == "rejected" else "",
        )
    elif status == "withdrawn":
        _board.withdraw_job(made, actor=user)
    made.refresh_from_db()
    return made


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
