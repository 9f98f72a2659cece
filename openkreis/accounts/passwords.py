"""The one password rule citizens and staff are told, and the two checks behind it.

NIST SP 800-63B and the BSI advise length and a block list instead of composition rules
(digits, special characters, "not all numeric"): at least `min_length` characters, and not
one of the passwords people use most, which attackers try first (Django's list of 20,000
passwords from published breaches). Both checks are Django's validators with texts in plain
language; `password_rule()` is the sentence shown under every new-password field.
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length check, with a message that says what to do."""

    def get_error_message(self) -> str:
        return ngettext(
            "The password is too short. It needs at least %(min_length)d character.",
            "The password is too short. It needs at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return ngettext(
            "At least %(min_length)d character.",
            "At least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    """Django's block list of common and breached passwords, explained plainly."""

    def get_error_message(self) -> str:
        return _(
            "Very many people use this password, so it is easy to guess. Please choose another one."
        )

    def get_help_text(self) -> str:
        return _(
            "Not a password that very many people use or that is known from data leaks "
            "(such passwords are tried first)."
        )


def password_rule() -> str:
    """The rule in one short text: the help texts of the configured checks, in order."""
    texts = [str(v.get_help_text()) for v in password_validation.get_default_password_validators()]
    return " ".join(text for text in texts if text)
