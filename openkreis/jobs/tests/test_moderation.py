"""Moderation of postings (role job_moderator, with TOTP): the queue, accepting, refusing
with a reason the employer reads (page and mailbox); the Jobcenter's offers published
without review (role jobcenter)."""

import pytest

from openkreis.accounts.models import Message
from openkreis.core.models import Event
from openkreis.core.testing import login_as
from openkreis.jobs import board
from openkreis.jobs.models import Job

from .factories import employer_company, job_values, posting

pytestmark = pytest.mark.django_db
STAFF = {
    "moderator": ("wirtschaftsfoerderung", ["job_moderator"]),
    "jobcenter": ("wirtschaftsfoerderung", ["jobcenter"]),
}


def test_queue_and_accept(client):
    user, _company, employer = employer_company()
    waiting = posting(employer, user, status="submitted", title="Wartende Stelle J2")
    posting(employer, user, status="draft", title="Entwurf J2")
    moderator = login_as(client, "moderator", STAFF)
    home = client.get("/bildung-arbeit/moderation/").content.decode()
    assert "Wartende Stelle J2" in home
    assert "Entwurf J2" not in home
    url = f"/bildung-arbeit/moderation/stelle/{waiting.key}/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"action": "accept"}).status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == Job.Status.PUBLISHED
    assert waiting.published_at is not None
    assert waiting.moderated_by == moderator
    assert waiting in board.open_jobs()
    event = Event.objects.filter(kind="jobs.job_moderated", subject=f"job:{waiting.pk}").get()
    assert event.data == {"decision": "published"}
    # decided once: a second decision is refused
    assert client.post(url, {"action": "refuse", "reason": "Doch nicht"}).status_code == 409


def test_refuse_needs_a_reason_the_employer_reads(client):
    user, company, employer = employer_company()
    from openkreis.accounts import services as accounts
    from openkreis.accounts.models import CompanyMembership

    from .factories import person

    colleague = person("kollegin")
    CompanyMembership.objects.create(company=company, user=colleague)
    waiting = posting(employer, user, status="submitted")
    login_as(client, "moderator", STAFF)
    url = f"/bildung-arbeit/moderation/stelle/{waiting.key}/"
    assert client.post(url, {"action": "refuse", "reason": "  "}).status_code == 400
    assert client.post(url, {"action": "nonsense"}).status_code == 400
    waiting.refresh_from_db()
    assert waiting.status == Job.Status.SUBMITTED
    reason = "Bitte Arbeitszeit und Vergütung angeben."
    assert client.post(url, {"action": "refuse", "reason": reason}).status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == Job.Status.REJECTED
    assert waiting.moderation_note == reason
    assert Event.objects.get(kind="jobs.job_moderated", subject=f"job:{waiting.pk}").data == {
        "decision": "rejected"
    }
    for member in (user, colleague):
        message = Message.objects.filter(owner=member).latest("pk")
        assert reason in message.body
        assert waiting.title in message.subject
    assert accounts.unread_count(colleague) >= 1
    # the employer sees the reason and sends it again after a change
    client.force_login(user)
    assert reason in client.get("/bildung-arbeit/stellenanzeigen/").content.decode()
    board.update_job(waiting, actor=user, submit=True, description="Vollzeit, 2.800 € im Monat.")
    waiting.refresh_from_db()
    assert waiting.status == Job.Status.SUBMITTED
    assert waiting.moderation_note == ""


def test_moderation_service_checks_the_role():
    user, _company, employer = employer_company()
    waiting = posting(employer, user, status="submitted")
    with pytest.raises(board.JobBoardError):
        board.moderate(waiting, actor=user, accept=True)


def test_jobcenter_posts_published_offers(client):
    login_as(client, "jobcenter", STAFF)
    home = client.get("/bildung-arbeit/moderation/")
    assert home.status_code == 200
    assert "Jobcenter" in home.content.decode()
    data = {
        k: ("" if v is None else v) for k, v in job_values(title="Fachkraft Lager KoBa").items()
    }
    data["valid_through"] = job_values()["valid_through"].isoformat()
    bad = client.post("/bildung-arbeit/moderation/jobcenter/neu/", data | {"postcode": "1"})
    assert bad.status_code == 400
    response = client.post("/bildung-arbeit/moderation/jobcenter/neu/", data)
    assert response.status_code == 302
    job = Job.objects.get(title="Fachkraft Lager KoBa")
    assert job.employer.is_jobcenter
    assert job.status == Job.Status.PUBLISHED
    public = client.get(f"/bildung-arbeit/jobs/{job.key}/")
    assert public.status_code == 200
    withdraw = client.post(f"/bildung-arbeit/moderation/jobcenter/{job.key}/zurueckziehen/")
    assert withdraw.status_code == 302
    job.refresh_from_db()
    assert job.status == Job.Status.WITHDRAWN
