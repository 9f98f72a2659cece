"""tickets_keys rotate|list|withdraw: the HATIX signing keys (docs/tickets.md, "Signed tickets")."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from openkreis.tickets import keys
from openkreis.tickets.models_keys import SigningKey


class Command(BaseCommand):
    help = "HATIX signing keys: rotate (a new key signs), list, withdraw <kid> (compromised)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        rotate = sub.add_parser("rotate", help="a new key signs from now on")
        rotate.add_argument(
            "--algorithm", choices=[c.value for c in SigningKey.Algorithm], default="ES256"
        )
        sub.add_parser("list", help="every key and its state")
        withdraw = sub.add_parser("withdraw", help="refuse a compromised key's tickets at once")
        withdraw.add_argument("kid", help="the key id (16 hex digits)")

    def handle(self, *args, action, **options):
        if action == "rotate":
            key = keys.rotate(options["algorithm"])
            self.stdout.write(f"{key.kid} {key.algorithm} signs from now on")
        elif action == "withdraw":
            try:
                key = keys.withdraw(options["kid"].lower())
            except SigningKey.DoesNotExist:
                raise CommandError(f"no key {options['kid']}") from None
            self.stdout.write(f"{key.kid} withdrawn; {keys.current_key().kid} signs")
        else:
            for key in SigningKey.objects.order_by("created_at", "id"):
                if key.withdrawn_at:
                    state = f"withdrawn {key.withdrawn_at:%Y-%m-%d %H:%M}"
                elif key.signs_until is None:
                    state = "signs"
                elif key.verify_until:
                    state = f"verifies until {key.verify_until:%Y-%m-%d %H:%M}"
                else:
                    state = "verifies"
                self.stdout.write(
                    f"{key.kid}  {key.algorithm:5}  {key.created_at:%Y-%m-%d}  {state}"
                )
