"""Proposals: the services (submit, support once, comment, abuse reports), the public pages
(list with filters and sorting, a proposal's page, the photo, the form without JavaScript),
"Meine Vorschläge", the events (no person) and the authorisation table."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from openkreis.core import event_kinds
from openkreis.core.models import Event, Region
from openkreis.core.staff import Role
from openkreis.core.testing import login_staff, make_staff
from openkreis.participation import proposals
from openkreis.participation.models_proposals import AbuseReport, Comment, Proposal, Support

LIST = "/beteiligung/vorschlaege/"
NEW = "/beteiligung/vorschlaege/neu/"
MINE = "/beteiligung/vorschlaege/meine/"
WERNIGERODE = "150850370370"
THALE = "150850330330"


# -- helpers (the other proposal test files import them) --------------------------------------
def citizen(django_user_model, name: str = "erika", **extra):
    return django_user_model.objects.create_user(
        name, f"{name}@example.org", "pw-123456!x", **extra
    )


def town(ars: str = WERNIGERODE) -> Region:
    return Region.objects.get(ars=ars)


def make_proposal(author, *, title="Mehr Bänke im Park", published=True, ars=WERNIGERODE, **kw):
    proposal = proposals.submit(
        author,
        proposals.Submission(
            title=title, text=kw.pop("text", "Bitte mehr Bänke."), municipality=town(ars), **kw
        ),
    )
    if published and proposal.moderation != Proposal.Moderation.PUBLISHED:
        Proposal.objects.filter(pk=proposal.pk).update(moderation=Proposal.Moderation.PUBLISHED)
        proposal.refresh_from_db()
    return proposal


def moderator(client=None, name="mod"):
    user, secret = make_staff(name, "pressestelle", Role.PROPOSAL_MODERATOR)
    if client is not None:
        login_staff(client, user, secret)
    return user


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "Kamera GmbH"  # Make
    gps = {1: "N", 2: (51.0, 50.0, 0.0), 3: "E", 4: (10.0, 47.0, 0.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


# -- services ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_submit_waits_for_moderation_by_default_and_records_an_event(django_user_model):
    erika = citizen(django_user_model)
    proposal = make_proposal(erika, published=False, show_name=True)
    assert proposal.moderation == Proposal.Moderation.PENDING
    assert proposal.public_id.startswith("V-")
    assert proposal.author_name == "erika"  # no first/last name: the login
    event = Event.objects.get(kind=event_kinds.PARTICIPATION_PROPOSAL_SUBMITTED)
    assert event.subject == f"proposal:{proposal.public_id}"
    assert event.data == {"municipality": WERNIGERODE}


@pytest.mark.django_db
def test_mode_after_publishes_at_once(django_user_model, monkeypatch):
    monkeypatch.setattr(proposals, "moderation_mode", lambda: proposals.MODERATION_AFTER)
    proposal = make_proposal(citizen(django_user_model), published=False)
    assert proposal.moderation == Proposal.Moderation.PUBLISHED


@pytest.mark.django_db
def test_submit_refuses_bad_input(django_user_model):
    erika = citizen(django_user_model)
    with pytest.raises(proposals.ProposalError):
        proposals.submit(erika, proposals.Submission(title=" ", text="x"))
    with pytest.raises(proposals.ProposalError):
        proposals.submit(erika, proposals.Submission(title="t", text="x", lat=51.0))
    with pytest.raises(proposals.ProposalError):
        proposals.submit(erika, proposals.Submission(title="t" * 151, text="x"))
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(proposals.ProposalError):
        proposals.submit(AnonymousUser(), proposals.Submission(title="t", text="x"))
    assert not Proposal.objects.exists()


@pytest.mark.django_db
def test_support_once_per_account_and_withdraw(django_user_model):
    erika, max_ = citizen(django_user_model), citizen(django_user_model, "max")
    proposal = make_proposal(erika)
    assert proposals.support(max_, proposal) is True
    assert proposals.support(max_, proposal) is False  # the unique constraint
    assert proposals.support(erika, proposal) is True
    proposal.refresh_from_db()
    assert proposal.supporters_count == 2 == Support.objects.filter(proposal=proposal).count()
    events = Event.objects.filter(kind=event_kinds.PARTICIPATION_PROPOSAL_SUPPORTED)
    assert events.count() == 2
    assert all(e.data == {"municipality": WERNIGERODE} for e in events)
    assert proposals.withdraw_support(max_, proposal) is True
    assert proposals.withdraw_support(max_, proposal) is False
    proposal.refresh_from_db()
    assert proposal.supporters_count == 1


@pytest.mark.django_db
def test_a_waiting_proposal_cannot_be_supported_or_commented(django_user_model):
    erika, max_ = citizen(django_user_model), citizen(django_user_model, "max")
    proposal = make_proposal(erika, published=False)
    with pytest.raises(proposals.ProposalError):
        proposals.support(max_, proposal)
    with pytest.raises(proposals.ProposalError):
        proposals.add_comment(max_, proposal, "Gut")
    assert not Support.objects.exists() and not Comment.objects.exists()


@pytest.mark.django_db
def test_comments_are_bounded(django_user_model):
    erika = citizen(django_user_model)
    proposal = make_proposal(erika)
    with pytest.raises(proposals.ProposalError, match="2000"):
        proposals.add_comment(erika, proposal, "x" * 2001)
    with pytest.raises(proposals.ProposalError):
        proposals.add_comment(erika, proposal, "   ")
    comment = proposals.add_comment(erika, proposal, "x" * 2000, show_name=True)
    assert comment.author_name == "erika"


@pytest.mark.django_db
def test_one_open_abuse_report_per_person_and_target(django_user_model):
    erika, max_ = citizen(django_user_model), citizen(django_user_model, "max")
    proposal = make_proposal(erika)
    comment = proposals.add_comment(erika, proposal, "Meinung")
    with pytest.raises(proposals.ProposalError):
        proposals.report_abuse(max_, proposal=proposal, reason="  ")
    proposals.report_abuse(max_, proposal=proposal, reason="Werbung")
    with pytest.raises(proposals.ProposalError, match="bereits"):
        proposals.report_abuse(max_, proposal=proposal, reason="Immer noch Werbung")
    # the comment is another target; another person may report the same proposal
    proposals.report_abuse(max_, comment=comment, reason="Beleidigung")
    proposals.report_abuse(erika, proposal=proposal, reason="Falsch")
    assert AbuseReport.objects.count() == 3
    # once closed, the same person may report again
    AbuseReport.objects.filter(reporter=max_, comment=None).update(outcome="kept")
    proposals.report_abuse(max_, proposal=proposal, reason="Neu")
    assert AbuseReport.objects.filter(reporter=max_, comment=None).count() == 2


# -- pages --------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_list_shows_published_only_with_filters_sorting_and_pages(client, django_user_model):
    erika, max_ = citizen(django_user_model), citizen(django_user_model, "max")
    quiet = make_proposal(erika, title="Leise Straße")
    loud = make_proposal(erika, title="Laute Musik", ars=THALE)
    make_proposal(erika, title="Geheimer Entwurf", published=False)
    proposals.support(max_, loud)
    html = client.get(LIST).content.decode()
    assert "Leise Straße" in html and "Laute Musik" in html
    assert "Geheimer Entwurf" not in html
    html = client.get(LIST + f"?gemeinde={THALE}").content.decode()
    assert "Laute Musik" in html and "Leise Straße" not in html
    html = client.get(LIST + "?sortierung=unterstuetzt").content.decode()
    assert html.index("Laute Musik") < html.index("Leise Straße")
    html = client.get(LIST + "?sortierung=neu").content.decode()
    assert html.index("Laute Musik") < html.index("Leise Straße")  # the newer first
    Proposal.objects.filter(pk=quiet.pk).update(status="accepted")
    html = client.get(LIST + "?status=accepted").content.decode()
    assert "Leise Straße" in html and "Laute Musik" not in html
    html = client.get(LIST + "?status=offen").content.decode()
    assert "Laute Musik" in html and "Leise Straße" not in html
    # nonsense in the query: the whole list, never a 500
    for query in ("?gemeinde=x", "?status=%00", "?sortierung=drop", "?seite=99999999999999"):
        assert client.get(LIST + query).status_code == 200
    for n in range(25):
        make_proposal(erika, title=f"Vorschlag Nummer {n}")
    html = client.get(LIST).content.decode()
    assert "seite=2" in html
    assert client.get(LIST + "?seite=2").status_code == 200


@pytest.mark.django_db
def test_detail_shows_text_answer_and_hides_the_authors_name_unless_chosen(
    client, django_user_model
):
    erika = citizen(django_user_model, first_name="Erika", last_name="Muster")
    shy = make_proposal(erika, title="Schüchtern")
    named = make_proposal(erika, title="Mit Namen", show_name=True)
    unit_name = "Kreisstraßen"
    from openkreis.core.models import OrgUnit

    unit = OrgUnit.objects.get(key="kreisstrassen")
    Proposal.objects.filter(pk=named.pk).update(
        status="rejected", answer="Kein Geld.", answer_unit=unit, circle="Mobilität"
    )
    html = client.get(f"{LIST}{shy.public_id}/").content.decode()
    assert "Erika Muster" not in html and "Einwohner" in html
    html = client.get(f"{LIST}{named.public_id}/").content.decode()
    assert "Erika Muster" in html
    assert "Kein Geld." in html and "Abgelehnt" in html and unit.name in html
    assert "Gestaltungskreis Mobilität" in html
    assert unit_name  # the unit's name comes from the county data


@pytest.mark.django_db
def test_form_without_javascript_and_photo_cleaned(client, django_user_model):
    erika = citizen(django_user_model)
    assert client.get(NEW).status_code == 302  # login first
    client.force_login(erika)
    response = client.get(NEW)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="municipality"' in html and 'enctype="multipart/form-data"' in html
    # errors: 400 with a summary linked to the fields, in German
    response = client.post(NEW, {"title": "", "text": "", "municipality": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#id_title"' in html and "Bitte geben Sie Ihrem Vorschlag einen Titel" in html
    # not an image
    bad = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    data = {"title": "Bank", "text": "Eine Bank", "municipality": town().pk}
    response = client.post(NEW, {**data, "photo": bad})
    assert response.status_code == 400 and "kein Foto" in response.content.decode()
    # a real photo with GPS: stored without EXIF, the proposal waits
    photo = SimpleUploadedFile("p.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = client.post(NEW, {**data, "photo": photo, "lat": "51.8", "lon": "10.78"})
    assert response.status_code == 302
    proposal = Proposal.objects.get(title="Bank")
    assert proposal.moderation == "pending" and (proposal.lat, proposal.lon) == (51.8, 10.78)
    with proposal.photo.open("rb") as fh, Image.open(fh) as stored:
        assert not stored.getexif()
    # a broken hidden position is dropped, the rest is kept
    response = client.post(NEW, {**data, "title": "Ohne Ort", "lat": "abc", "lon": "10"})
    assert response.status_code == 302
    assert Proposal.objects.get(title="Ohne Ort").lat is None
    # too long
    response = client.post(NEW, {**data, "title": "Lang", "text": "x" * 5001})
    assert response.status_code == 400


@pytest.mark.django_db
def test_support_and_comment_pages(client, django_user_model):
    erika, max_ = citizen(django_user_model), citizen(django_user_model, "max")
    proposal = make_proposal(erika)
    url = f"{LIST}{proposal.public_id}/"
    response = client.post(url + "unterstuetzen/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(max_)
    assert client.post(url + "unterstuetzen/").status_code == 302
    response = client.post(url + "unterstuetzen/", follow=True)
    assert "unterstützen diesen Vorschlag bereits" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.supporters_count == 1
    assert "Unterstützung zurückziehen" in client.get(url).content.decode()
    client.post(url + "unterstuetzen/", {"action": "withdraw"})
    proposal.refresh_from_db()
    assert proposal.supporters_count == 0
    # comments: empty → 400 with the message; fine → shown
    response = client.post(url + "kommentieren/", {"comment-text": ""})
    assert response.status_code == 400
    assert 'href="#id_comment-text"' in response.content.decode()
    client.post(url + "kommentieren/", {"comment-text": "Gute Idee!"})
    assert "Gute Idee!" in client.get(url).content.decode()
    # abuse report of the proposal and of the comment; twice → 400 with the message
    assert client.post(url + "melden/", {"abuse-reason": ""}).status_code == 400
    assert client.post(url + "melden/", {"abuse-reason": "Werbung"}).status_code == 302
    response = client.post(url + "melden/", {"abuse-reason": "Werbung"})
    assert response.status_code == 400 and "bereits gemeldet" in response.content.decode()
    comment = Comment.objects.get()
    data = {"abuse-reason": "Beleidigend", "abuse-comment": comment.pk}
    assert client.post(url + "melden/", data).status_code == 302
    assert AbuseReport.objects.filter(comment=comment).count() == 1
    # a comment of another proposal: 404
    other = make_proposal(erika, title="Andere")
    data = {"abuse-reason": "x", "abuse-comment": comment.pk}
    assert client.post(f"{LIST}{other.public_id}/melden/", data).status_code == 404
    assert client.get(url + "unterstuetzen/").status_code == 405


@pytest.mark.django_db
def test_my_proposals_show_the_moderation_reason(client, django_user_model):
    erika, max_ = citizen(django_user_model), citizen(django_user_model, "max")
    mine = make_proposal(erika, title="Meiner", published=False)
    Proposal.objects.filter(pk=mine.pk).update(
        moderation="hidden", moderation_reason="Enthält einen Namen."
    )
    make_proposal(max_, title="Fremder")
    assert client.get(MINE).status_code == 302
    client.force_login(erika)
    response = client.get(MINE)
    html = response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert "Meiner" in html and "Enthält einen Namen." in html and "Fremder" not in html


@pytest.mark.django_db
def test_account_menu_link(django_user_model):
    """apps.py puts "Meine Vorschläge" into every citizen's account menu."""
    from openkreis.accounts.navigation import links_for

    links = [(str(label), url) for label, url in links_for(citizen(django_user_model))]
    assert ("Meine Vorschläge", MINE) in links


