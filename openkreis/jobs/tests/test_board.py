"""The job board's services and the employers' pages: profile, postings and their rules,
sending for review, editing a published posting, withdrawing, the Jobcenter, expiry."""

import datetime as dt

import pytest
from django.utils import timezone

from openkreis.core.models import Event
from openkreis.core.testing import make_staff
from openkreis.jobs import board
from openkreis.jobs.models import Employer, Job

from .factories import (
    HALBERSTADT_PLZ,
    WERNIGERODE_PLZ,
    employer_company,
    job_values,
    person,
    posting,
)

pytestmark = pytest.mark.django_db


def test_employer_profile_takes_the_municipality_centre():
    _user, company, employer = employer_company(postcode=HALBERSTADT_PLZ, town="")
    assert employer.company == company
    assert employer.town == "Halberstadt"
    assert employer.lat == pytest.approx(51.9, abs=0.01)
    assert employer.slug == "harzer-testbetrieb-gmbh"
    # a second company of the same name gets its own address
    _u2, _c2, other = employer_company("chef2")
    assert other.slug == "harzer-testbetrieb-gmbh-2"


def test_only_members_keep_the_profile():
    _user, company, _employer = employer_company()
    with pytest.raises(board.JobBoardError):
        board.save_employer(company, actor=person("fremd"), name="Übernommen")


def test_draft_then_submit_records_the_event():
    user, _company, employer = employer_company()
    job = board.create_job(employer, actor=user, **job_values())
    assert job.status == Job.Status.DRAFT
    assert job.municipality.name == "Wernigerode"
    assert job.lat is not None
    assert not Event.objects.filter(kind="jobs.job_submitted", subject=f"job:{job.pk}").exists()
    board.submit_job(job, actor=user)
    job.refresh_from_db()
    assert job.status == Job.Status.SUBMITTED
    event = Event.objects.get(kind="jobs.job_submitted", subject=f"job:{job.pk}")
    assert event.data == {"kind": "job", "municipality": "150850370370"}


@pytest.mark.parametrize(
    "overrides",
    [
        {"postcode": "10115"},  # Berlin
        {"postcode": "3885"},
        {"valid_through": dt.date(2020, 1, 1)},
        {"valid_through": timezone.localdate() + dt.timedelta(days=200)},
        {"salary_min": 3000, "salary_max": 2000, "salary_unit": "MONTH"},
        {"contact_email": "", "apply_url": ""},
        {"title": ""},
    ],
)
def test_rules_of_a_posting(overrides):
    user, _company, employer = employer_company()
    with pytest.raises(board.JobBoardError):
        board.create_job(employer, actor=user, **job_values(**overrides))
    assert not Job.objects.filter(employer=employer).exists()


def test_another_companys_member_cannot_post_or_change():
    user, _company, employer = employer_company()
    other, _c, _e = employer_company("chef-b", "Anderer Betrieb")
    with pytest.raises(board.JobBoardError):
        board.create_job(employer, actor=other, **job_values())
    job = posting(employer, user)
    with pytest.raises(board.JobBoardError):
        board.update_job(job, actor=other, title="Gekapert")
    with pytest.raises(board.JobBoardError):
        board.withdraw_job(job, actor=other)
    assert board.jobs_of(other).filter(pk=job.pk).count() == 0
    assert board.jobs_of(user).filter(pk=job.pk).count() == 1


def test_editing_a_published_posting_sends_it_back_to_review():
    user, _company, employer = employer_company()
    job = posting(employer, user, status="published")
    board.update_job(job, actor=user, title="Tischlermeister/in")
    job.refresh_from_db()
    assert job.title == "Tischlermeister/in"
    assert job.status == Job.Status.SUBMITTED
    assert job not in board.open_jobs()


def test_withdraw_and_no_changes_afterwards():
    user, _company, employer = employer_company()
    job = posting(employer, user, status="submitted")
    board.withdraw_job(job, actor=user)
    job.refresh_from_db()
    assert job.status == Job.Status.WITHDRAWN
    with pytest.raises(board.JobBoardError):
        board.update_job(job, actor=user, title="Wieder da")
    with pytest.raises(board.JobBoardError):
        board.withdraw_job(job, actor=user)


