from django.core.management.base import BaseCommand, CommandError

from esb.audit import verify_chain
from esb.models import AuditEvent


class Command(BaseCommand):
    help = "Verify the hash chain of the audit trail; exit non-zero and list every broken event if tampered."

    def handle(self, *args, **options):
        problems = list(verify_chain())
        total = AuditEvent.objects.count()
        if problems:
            for problem in problems:
                self.stderr.write(f"audit event #{problem.event_id}: {problem.problem}")
            raise CommandError(f"audit chain BROKEN: {len(problems)} problem(s) in {total} events")
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {total} events verified"))