# -- authorisation table ---------------------------------------------------------------------------
# who × page → status; "pending" is a proposal waiting for moderation by the citizen "owner"
ROLES = ["anonymous", "owner", "other", "editor", "moderator"]
TABLE = {
    # page: anonymous, owner, other citizen, survey editor (no moderator role), moderator
    "list": (200, 200, 200, 200, 200),
    "published": (200, 200, 200, 200, 200),
    "published_photo": (200, 200, 200, 200, 200),
    "pending": (404, 200, 404, 404, 200),
    "pending_photo": (404, 200, 404, 404, 200),
    "hidden": (404, 200, 404, 404, 200),
    "new": (302, 200, 200, 200, 200),
    "mine": (302, 200, 200, 200, 200),
    "moderation_home": (302, 403, 403, 403, 200),
    "moderation_pending": (302, 403, 403, 403, 200),
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_authorisation_table(client, django_user_model, role):
    owner = citizen(django_user_model, "owner")
    photo = proposals.CleanPhoto(jpeg_with_gps(), 64, 48, None, None)
    published = make_proposal(owner, title="Öffentlich", photo=photo)
    pending = make_proposal(owner, title="Wartend", published=False, photo=photo)
    hidden = make_proposal(owner, title="Verborgen")
    Proposal.objects.filter(pk=hidden.pk).update(moderation="hidden")
    if role == "owner":
        client.force_login(owner)
    elif role == "other":
        client.force_login(citizen(django_user_model, "other"))
    elif role == "editor":
        user, secret = make_staff("editor", "pressestelle", Role.SURVEY_EDITOR)
        login_staff(client, user, secret)
    elif role == "moderator":
        moderator(client)
    urls = {
        "list": LIST,
        "published": f"{LIST}{published.public_id}/",
        "published_photo": f"{LIST}{published.public_id}/foto/",
        "pending": f"{LIST}{pending.public_id}/",
        "pending_photo": f"{LIST}{pending.public_id}/foto/",
        "hidden": f"{LIST}{hidden.public_id}/",
        "new": NEW,
        "mine": MINE,
        "moderation_home": "/beteiligung/moderation/",
        "moderation_pending": f"/beteiligung/moderation/{pending.public_id}/",
    }
    column = ROLES.index(role)
    got = {page: client.get(url).status_code for page, url in urls.items()}
    want = {page: statuses[column] for page, statuses in TABLE.items()}
    assert got == want
    # a waiting proposal can be neither supported nor reported by anyone but is 404 for others
    if role in ("other", "editor"):
        response = client.post(f"{LIST}{pending.public_id}/unterstuetzen/")
        assert response.status_code == 404


@pytest.mark.django_db
def test_photo_headers(client, django_user_model):
    owner = citizen(django_user_model, "owner")
    photo = proposals.CleanPhoto(jpeg_with_gps(), 64, 48, None, None)
    published = make_proposal(owner, photo=photo)
    response = client.get(f"{LIST}{published.public_id}/foto/")
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "public, max-age=3600"
    assert client.get(f"{LIST}{make_proposal(owner).public_id}/foto/").status_code == 404
    pending = make_proposal(owner, published=False, photo=photo)
    client.force_login(owner)
    response = client.get(f"{LIST}{pending.public_id}/foto/")
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_english_pages(client, django_user_model):
    erika = citizen(django_user_model)
    proposal = make_proposal(erika)
    html = client.get("/en" + LIST).content.decode()
    assert "Proposals from residents" in html
    html = client.get(f"/en{LIST}{proposal.public_id}/").content.decode()
    assert "a resident" in html and "Not yet answered" in html
