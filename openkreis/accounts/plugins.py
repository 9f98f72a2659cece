"""What the accounts app plugs into the ports of the apps below it (registered in
`AccountsConfig.ready()`): the secure mailbox as the eAkte's first delivery channel, the
citizen's profile as a form prefill source, and the account's own data for GDPR export."""

from __future__ import annotations

from typing import Any

from openkreis.cases.delivery import Letter

from . import services


class MailboxChannel:
    """Letters go into the secure mailbox (Postfach) when the applicant has an account; the
    account holder gets an e-mail that something arrived, never its content."""

    label = "Postfach"
    # The letter is read in the mailbox thread; the upload form is right below it.
    upload_hint = (
        "Laden Sie sie bitte hier im Postfach hoch: Über „Unterlagen hochladen“ unter dieser "
        "Nachricht hängen Sie die Dateien an Ihre Antwort an. Sie kommen direkt in Ihre Akte."
    )

    def accepts(self, case) -> bool:
        return bool(case.applicant_user_id)

    def send(self, case, letter: Letter) -> None:
        services.deliver_message(
            case.applicant_user,
            subject=letter.subject,
            body=letter.body,
            attachments=list(letter.attachments),
            case_id=case.pk,
            sender_unit=case.org_unit,
        )


class ProfilePrefill:
    """The citizen's stored profile (overrides the user record's name and e-mail)."""

    label = "Bürgerkonto-Profil"

    def values(self, user) -> dict[str, Any]:
        profile = services.profile_for(user)
        if profile is None:
            return {}
        return {key: getattr(profile, key) for key in services.PROFILE_FIELDS}
