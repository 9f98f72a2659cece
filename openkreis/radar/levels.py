"""The OZG maturity levels in plain language, per version of the model the catalogue stores
(`catalog.Service.maturity_model`: "1.0" has levels 0–4, "2.0" has 0–7)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

LEVELS: dict[str, dict[int, tuple]] = {
    "1.0": {
        0: (_("Offline only"), _("There is no information online. You go to the office.")),
        1: (_("Information online"), _("You can read online what you need and where to go.")),
        2: (
            _("Form to download"),
            _("You can download the form, but you hand it in on paper or at the office."),
        ),
        3: (
            _("Apply online"),
            _("You can apply online and upload your documents. The answer may come by post."),
        ),
        4: (
            _("Fully digital"),
            _("Everything runs online, including the decision, without a visit or paper."),
        ),
    },
    "2.0": {
        0: (_("Offline only"), _("There is no information online. You go to the office.")),
        1: (_("Information online"), _("You can read online what you need and where to go.")),
        2: (
            _("Form to download"),
            _("You can download the form, but you hand it in on paper or at the office."),
        ),
        3: (_("Apply online"), _("You can apply online, the rest runs on paper.")),
        4: (
            _("Apply online with ID"),
            _("You apply online, identify yourself online and upload documents."),
        ),
        5: (_("Decision online"), _("The decision also comes to you online.")),
        6: (
            _("Once only"),
            _("The office fetches data it already has from other registers; you do not send it."),
        ),
        7: (_("Proactive"), _("The office acts on its own; you often do not have to apply.")),
    },
}
# To compare services of both versions on one scale (the radar chart), a 2.0 level is read
# as the 1.0 level of the same stage: everything from "apply online with ID" up is "fully
# digital" or more.
TO_V1 = {"1.0": {n: n for n in range(5)}, "2.0": {0: 0, 1: 1, 2: 2, 3: 3, 4: 3, 5: 4, 6: 4, 7: 4}}
ONLINE_FROM = 3  # from this level (both versions) a service can be applied for online


def level_label(version: str, level: int) -> str:
    """The short name of a level ("Apply online"), or the number for an unknown version."""
    entry = LEVELS.get(version, {}).get(level)
    return str(entry[0]) if entry else str(level)


def level_text(version: str, level: int) -> str:
    entry = LEVELS.get(version, {}).get(level)
    return str(entry[1]) if entry else ""


def as_v1(version: str, level: int) -> int:
    """The level on the 0–4 scale of model 1.0."""
    return TO_V1.get(version, TO_V1["1.0"]).get(level, min(level, 4))
