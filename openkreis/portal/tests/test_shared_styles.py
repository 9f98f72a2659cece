"""Styles every app's pages share live once, in the portal's stylesheet that base.html loads."""

from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR) / "openkreis"


def test_the_warning_button_is_styled_once_for_every_page():
    """`.button-warning` (delete a draft or the account, cancel an appointment) was defined
    in forms.css and accounts.css with two different reds, and not at all on the pages of
    the other apps (the appointment's "Ja, Termin absagen" was an ordinary blue button)."""
    base = (ROOT / "templates" / "base.html").read_text()
    assert "css/portal.css" in base
    defining = sorted(
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.css")
        if ".button-warning {" in path.read_text()
    )
    assert defining == ["static/css/portal.css"]
