"""What a citizen's form requests ask the database (docs/scaling.md, "Submissions at peak",
fifth round): a form page reads the draft's uploads once, not two or three times; no page of
a citizen asks for Wagtail permissions, though the form's page is called `page` in its
template like a CMS page; sending locks the application's row and reads again only what can
change, not the form, its version, the service and the account."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .test_submit_async import ready_application, send
from .test_views import PDF, PERSON, page_url, start

pytestmark = pytest.mark.django_db


def asked(client, method: str, url: str, data=None):
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data or {})
    return response, [q["sql"] for q in captured.captured_queries]


def reads_of(table: str, sqls: list[str]) -> int:
    """The table's rows read (a COUNT, as the upload limit's, is not a read of the rows)."""
    return sum(
        1
        for sql in sqls
        if sql.lstrip().startswith("SELECT") and f'FROM "{table}"' in sql and "COUNT(" not in sql
    )


def test_a_form_page_reads_the_uploads_once_and_asks_no_permissions(harz_forms, anna):
    app = ready_application(anna)  # both uploads of the page "unterlagen" are stored
    response, sqls = asked(anna, "get", page_url(app, "unterlagen"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "pass.pdf" in html and "heirat.pdf" in html  # the page lists the stored files
    assert reads_of("forms_applicationfile", sqls) == 1
    assert not any('"auth_permission"' in sql for sql in sqls)
    assert "wagtail-userbar" not in html
    response, sqls = asked(anna, "get", f"/antrag/a/{app.public_id}/pruefen/")
    assert response.status_code == 200 and "pass.pdf" in response.content.decode()
    assert reads_of("forms_applicationfile", sqls) == 1


def test_a_page_post_with_an_upload_sees_the_new_file(harz_forms, anna):
    """ "Upload" reads the uploads once (then the page again); "continue" with a file reads
    them once before the page's files are stored and once after (the upload limit counts
    them in between), so the answers and the next page see the new file."""
    app = start(anna)
    anna.post(page_url(app, "person"), PERSON)
    upload = {
        "f-passport": SimpleUploadedFile("pass.pdf", PDF, content_type="application/pdf"),
        "action": "upload",
    }
    response, sqls = asked(anna, "post", page_url(app, "unterlagen"), upload)
    assert response.status_code == 302
    assert reads_of("forms_applicationfile", sqls) == 1
    assert "pass.pdf" in anna.get(page_url(app, "unterlagen")).content.decode()
    # "continue" with the second file: the page is complete and the form goes on
    proof = {
        "f-relationship_proof": SimpleUploadedFile("heirat.pdf", PDF, "application/pdf"),
    }
    response, sqls = asked(anna, "post", page_url(app, "unterlagen"), proof)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "/seite/erklaerung/" in response["Location"]
    assert reads_of("forms_applicationfile", sqls) == 2
    html = anna.get(page_url(app, "unterlagen")).content.decode()
    assert "pass.pdf" in html and "heirat.pdf" in html


def test_sending_locks_the_row_and_reads_only_what_changes(harz_forms, anna, broker):
    """broker: the worker's step waits in its queue, so only the request's queries count."""
    app = ready_application(anna)
    with CaptureQueriesContext(connection) as captured:
        response = send(anna, app)
    sqls = [q["sql"] for q in captured.captured_queries]
    assert response.status_code == 302 and response["Location"].endswith("/bestaetigung/")
    locked = [sql for sql in sqls if "FOR UPDATE" in sql]
    if connection.features.has_select_for_update:
        assert len(locked) == 1 and "JOIN" not in locked[0]
    # the form's definition is read once (with the application), not again under the lock,
    # and the form's own copy of the newest definition not at all
    assert sum(1 for sql in sqls if '"forms_formversion"."definition"' in sql) == 1
    assert not [sql for sql in sqls if '"forms_formdefinition"."definition"' in sql]
    app.refresh_from_db()
    assert app.status == "submitted" and app.submitted_at is not None
    assert app.data.get("family_name") == "Berg"  # the answers as checked under the lock


def test_no_user_bar_on_a_form_page_for_someone_allowed_into_the_cms(harz_forms, client):
    """The form's step is called `page` in its template, like a CMS page: someone who may
    enter Wagtail's admin (not staff, no staff area) sees no user bar there, and the
    request asks no permission; on a CMS page they see it."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission

    editors = Group.objects.create(name="Nur Redaktion")
    editors.permissions.add(
        Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin")
    )
    author = get_user_model().objects.create_user("autorin", "autorin@example.org", "x")
    author.groups.add(editors)
    client.force_login(author)
    app = start(client)
    response, sqls = asked(client, "get", page_url(app, "person"))
    assert response.status_code == 200
    assert "wagtail-userbar" not in response.content.decode()
    assert not any('"auth_permission"' in sql for sql in sqls)
    assert "wagtail-userbar" in client.get("/impressum/").content.decode()


def test_a_form_page_reads_only_the_version_definition(harz_forms, anna):
    """The draft is shown with the version it was started with: the form's own copy of the
    newest definition (as large again for a FIM form) is not read; an application without a
    version (only a row written directly has none) reads it when it needs it."""
    app = start(anna)
    assert app.form_version_id is not None
    response, sqls = asked(anna, "get", page_url(app, "person"))
    assert response.status_code == 200
    assert sum(1 for sql in sqls if '"forms_formversion"."definition"' in sql) == 1
    assert not [sql for sql in sqls if '"forms_formdefinition"."definition"' in sql], sqls
    type(app).objects.filter(pk=app.pk).update(form_version=None)
    response, sqls = asked(anna, "get", page_url(app, "person"))
    assert response.status_code == 200 and 'name="f-family_name"' in response.content.decode()
    assert sum(1 for sql in sqls if '"forms_formdefinition"."definition"' in sql) == 1


