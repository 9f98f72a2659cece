"""The request for documents names one place for the upload, given by the channel that carries
the letter (issue 14.8: it used to say "unter „Meine Anträge“" while the upload was in the
mailbox). A letter by e-mail names no portal page at all."""

import datetime as dt
from types import SimpleNamespace

from openkreis.cases import delivery


def _case(user_id=None):
    return SimpleNamespace(
        service=SimpleNamespace(name="Aufenthaltskarte"),
        file_number="32.20.01-2026-000001",
        applicant_user_id=user_id,
        org_unit=SimpleNamespace(name="Ausländerbehörde"),
    )


def _request(message=""):
    return SimpleNamespace(
        items=["Meldebescheinigung"], deadline=dt.date(2026, 12, 17), message=message
    )


def _delivery(what, case, request):
    return SimpleNamespace(what=what, case=case, request=request, document=None)


class Mailbox:
    label = "Postfach"
    upload_hint = "Laden Sie sie bitte hier im Postfach hoch."


def test_the_channel_says_where_the_documents_go():
    for what in ("request", "reminder"):
        letter = delivery.compose(_delivery(what, _case(user_id=7), _request()), Mailbox())
        assert "Laden Sie sie bitte hier im Postfach hoch." in letter.body
        assert "Meine Anträge" not in letter.body


def test_a_letter_by_e_mail_names_no_portal_page():
    letter = delivery.compose(
        _delivery("request", _case(), _request("Bitte beglaubigt.")), delivery.EmailChannel()
    )
    assert "Bitte reichen Sie sie bis zum 17.12.2026 nach.\n\nBitte beglaubigt." in letter.body
    assert "Postfach" not in letter.body and "Meine Anträge" not in letter.body
