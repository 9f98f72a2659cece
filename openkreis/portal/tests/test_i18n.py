"""German first: every interface string is translated and the compiled catalogues are current.

Each app may keep its own catalogue in openkreis/<app>/locale/de/LC_MESSAGES/django.po;
the project-wide one is openkreis/locale/. All of them are checked.
"""

from pathlib import Path

import polib
import pytest
from django.conf import settings

PACKAGE = Path(settings.BASE_DIR) / "openkreis"
CATALOGUES = sorted(PACKAGE.glob("**/locale/de/LC_MESSAGES/django.po"))


def test_the_project_catalogue_exists():
    assert PACKAGE / "locale" / "de" / "LC_MESSAGES" / "django.po" in CATALOGUES


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_string_has_a_german_translation(po_path):
    po = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert untranslated == [] and fuzzy == []


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_compiled_catalogue_matches_the_source(po_path):
    # keyed by (context, msgid): one word may have two Germans in two contexts
    source = {
        (e.msgctxt or "", e.msgid): e.msgstr
        for e in polib.pofile(str(po_path))
        if not e.msgid_plural and not e.obsolete and "fuzzy" not in e.flags
    }
    compiled = {
        (e.msgctxt or "", e.msgid): e.msgstr
        for e in polib.mofile(str(po_path.with_suffix(".mo")))
        if not e.msgid_plural
    }
    assert {k: v for k, v in source.items() if v} == {k: v for k, v in compiled.items() if k[1]}
