"""Re-encrypt every encrypted personal identifier under the current primary key.

Key rotation (docs/operations.md): put the new key first in ESB_FIELD_ENCRYPTION_KEYS and keep the old one
after it, deploy, run this command, and drop the old key only once it reports nothing left under old keys.

Every model of every installed app is inspected: each concrete `EncryptedTextField` (and subclasses such as
`EncryptedDateField`) is found by type, no app is named here. Rows are walked in primary-key order in batches;
each batch is one transaction holding row locks, so a concurrent edit is never overwritten by a stale value
and an interrupted run keeps what it finished. Values already under the primary key are skipped, which makes
the command idempotent: run it again and it reports zero re-encrypted values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.apps import apps as django_apps
from django.apps.registry import Apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models.functions import Cast

from esb import audit, crypto
from esb.fields import EncryptedTextField

DEFAULT_BATCH_SIZE = 1000
_MAX_LISTED_PKS = 20


@dataclass
class ModelReport:
    label: str
    rows: int = 0  # rows examined
    rows_written: int = 0  # rows updated (or that would be, in a dry run)
    reencrypted: int = 0  # values not yet under the primary key
    current: int = 0  # values already under the primary key
    rehashed: int = 0  # lookup hashes that changed (with --rehash)
    undecryptable: list = field(default_factory=list)  # primary keys of rows no configured key decrypts

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "rows_written": self.rows_written,
            "reencrypted": self.reencrypted,
            "current": self.current,
            "rehashed": self.rehashed,
            "undecryptable": len(self.undecryptable),
        }


def encrypted_models(
    app_registry: Apps | None = None,
) -> list[tuple[type[models.Model], list[EncryptedTextField]]]:
    """Every concrete model with encrypted fields, with the fields stored in its own table."""
    registry = app_registry or django_apps
    found = []
    for model in registry.get_models():
        opts = model._meta
        if opts.proxy or not opts.managed or opts.swapped:
            continue
        # local fields only: a multi-table-inheritance parent's fields are rotated with the parent's table
        fields = [f for f in opts.local_concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            found.append((model, fields))
    return sorted(found, key=lambda item: item[0]._meta.label)


def _batches(model, fields, *, batch_size: int, lock: bool, using: str) -> Iterable[list[tuple]]:
    """Yield lists of (pk, token..., hash...) rows, each inside its own transaction (locked unless `lock`
    is false). Tokens are read as raw ciphertext: casting to text bypasses the field's decryption."""
    raw = {f"_raw_{f.attname}": Cast(f.attname, output_field=models.TextField()) for f in fields}
    hash_names = [f.hash_field for f in fields if f.hash_field]
    hash_attnames = [model._meta.get_field(name).attname for name in hash_names]
    base = model._base_manager.using(using).order_by("pk")
    last_pk = None
    while True:
        with transaction.atomic(using=using):
            queryset = base if last_pk is None else base.filter(pk__gt=last_pk)
            if lock:
                queryset = queryset.select_for_update()
            rows = list(queryset.annotate(**raw).values_list("pk", *raw, *hash_attnames)[:batch_size])
            if not rows:
                return
            last_pk = rows[-1][0]
            yield rows


