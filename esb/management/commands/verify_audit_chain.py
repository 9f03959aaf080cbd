import datetime

from django.core.management.base import BaseCommand, CommandError

from esb.audit import seal, unsealed_older_than, verify_chain
from esb.audit_anchors import anchor_path, verify_anchors
from esb.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Seal what can be sealed, verify the hash chain of the audit trail and every anchor written outside "
        "the database; exit non-zero and list every problem if tampered."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--unsealed-after",
            type=int,
            default=300,
            help="Report rows still unsealed after this many seconds (default 300).",
        )

    def handle(self, *args, **options):
        sealed = seal()
        problems = [f"audit event #{p.event_id}: {p.problem}" for p in verify_chain()]
        problems += list(verify_anchors())
        total = AuditEvent.objects.count()
        stale, oldest = unsealed_older_than(datetime.timedelta(seconds=options["unsealed_after"]))
        if stale:
            # Not tampering: a sealer that is not running, or a transaction open that long.
            self.stderr.write(
                f"warning: {stale} audit event(s) still unsealed, oldest {oldest:%Y-%m-%d %H:%M:%S %Z} "
                "(is the Celery beat running? is a transaction open that long?)"
            )
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"audit chain BROKEN: {len(problems)} problem(s) in {total} events")
        self.stdout.write(
            self.style.SUCCESS(
                f"audit chain intact: {total} events, {sealed} newly sealed, "
                f"anchors checked ({anchor_path()})"
            )
        )
