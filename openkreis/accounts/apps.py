from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "openkreis.accounts"
    label = "accounts"
    verbose_name = _("Citizen and company accounts")

    def ready(self):
        from allauth.account.signals import user_signed_up

        from openkreis.cases.delivery import channels
        from openkreis.core.tenant_data import register_step
        from openkreis.forms.prefill import prefill_sources

        from . import demo, plugins, signals

        user_signed_up.connect(signals.signed_up, dispatch_uid="accounts-signed-up")
        # Ports of the apps below: the mailbox is tried before e-mail; the profile overrides
        # the user record's name.
        channels.register("mailbox", plugins.MailboxChannel(), order=10)
        prefill_sources.register("profile", plugins.ProfilePrefill(), order=20)
        register_step("accounts-demo", order=40, demo=True, load=demo.load_demo)