def rotate_model(
    model: type[models.Model],
    fields: list[EncryptedTextField],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    rehash: bool = False,
    using: str = DEFAULT_DB_ALIAS,
) -> ModelReport:
    """Re-encrypt one model's encrypted columns under the primary key (and refresh lookup hashes if asked)."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    report = ModelReport(model._meta.label)
    connection = connections[using]
    quote = connection.ops.quote_name
    hashed = [f for f in fields if f.hash_field]
    hash_columns = {f.attname: model._meta.get_field(f.hash_field).column for f in hashed}
    set_columns = [f.column for f in fields] + [hash_columns[f.attname] for f in hashed]
    sql = "UPDATE {table} SET {assignments} WHERE {pk} = %s".format(  # noqa: S608 (quoted identifiers only)
        table=quote(model._meta.db_table),
        assignments=", ".join(f"{quote(column)} = %s" for column in set_columns),
        pk=quote(model._meta.pk.column),
    )

    for rows in _batches(model, fields, batch_size=batch_size, lock=not dry_run, using=using):
        updates = []
        for row in rows:
            pk, tokens, hashes = row[0], list(row[1 : 1 + len(fields)]), list(row[1 + len(fields) :])
            report.rows += 1
            changed = False
            new_hashes = dict(zip([f.attname for f in hashed], hashes, strict=True))
            try:
                for index, (fld, token) in enumerate(zip(fields, tokens, strict=True)):
                    if not token:
                        continue
                    if crypto.is_current(token):
                        report.current += 1
                    else:
                        tokens[index] = crypto.rotate(token)
                        report.reencrypted += 1
                        changed = True
                    if rehash and fld.hash_field:
                        fresh = crypto.lookup_hash(crypto.decrypt(tokens[index]))
                        if fresh != new_hashes[fld.attname]:
                            new_hashes[fld.attname] = fresh
                            report.rehashed += 1
                            changed = True
            except crypto.DecryptionError:
                report.undecryptable.append(pk)
                continue
            if changed:
                updates.append([*tokens, *[new_hashes[f.attname] for f in hashed], pk])
        report.rows_written += len(updates)
        if updates and not dry_run:
            with connection.cursor() as cursor:
                cursor.executemany(sql, updates)
    return report


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field of every installed app under the first key of "
        "ESB_FIELD_ENCRYPTION_KEYS, in batches; idempotent. --rehash also recomputes lookup hashes "
        "(after changing ESB_LOOKUP_HASH_KEY)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count what would change; write nothing")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"rows per transaction (default {DEFAULT_BATCH_SIZE})",
        )
        parser.add_argument(
            "--rehash",
            action="store_true",
            help="also recompute every lookup hash with the current ESB_LOOKUP_HASH_KEY",
        )
        parser.add_argument(
            "--model",
            action="append",
            default=[],
            metavar="APP_LABEL.MODEL",
            help="only this model (repeatable)",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias (default: default)")

    def handle(self, *args, **options):
        batch_size = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        dry_run = options["dry_run"]
        from django.conf import settings

        try:
            crypto.validate_keys(list(settings.ESB_FIELD_ENCRYPTION_KEYS))
        except Exception as exc:
            raise CommandError(str(exc)) from None

        targets = encrypted_models()
        wanted = {label.lower() for label in options["model"]}
        if wanted:
            known = {model._meta.label_lower for model, _ in targets}
            unknown = sorted(wanted - known)
            if unknown:
                raise CommandError(
                    f"no model with encrypted fields called {', '.join(unknown)}; "
                    f"known: {', '.join(sorted(known)) or 'none'}"
                )
            targets = [(m, f) for m, f in targets if m._meta.label_lower in wanted]
        if not targets:
            self.stdout.write("No installed model has encrypted fields: nothing to rotate.")
            return

        key_count = len(settings.ESB_FIELD_ENCRYPTION_KEYS)
        verb = "would re-encrypt" if dry_run else "re-encrypted"
        self.stdout.write(
            f"{'Dry run: ' if dry_run else ''}primary key is entry 1 of {key_count}; "
            f"batches of {batch_size} rows."
        )
        reports = []
        for model, fields in targets:
            names = ", ".join(f.name for f in fields)
            report = rotate_model(
                model,
                fields,
                batch_size=batch_size,
                dry_run=dry_run,
                rehash=options["rehash"],
                using=options["database"],
            )
            reports.append(report)
            line = (
                f"{report.label} ({names}): {report.rows} rows, {verb} {report.reencrypted} values, "
                f"{report.current} already current"
            )
            if options["rehash"]:
                line += f", {report.rehashed} lookup hashes {'to refresh' if dry_run else 'refreshed'}"
            if report.undecryptable:
                shown = ", ".join(str(pk) for pk in report.undecryptable[:_MAX_LISTED_PKS])
                more = "…" if len(report.undecryptable) > _MAX_LISTED_PKS else ""
                line += f", {len(report.undecryptable)} rows undecryptable (pk {shown}{more})"
            self.stdout.write(line)

        if not dry_run and any(r.rows_written for r in reports):
            audit.record(
                "esb.field_encryption_rotated",
                object_type="esb.field_encryption",
                after={r.label: r.as_dict() for r in reports},
                reason="manage.py rotate_field_encryption" + (" --rehash" if options["rehash"] else ""),
            )
        broken = sum(len(r.undecryptable) for r in reports)
        if broken:
            raise CommandError(
                f"{broken} row(s) hold values no configured key decrypts; they were left untouched. "
                "Do NOT remove any old key until they are resolved."
            )
        total = sum(r.reencrypted for r in reports)
        self.stdout.write(self.style.SUCCESS(f"Done: {verb} {total} values in {len(reports)} model(s)."))
