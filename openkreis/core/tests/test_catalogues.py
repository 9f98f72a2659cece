"""The German catalogues of the apps agree. Django merges every app's catalogue into one:
for a msgid in two apps the earlier app in INSTALLED_APPS wins everywhere, so an app that
gives a word another German silently changes the other app's page (the Beteiligung's
"Number" of answers showed as the appointments' "Nummer"; capacity's German of Django's
"Select a valid choice" replaced Django's on every form). A word with two meanings takes a
msgid context (pgettext / {% translate … context … %})."""

from collections import defaultdict
from pathlib import Path

import django
import polib
from django.conf import settings

ROOT = Path(settings.BASE_DIR) / "openkreis"

# Clashes from before this check (issue notes, session 32): each is to be resolved with a
# context or one German; the list may only shrink.
KNOWN = {
    "Postcode",
    "Request for documents",
    "optional",
    "This slot has just been taken. Please choose another one.",
    "closed",
    "Number",
    "Status",
    "Start month",
    "Reason",
    "Import",
    "Started",
    "Offers made",
    "Cases",
    "Assigned to",
    "Time",
    "Documents",
    "Inbox views",
    "Reopened",
    "Submitted",
    "Application sent",
    "Breadcrumb",
    "No county data is loaded yet.",
}


def _catalogues():
    paths = sorted(ROOT.glob("*/locale/de/LC_MESSAGES/django.po"))
    paths.append(ROOT / "locale" / "de" / "LC_MESSAGES" / "django.po")
    for path in paths:
        yield path.parts[-5], polib.pofile(str(path))


def test_one_german_per_msgid_across_the_apps():
    german = defaultdict(dict)
    for app, po in _catalogues():
        for entry in po:
            if entry.msgstr and not entry.msgid_plural and not entry.obsolete:
                german[(entry.msgctxt or "", entry.msgid)][app] = entry.msgstr
    clashes = {key[1]: found for key, found in german.items() if len(set(found.values())) > 1}
    new = {msgid: found for msgid, found in clashes.items() if msgid not in KNOWN}
    assert not new, f"the same msgid with different German (add a context): {new}"
    resolved = KNOWN - set(clashes)
    assert not resolved, f"no longer a clash, take it off KNOWN: {sorted(resolved)}"


def test_no_app_changes_djangos_own_german():
    own = Path(django.__file__).parent / "conf" / "locale" / "de" / "LC_MESSAGES" / "django.po"
    django_german = {
        (e.msgctxt or "", e.msgid): e.msgstr for e in polib.pofile(str(own)) if e.msgstr
    }
    changed = [
        (app, entry.msgid)
        for app, po in _catalogues()
        for entry in po
        if entry.msgstr
        and (entry.msgctxt or "", entry.msgid) in django_german
        and entry.msgstr != django_german[(entry.msgctxt or "", entry.msgid)]
        and entry.msgid not in KNOWN
        and entry.msgid != "Enter a valid email address."  # accounts: "Bitte geben Sie …"
    ]
    assert not changed, f"an app's German replaces Django's for every app: {changed}"
