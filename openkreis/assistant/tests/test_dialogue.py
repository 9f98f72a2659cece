"""The dialogue engine: intents, asking back, remembering the place, and never a fact that
is not in the catalogue."""

import pytest
from django.utils import translation

from openkreis.assistant import dialogue, proof
from openkreis.catalog.models import Service


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("was kostet das", dialogue.COSTS),
        ("was kosstet das", dialogue.COSTS),
        ("wie viel muss ich zahlen", dialogue.COSTS),
        ("welche unterlagn brauch ich", dialogue.DOCUMENTS),
        ("wie lange dauert das", dialogue.DURATION),
        ("wo muss ich hin", dialogue.WHERE),
        ("wann hat das amt geöffnet", dialogue.HOURS),
        ("geht das auch online?", dialogue.ONLINE),
        ("kann ich online einen termin buchen", dialogue.APPOINTMENT),
        ("Schlagloch vor dem Haus", dialogue.REPORT),
        ("ich will mit einem Menschen sprechen", dialogue.HUMAN),
        ("kann ich mit jemandem reden", dialogue.HUMAN),
        ("Hallo", dialogue.GREETING),
        ("vielen Dank", dialogue.THANKS),
        ("How much does it cost?", dialogue.COSTS),
    ],
)
def test_detect_intents(text, intent):
    assert dialogue.detect_intents(text)[0] == intent


@pytest.mark.parametrize("text", ["Perso verloren", "neuer Personalausweis", "Wetter am Brocken"])
def test_words_close_to_an_intent_word_are_not_that_intent(text):
    # "Perso" is no "Person", "neuer" no "teuer", "Brocken" no "broken"
    intents = dialogue.detect_intents(text)
    assert dialogue.HUMAN not in intents
    assert dialogue.COSTS not in intents
    assert dialogue.REPORT not in intents


@pytest.mark.django_db
def test_a_fee_is_never_stated_for_a_service_without_one(harz):
    Service.objects.filter(tenant=harz, slug="hundesteuer-anmelden").update(
        fees="", fee_min=None, fee_max=None
    )
    reply, state = dialogue.respond(harz, None, "Hund anmelden")
    reply, state = dialogue.respond(harz, state, "und was kostet das?")
    assert reply.service == "hundesteuer-anmelden"
    assert reply.intent == dialogue.COSTS
    assert reply.answered is False
    assert reply.offer_handover is True
    assert "€" not in reply.text() and "Euro" not in reply.text()
    service = Service.objects.get(tenant=harz, slug="hundesteuer-anmelden")
    assert dialogue.service_url(service) in {link.url for link in reply.links}


@pytest.mark.django_db
def test_every_service_without_a_fee_text_gets_no_fee_and_with_one_exactly_it(harz):
    services = list(Service.objects.filter(tenant=harz)[:40])
    Service.objects.filter(pk__in=[s.pk for s in services[::2]]).update(fees="")
    for service in Service.objects.filter(pk__in=[s.pk for s in services]):
        answer = dialogue.Answerer(service, None, harz).answer(dialogue.COSTS)
        costs = [value for label, value in answer.facts if label == "Costs"]
        if service.fees:
            assert costs == [service.fees]
        else:
            assert costs == [] and answer.answered is False


@pytest.mark.django_db
def test_no_online_link_and_no_booking_for_a_service_without_them(harz):
    for service in Service.objects.filter(tenant=harz):
        online = dialogue.Answerer(service, None, harz).answer(dialogue.ONLINE)
        kinds = {link.kind for link in online.links}
        assert ("apply" in kinds) == bool(dialogue.apply_url(service)), service.slug
        booking = dialogue.Answerer(service, None, harz).answer(dialogue.APPOINTMENT)
        kinds = {link.kind for link in booking.links}
        assert ("appointment" in kinds) == bool(dialogue.booking_url(service)), service.slug


@pytest.mark.django_db
def test_empty_documents_and_processing_time_are_said_to_be_unknown(harz):
    service = Service.objects.get(tenant=harz, slug="kfz-steuer")
    assert service.documents == [] and service.processing_time == ""
    for intent in (dialogue.DOCUMENTS, dialogue.DURATION):
        reply = dialogue.Answerer(service, None, harz).answer(intent)
        assert reply.answered is False
        assert reply.facts == []
        # another authority decides: it is named with its link in every answer
        assert service.external_url in {link.url for link in reply.links}


@pytest.mark.django_db
def test_the_place_is_asked_once_and_remembered(harz):
    reply, state = dialogue.respond(harz, None, "Personalausweis beantragen")
    assert reply.service == "personalausweis-beantragen"
    reply, state = dialogue.respond(harz, state, "wo muss ich hin?")
    assert state["pending"] == {"kind": "place", "intent": dialogue.WHERE}
    reply, state = dialogue.respond(harz, state, "Thale")
    assert state["region"] and reply.intent == dialogue.WHERE
    assert any("Thale" in value for _label, value in reply.facts)
    # a later question about another municipal service is not asked again
    reply, state = dialogue.respond(harz, state, "Wo melde ich meinen Hund an?")
    assert reply.service == "hundesteuer-anmelden" and state["pending"] is None
    assert any("Thale" in value for _label, value in reply.facts)


@pytest.mark.django_db
def test_asking_back_and_taking_the_answer_by_number_or_name(harz):
    reply, state = dialogue.respond(harz, None, "Führerschein")
    options = state["pending"]["options"]
    assert len(options) >= 2 and reply.choices and reply.service == ""
    reply, state = dialogue.respond(harz, state, "2")
    assert reply.service == options[1]
    reply, state = dialogue.respond(harz, None, "Führerschein")
    name = Service.objects.get(tenant=harz, slug=options[0]).name
    reply, state = dialogue.respond(harz, state, name)
    assert reply.service == options[0]


@pytest.mark.django_db
def test_nothing_found_is_said_plainly_with_a_person_offered(harz):
    reply, _state = dialogue.respond(harz, None, "Wie wird das Wetter morgen am Brocken?")
    assert reply.answered is False and reply.offer_handover is True and reply.service == ""


@pytest.mark.django_db
def test_every_answer_about_a_service_links_its_page(harz):
    state = None
    page = dialogue.service_url(Service.objects.get(tenant=harz, slug="wunschkennzeichen"))
    for text in ("Wunschkennzeichen", "was kostet das", "was brauche ich", "wie lange", "wo"):
        reply, state = dialogue.respond(harz, state, text)
        assert reply.service == "wunschkennzeichen"
        assert page in {link.url for link in reply.links}


@pytest.mark.django_db
def test_proof_table_checks_can_fail(harz):
    # the checker itself: a wrong expectation is reported, not silently passed
    turn = {"say": "Was kostet ein Wunschkennzeichen?", "service": "kfz-zulassung"}
    results = proof.run(harz, [{"id": "x", "turns": [{**turn, "expect": ["documents"]}]}])
    assert not results[0].ok
    assert any("expected 'kfz-zulassung'" in f for f in results[0].failures)
    assert any("documents missing" in f for f in results[0].failures)
