from django.core.management.base import BaseCommand, CommandError

from openkreis.cases.services import verify_audit_chain


class Command(BaseCommand):
    help = "Check the hash chain of the audit trail; name the first broken entry."

    def handle(self, *args, **options):
        count, broken = verify_audit_chain()
        if broken is not None:
            raise CommandError(
                f"Audit trail broken at entry {broken.pk} ({broken}); "
                f"the {count} entries before it are intact."
            )
        self.stdout.write(f"Audit trail intact: {count} entries.")
