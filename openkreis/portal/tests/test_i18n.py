"""German first: every interface string is translated and the compiled catalogue is current."""

from pathlib import Path

import polib
from django.conf import settings

PO = Path(settings.BASE_DIR) / "openkreis" / "locale" / "de" / "LC_MESSAGES" / "django.po"


def test_every_string_has_a_german_translation():
    po = polib.pofile(str(PO))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert untranslated == [] and fuzzy == []


def test_compiled_catalogue_matches_the_source():
    source = {e.msgid: e.msgstr for e in polib.pofile(str(PO)) if not e.msgid_plural}
    compiled = {
        e.msgid: e.msgstr for e in polib.mofile(str(PO.with_suffix(".mo"))) if not e.msgid_plural
    }
    assert source == {k: v for k, v in compiled.items() if k}