def test_jobcenter_posts_directly_and_only_jobcenter_staff():
    staff, _secret = make_staff("j2-koba", "wirtschaftsfoerderung", "jobcenter")
    koba = board.jobcenter_employer()
    assert koba.is_jobcenter and koba.company is None
    job = board.create_job(koba, actor=staff, **job_values(title="Helfer/in Lager"))
    assert job.status == Job.Status.PUBLISHED
    assert job.published_at is not None
    assert job in board.open_jobs()
    with pytest.raises(board.JobBoardError):
        board.create_job(koba, actor=person("buerger"), **job_values())
    # a change of the Jobcenter's offer stays published
    board.update_job(job, actor=staff, title="Helfer/in Lager und Logistik")
    job.refresh_from_db()
    assert job.status == Job.Status.PUBLISHED


def test_expire_jobs_deletes_after_the_retention_period():
    user, _company, employer = employer_company()
    old_withdrawn = posting(employer, user, status="withdrawn")
    new_withdrawn = posting(employer, user, status="withdrawn")
    old_rejected = posting(employer, user, status="rejected")
    long_expired = posting(employer, user, status="published")
    just_expired = posting(employer, user, status="published")
    open_job = posting(employer, user, status="published")
    long_ago = timezone.now() - dt.timedelta(days=board.RETENTION_DAYS + 1)
    Job.objects.filter(pk__in=[old_withdrawn.pk, old_rejected.pk]).update(updated_at=long_ago)
    Job.objects.filter(pk=long_expired.pk).update(valid_through=long_ago.date())
    Job.objects.filter(pk=just_expired.pk).update(
        valid_through=timezone.localdate() - dt.timedelta(days=1)
    )
    assert just_expired not in board.open_jobs()  # out of search at once
    assert board.expire_jobs() == 3
    left = set(Job.objects.filter(employer=employer).values_list("pk", flat=True))
    assert left == {new_withdrawn.pk, just_expired.pk, open_job.pk}


def test_expire_task_runs(settings):
    from openkreis.jobs.tasks import expire_jobs

    assert expire_jobs() >= 0
    assert (
        settings.CELERY_BEAT_SCHEDULE["jobs-expire"]["task"] == "openkreis.jobs.tasks.expire_jobs"
    )


# -- the employers' pages ---------------------------------------------------------------------
def _form(**overrides):
    values = job_values(**overrides)
    data = {k: ("" if v is None else v) for k, v in values.items()}
    data["valid_through"] = values["valid_through"].isoformat()
    data.setdefault("salary_unit", "")
    return data


def test_profile_page_creates_the_employer(client):
    user = person("inhaberin")
    from openkreis.accounts import services as accounts

    company = accounts.create_company(user, name="Bäckerei Harzblick", postcode="38855")
    client.force_login(user)
    url = f"/bildung-arbeit/stellenanzeigen/{company.public_id}/profil/"
    page = client.get(url)
    assert page.status_code == 200
    assert "Bäckerei Harzblick" in page.content.decode()
    bad = client.post(url, {"name": "Bäckerei Harzblick", "postcode": "99999"})
    assert bad.status_code == 400
    assert "field-error" in bad.content.decode()
    ok = client.post(url, {"name": "Bäckerei Harzblick", "postcode": "38820", "town": ""})
    assert ok.status_code == 302
    assert Employer.objects.get(company=company).town == "Halberstadt"
    # 38855 is also used in Nordharz: without a town the larger Wernigerode is meant
    assert board.municipality_for_postcode("38855").name == "Wernigerode"
    assert board.municipality_for_postcode("38855", "Nordharz OT Veckenstedt").name == "Nordharz"