def test_the_worker_opens_the_case_with_the_version_definition_only(harz_forms, anna, broker):
    """The worker's step (`register_submitted`) reads the version's definition once and the
    form's own copy not at all."""
    from openkreis.forms import services as forms

    app = ready_application(anna)
    assert send(anna, app).status_code == 302
    with CaptureQueriesContext(connection) as captured:
        assert forms.register_submitted(app.pk) == "registered"
    sqls = [q["sql"] for q in captured.captured_queries]
    assert sum(1 for sql in sqls if '"forms_formversion"."definition"' in sql) == 1
    assert not [sql for sql in sqls if '"forms_formdefinition"."definition"' in sql]


@pytest.mark.parametrize("slug", ["aufenthaltskarte-eu", "kfz-zulassung"])
def test_start_now_reads_the_form_once_without_its_definition(harz_forms, anna, slug):
    """ "Start now" shows no page: the service's form is read in one query (its own form, or
    the generic one, which took two), once (starting the draft read it again), and its
    newest definition stays unread — the draft is filled in with its version's copy."""
    from openkreis.catalog.models import Service
    from openkreis.forms import services as forms
    from openkreis.forms.models import Application

    response, sqls = asked(anna, "post", f"/antrag/{slug}/")
    assert response.status_code == 302
    form_reads = [s for s in sqls if s.startswith("SELECT") and 'FROM "forms_formdefinition"' in s]
    assert len(form_reads) == 1
    assert '"forms_formdefinition"."definition"' not in form_reads[0]
    app = Application.objects.select_related("form", "form_version").get(service__slug=slug)
    assert app.form == forms.form_for_service(Service.objects.get(slug=slug))
    assert app.form_version.definition == app.form.definition
    assert app.form.key == ("allgemeiner-antrag" if slug == "kfz-zulassung" else slug)


def test_a_form_request_reads_the_application_with_its_version_alone(harz_forms, anna, monkeypatch):
    """Every request of a draft reads its application: with the version it is filled in
    with, in one query; the service and the form come from the process's set-up cache once
    a request has read them (joining them cost about as much CPU as the rest of the read)."""
    from openkreis.core import setupcache

    # a busy machine may take longer between the two requests than the cache's seconds
    monkeypatch.setattr(setupcache.time, "monotonic", lambda: 1000.0)
    app = start(anna)
    anna.get(page_url(app, "person"))  # the service and the form are read, and kept
    response, sqls = asked(anna, "get", page_url(app, "person"))
    assert response.status_code == 200
    assert 'name="f-family_name"' in response.content.decode()  # the page of the draft
    reads = [s for s in sqls if s.startswith("SELECT") and 'FROM "forms_application"' in s]
    assert len(reads) == 1 and '"forms_formversion"."definition"' in reads[0]
    assert not any('"catalog_service"' in s or '"forms_formdefinition"' in s for s in sqls)


def test_a_saved_service_is_named_at_once_and_another_process_change_within_seconds(
    harz_forms, anna, settings, monkeypatch
):
    """The cached service is the set-up cache's: a save in this process empties it at once;
    a change that sends no signal (another process's, an UPDATE) shows after
    OPENKREIS_ROUTING_CACHE_SECONDS, as the eAkte's routing of new cases."""
    from openkreis.catalog.models import Service
    from openkreis.core import setupcache

    settings.OPENKREIS_ROUTING_CACHE_SECONDS = 5
    clock = [1000.0]
    monkeypatch.setattr(setupcache.time, "monotonic", lambda: clock[0])
    app = start(anna, "kfz-zulassung")  # the generic form: the pages name the service
    service = Service.objects.get(slug="kfz-zulassung")
    assert f"Antrag: {service.name}" in anna.get(page_url(app, "person")).content.decode()
    service.name = "Zulassung eines Fahrzeugs"
    service.save()
    html = anna.get(page_url(app, "person")).content.decode()
    assert "Antrag: Zulassung eines Fahrzeugs" in html
    Service.objects.filter(pk=service.pk).update(name="Fahrzeugzulassung")  # no signal
    clock[0] += 4.9
    assert "Antrag: Zulassung eines Fahrzeugs" in anna.get(page_url(app, "person")).content.decode()
    clock[0] += 0.2
    assert "Antrag: Fahrzeugzulassung" in anna.get(page_url(app, "person")).content.decode()


def test_the_read_finds_only_the_accounts_own_application_in_the_statuses_asked(
    harz_forms, anna, citizen, other_citizen
):
    from django.contrib.auth.models import AnonymousUser

    from openkreis.forms import services as forms
    from openkreis.forms.models import Application

    app = start(anna)
    assert forms.own_application(citizen, app.public_id, ["draft"]).pk == app.pk
    assert forms.own_application(citizen, app.public_id).user == citizen
    for user, statuses in (
        (other_citizen, ()),  # another citizen's (test_isolation.py: a 404 on every page)
        (AnonymousUser(), ()),
        (citizen, ["submitted"]),  # not sent yet
    ):
        with pytest.raises(Application.DoesNotExist):
            forms.own_application(user, app.public_id, statuses)
