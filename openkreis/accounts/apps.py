from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "openkreis.accounts"
    label = "accounts"
    verbose_name = _("Citizen and company accounts")

    def ready(self):
        from allauth.account.signals import user_signed_up

        from . import signals

        user_signed_up.connect(signals.signed_up, dispatch_uid="accounts-signed-up")

    def load_demo(self, tenant, folder, stdout):
        from .demo import load_demo

        load_demo(tenant, folder, stdout)