def test_new_job_page_validates_and_submits(client):
    user, company, employer = employer_company()
    client.force_login(user)
    url = f"/bildung-arbeit/stellenanzeigen/{company.public_id}/neu/"
    assert client.get(url).status_code == 200
    bad = client.post(
        url,
        _form(postcode="10115", salary_min="3000", salary_max="2000", contact_email="")
        | {"submit": "1"},
    )
    assert bad.status_code == 400
    html = bad.content.decode()
    assert html.count('class="error-message"') >= 3  # postcode, salary, contact
    assert not Job.objects.filter(employer=employer).exists()
    ok = client.post(url, _form(salary_min="2500", salary_unit="MONTH") | {"submit": "1"})
    assert ok.status_code == 302
    job = Job.objects.get(employer=employer)
    assert job.status == Job.Status.SUBMITTED
    assert job.salary_min == 2500
    home = client.get("/bildung-arbeit/stellenanzeigen/")
    assert job.title in home.content.decode()


def test_new_job_without_profile_goes_to_the_profile(client):
    user = person("ohne-profil")
    from openkreis.accounts import services as accounts

    company = accounts.create_company(user, name="Neu GmbH")
    client.force_login(user)
    response = client.get(f"/bildung-arbeit/stellenanzeigen/{company.public_id}/neu/")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/{company.public_id}/profil/")


def test_edit_and_withdraw_pages(client):
    user, _company, employer = employer_company()
    job = posting(employer, user, status="published")
    client.force_login(user)
    url = f"/bildung-arbeit/stellenanzeigen/stelle/{job.key}/"
    assert client.get(url).status_code == 200
    response = client.post(url, _form(title="Neuer Titel", postcode=WERNIGERODE_PLZ))
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.title, job.status) == ("Neuer Titel", Job.Status.SUBMITTED)
    assert client.post(url + "zurueckziehen/").status_code == 302
    job.refresh_from_db()
    assert job.status == Job.Status.WITHDRAWN
    assert client.get(url).status_code == 409
    assert client.get(url + "zurueckziehen/").status_code == 405


def test_account_menu_link_only_for_company_members():
    from openkreis.accounts.navigation import links_for

    user, _company, _employer = employer_company()
    assert "/bildung-arbeit/stellenanzeigen/" in [url for _label, url in links_for(user)]
    assert "/bildung-arbeit/stellenanzeigen/" not in [
        url for _label, url in links_for(person("ohne-firma"))
    ]


def test_demo_is_complete_and_idempotent(harz):
    from openkreis.core.loader import LoadReport
    from openkreis.core.staff import has_role
    from openkreis.jobs import demo

    report = LoadReport()
    demo.load_demo(harz, None, report)
    assert report.created == len(demo.JOBS) + len(demo.JOBCENTER_JOBS)
    text = "\n".join(report.messages)
    for login in (demo.EMPLOYER_USER, demo.MODERATOR_USER, demo.JOBCENTER_USER):
        assert login in text
    koba = Employer.objects.get(is_jobcenter=True)
    assert koba.name.startswith("Kommunale Beschäftigungsagentur Jobcenter Landkreis Harz")
    assert koba.jobs.filter(status=Job.Status.PUBLISHED).count() == 3
    demo_jobs = Job.objects.filter(
        employer__company__isnull=False,
        created_by__username__in=[spec[0] for spec in demo.EMPLOYERS],
    )
    assert 15 <= demo_jobs.count() <= 25
    assert demo_jobs.filter(status=Job.Status.SUBMITTED).count() == 2
    assert all(j.municipality_id for j in demo_jobs)
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    assert has_role(users.get(username=demo.MODERATOR_USER), "job_moderator")
    assert has_role(users.get(username=demo.JOBCENTER_USER), "jobcenter")
    employer_user = users.get(username=demo.EMPLOYER_USER)
    assert employer_user.check_password(demo.EMPLOYER_PASSWORD)
    assert board.jobs_of(employer_user).count() == 6  # only its own company's
    again = LoadReport()
    demo.load_demo(harz, None, again)
    assert again.created == 0
    assert Job.objects.filter(pk__in=demo_jobs).count() == demo_jobs.count()
