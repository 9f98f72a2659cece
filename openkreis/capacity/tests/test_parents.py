"""The Eltern-Portal (/kita/meine/): children, applications with ranked wishes, offers with
their explanation, alerts — each parent only ever sees their own."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from openkreis.accounts.models import Message
from openkreis.capacity import notify, services
from openkreis.capacity.models import Application, Child, FreePlaces, Kita, Offer, PlaceAlert

from .factories import HALBERSTADT, WERNIGERODE, baby, child, parent, start
from .test_rounds import krippe_kitas

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"capacity:parents_{name}", args=args)


def logged_in(client, name="mama"):
    user = parent(name)
    client.force_login(user)
    return user


def test_the_portal_needs_a_login(client, harz):
    response = client.get(url("home"))
    assert response.status_code == 302 and "/konto/login/" in response["Location"]


def test_a_parent_adds_a_child_and_applies_with_ranked_wishes(client, harz):
    a, b = krippe_kitas()
    user = logged_in(client)
    response = client.get(url("child_new"))
    assert response.status_code == 200
    wernigerode = Kita.objects.filter(municipality__ars=WERNIGERODE).first().municipality
    response = client.post(
        url("child_new"),
        {
            "first_name": "Mia",
            "birth_date": baby().isoformat(),
            "municipality": wernigerode.pk,
            "siblings_at": [b.pk],
        },
    )
    assert response.status_code == 302
    mia = Child.objects.get(parent=user)
    assert (mia.first_name, mia.municipality, list(mia.siblings_at.all())) == (
        "Mia",
        wernigerode,
        [b],
    )

    form = client.get(url("apply", mia.pk))
    assert form.status_code == 200
    wishes = services.county_rules().max_wishes
    for rank in range(1, wishes + 1):
        assert f'name="wish_{rank}"' in form.content.decode()
    response = client.post(
        url("apply", mia.pk),
        {
            "start": start().strftime("%Y-%m"),
            "hours": "8",
            "wish_1": b.pk,
            "wish_2": a.pk,
            "flags": ["working_parents"],
        },
    )
    assert response.status_code == 302
    application = Application.objects.get(child=mia)
    assert [(w.rank, w.kita) for w in application.wishes.all()] == [(1, b), (2, a)]
    assert application.flags == ["working_parents"] and application.hours == 8
    home = client.get(url("home")).content.decode()
    assert "Mia" in home and b.name in home


def test_bad_input_is_a_400_with_the_message_in_the_form(client, harz):
    a, b = krippe_kitas()
    user = logged_in(client)
    mia = child(user, "Mia", baby())
    # the same Kita twice
    response = client.post(
        url("apply", mia.pk),
        {"start": start().strftime("%Y-%m"), "hours": "8", "wish_1": a.pk, "wish_2": a.pk},
    )
    assert response.status_code == 400
    assert "error-summary" in response.content.decode()
    # no wish, hours out of range, a month not offered
    response = client.post(url("apply", mia.pk), {"start": "1999-01", "hours": "30"})
    assert response.status_code == 400
    assert not Application.objects.exists()
    # a refusal of the service (a start before the birth) is shown in the form, not a 500
    unborn = child(user, "Bald", services.add_months(start(), 1))
    response = client.post(
        url("apply", unborn.pk),
        {"start": start().strftime("%Y-%m"), "hours": "8", "wish_1": a.pk},
    )
    assert response.status_code == 400
    assert "Geburt" in response.content.decode() or "birth" in response.content.decode()
    unborn.delete()
    # a child without a plausible birth date
    response = client.post(
        url("child_new"),
        {"first_name": "Zu", "birth_date": "1990-01-01", "municipality": mia.municipality.pk},
    )
    assert response.status_code == 400 and Child.objects.count() == 1
    response = client.post(url("child_new"), {"first_name": "", "birth_date": "gestern"})
    assert response.status_code == 400


def test_another_parents_objects_answer_404(client, harz):
    a, b = krippe_kitas()
    other = parent("fremd")
    theirs = child(other, "Quirin", baby())
    application = services.apply(theirs, start_month=start(), hours=8, kitas=[a])
    services.run_round(seed=5)
    offer = Offer.objects.get(application=application)
    alert = PlaceAlert.objects.create(user=other, age_group="krippe")
    logged_in(client)
    for target in (
        url("child_edit", theirs.pk),
        url("child_delete", theirs.pk),
        url("apply", theirs.pk),
        url("withdraw", application.pk),
        url("offer", offer.pk),
        url("decline", offer.pk),
    ):
        assert client.get(target).status_code == 404, target
        assert client.post(target, {"first_name": "X"}).status_code == 404, target
    assert client.post(url("alert_delete", alert.pk)).status_code == 404
    offer.refresh_from_db()
    assert offer.status == "open" and Child.objects.get(pk=theirs.pk).first_name == "Quirin"
    assert PlaceAlert.objects.filter(pk=alert.pk).exists()
    assert "Quirin" not in client.get(url("home")).content.decode()


def test_offer_page_explains_and_accepts_once(client, harz, django_capture_on_commit_callbacks):
    a, b = krippe_kitas()
    user = logged_in(client)
    other = parent("geschwister")
    mia = child(user, "Mia", baby())
    leo = child(other, "Leo", baby(), ars=HALBERSTADT, siblings=[a])
    mine = services.apply(mia, start_month=start(), hours=8, kitas=[a, b])
    services.apply(leo, start_month=start(), hours=8, kitas=[a])
    with django_capture_on_commit_callbacks(execute=True):
        services.run_round(seed=11)
    offer = Offer.objects.get(application=mine)
    assert offer.group.kita == b

    # the mailbox has the offer, with deadline and link
    message = Message.objects.get(owner=user)
    assert str(offer.pk) in message.subject
    assert url("offer", offer.pk) in message.body
    assert timezone.localtime(offer.deadline).strftime("%d.%m.%Y") in message.body
    assert Message.objects.filter(owner=other).count() == 1

    home = client.get(url("home")).content.decode()
    assert url("offer", offer.pk) in home

    page = client.get(url("offer", offer.pk)).content.decode()
    assert b.name in page and a.name in page
    assert "Geschwisterkind" in page or "sibling" in page
    assert "10" in page and "12" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("offer", offer.pk))
    assert response.status_code == 302
    offer.refresh_from_db()
    mine.refresh_from_db()
    assert offer.status == "accepted" and mine.status == "placed"
    confirmation = Message.objects.filter(owner=user).order_by("-id").first()
    assert b.name in confirmation.body and confirmation.pk != message.pk
    again = client.post(url("offer", offer.pk))
    assert again.status_code == 409
    assert "error-summary" in again.content.decode()
    assert FreePlaces.objects.get(group=offer.group, month=offer.month).free == 0


def test_decline_needs_a_confirmation_and_a_post(client, harz):
    a, b = krippe_kitas()
    user = logged_in(client)
    application = services.apply(
        child(user, "Ida", baby()), start_month=start(), hours=8, kitas=[a, b]
    )
    services.run_round(seed=2)
    offer = Offer.objects.get(application=application)
    confirm = client.get(url("decline", offer.pk))
    assert confirm.status_code == 200
    offer.refresh_from_db()
    assert offer.status == "open"  # a GET changes nothing
    assert client.post(url("decline", offer.pk)).status_code == 302
    offer.refresh_from_db()
    application.refresh_from_db()
    assert offer.status == "declined" and application.status == "submitted"
    assert [w.kita for w in application.wishes.all()] == [b]
    assert client.post(url("decline", offer.pk)).status_code == 409


def test_withdraw_and_delete(client, harz):
    a, _b = krippe_kitas()
    user = logged_in(client)
    ida = child(user, "Ida", baby())
    application = services.apply(ida, start_month=start(), hours=8, kitas=[a])
    services.run_round(seed=2)
    # an open application: the child cannot be deleted yet
    assert client.post(url("child_delete", ida.pk)).status_code == 400
    assert client.get(url("withdraw", application.pk)).status_code == 200
    assert client.post(url("withdraw", application.pk)).status_code == 302
    application.refresh_from_db()
    assert application.status == "withdrawn"
    assert Offer.objects.get(application=application).status == "withdrawn"
    assert client.post(url("withdraw", application.pk)).status_code == 400
    assert client.post(url("child_delete", ida.pk)).status_code == 302
    assert not Child.objects.filter(pk=ida.pk).exists()


def test_reminder_and_expiry_messages(harz, django_capture_on_commit_callbacks):
    a, _b = krippe_kitas()
    p = parent("erinnert")
    application = services.apply(child(p, "Ole", baby()), start_month=start(), hours=8, kitas=[a])
    services.run_round(seed=3)
    offer = Offer.objects.get(application=application)
    assert notify.remind_offers() == 0  # 14 days left
    Offer.objects.filter(pk=offer.pk).update(deadline=timezone.now() + dt.timedelta(days=1))
    assert notify.remind_offers() == 1
    assert notify.remind_offers() == 0  # once per offer
    Offer.objects.filter(pk=offer.pk).update(deadline=timezone.now() - dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.expire_offers() == 1
    subjects = list(Message.objects.filter(owner=p).values_list("subject", flat=True))
    # the reminder and the expiry (the offer's own message follows run_round's commit)
    assert len(subjects) == 2 and all(str(offer.pk) in s for s in subjects)
    assert any("Erinnerung" in s for s in subjects)


def test_alerts_are_set_and_told_at_most_once_a_day(client, harz):
    user = logged_in(client)
    wernigerode = Kita.objects.filter(municipality__ars=WERNIGERODE).first().municipality
    response = client.post(
        url("alert_add"), {"age_group": "krippe", "municipality": wernigerode.pk}
    )
    assert response.status_code == 302
    alert = PlaceAlert.objects.get(user=user)
    assert client.post(url("alert_add"), {"age_group": "mond"}).status_code == 400
    other = parent("halberstadt")
    PlaceAlert.objects.create(
        user=other,
        age_group="krippe",
        municipality=Kita.objects.filter(municipality__ars=HALBERSTADT).first().municipality,
    )

    a, _b = krippe_kitas()
    row = FreePlaces.objects.get(group__kita=a)
    assert notify.places_freed(row) == 1  # the Wernigerode alert only
    message = Message.objects.get(owner=user)
    assert reverse("capacity:free_places") in message.body and "?gruppe=krippe" in message.body
    assert not Message.objects.filter(owner=other).exists()
    assert notify.places_freed(row) == 0  # once a day
    PlaceAlert.objects.filter(pk=alert.pk).update(
        last_sent_at=timezone.now() - dt.timedelta(days=1, minutes=1)
    )
    assert notify.places_freed(row) == 1

    assert client.post(url("alert_delete", alert.pk)).status_code == 302
    assert not PlaceAlert.objects.filter(user=user).exists()
