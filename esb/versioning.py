"""Versioned records: draft → published → retired, one published version at a time per key.

Form and workflow definitions (`licensing`, key: the licence type) and consent texts (`privacy`, key: the
purpose) follow the same lifecycle: a version is edited as a draft, publishing it retires the version
published until then, and what applicants or officers may have seen (a published or retired version) never
changes: only the move from published to retired may touch it. The models derive from `VersionedModel`;
the apps' publish services lock what they need, validate, call `publish_version()` and write their audit
events.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class VersionStatus(models.TextChoices):
    DRAFT = "DRAFT", _("Draft")
    PUBLISHED = "PUBLISHED", _("Published")
    RETIRED = "RETIRED", _("Retired")


class ImmutableVersionError(PermissionDenied):
    """A write to a published or retired version (a PermissionDenied, so a view answers 403, not 500)."""

    default_message = _(
        "This version is published or retired and cannot be changed or deleted. "
        "Create a new draft version to make changes."
    )

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)


# Columns that may change when a published version is retired; everything else is frozen.
RETIREMENT_FIELDS = frozenset({"status", "retired_at"})


def version_constraints(
    key: str,
    prefix: str,
    *,
    one_draft: bool,
    duplicate_message: str | None = None,
    second_published_message: str | None = None,
) -> list[models.BaseConstraint]:
    """Per key: unique version numbers, at most one published version (and with `one_draft`, one draft)."""
    constraints: list[models.BaseConstraint] = [
        models.UniqueConstraint(
            fields=[key, "version"],
            name=f"{prefix}_version_unique",
            violation_error_message=duplicate_message,
        ),
        models.UniqueConstraint(
            fields=[key],
            condition=models.Q(status=VersionStatus.PUBLISHED),
            name=f"{prefix}_one_published",
            violation_error_message=second_published_message,
        ),
    ]
    if one_draft:
        constraints.append(
            models.UniqueConstraint(
                fields=[key],
                condition=models.Q(status=VersionStatus.DRAFT),
                name=f"{prefix}_one_draft",
            )
        )
    return constraints


class VersionedModel(models.Model):
    """Common columns and write rules of a versioned record. Subclasses name the field their versions are
    counted by (`version_key`) and may bring their own error class and delete message."""

    version_key: ClassVar[str]
    immutable_error: ClassVar[type[ImmutableVersionError]] = ImmutableVersionError
    delete_refused_message: ClassVar[str | None] = None

    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        self._guard_save()
        if not self.pk and not self.version:
            # Numbered after the latest version of the key; the unique constraint settles a race.
            self.version = self.next_version()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.stored_status() not in (None, VersionStatus.DRAFT):
            raise self.immutable_error(self.delete_refused_message)
        return super().delete(*args, **kwargs)

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    def key_filter(self) -> dict:
        """The lookup selecting every version of this record's key."""
        field = self._meta.get_field(self.version_key)
        return {field.attname: getattr(self, field.attname)}

    def next_version(self) -> int:
        versions = type(self)._base_manager.filter(**self.key_filter())
        return (versions.aggregate(v=Max("version"))["v"] or 0) + 1

    def stored_status(self) -> str | None:
        """The status as committed in the database (the instance in hand may be stale)."""
        if not self.pk:
            return None
        return type(self)._base_manager.filter(pk=self.pk).values_list("status", flat=True).first()

    def _guard_save(self) -> None:
        stored = type(self)._base_manager.filter(pk=self.pk).first() if self.pk else None
        if stored is None:
            if self.status != VersionStatus.DRAFT:
                raise self.immutable_error(_("A new version must be created as a draft, then published."))
            return
        if stored.status == VersionStatus.DRAFT:
            if self.status == VersionStatus.RETIRED:
                raise self.immutable_error(_("A draft is published or deleted, never retired."))
            return
        if stored.status == VersionStatus.PUBLISHED and self.status in (
            VersionStatus.PUBLISHED,
            VersionStatus.RETIRED,
        ):
            changed = [
                f.attname
                for f in self._meta.concrete_fields
                if f.attname not in RETIREMENT_FIELDS
                and getattr(self, f.attname) != getattr(stored, f.attname)
            ]
            if not changed:
                return
        raise self.immutable_error()


def publish_version(draft: VersionedModel, *, by=None) -> VersionedModel | None:
    """Publish `draft` and retire the version of the same key published until now (returned, or None).

    The caller runs inside a transaction, has locked the key (so two publications cannot both win; the
    one-published constraint is the last line of defence), checked that `draft` is a publishable draft,
    and records its own audit events.
    """
    now = timezone.now()
    previous = (
        type(draft)
        .objects.select_for_update()
        .filter(**draft.key_filter(), status=VersionStatus.PUBLISHED)
        .exclude(pk=draft.pk)
        .first()
    )
    if previous is not None:
        previous.status = VersionStatus.RETIRED
        previous.retired_at = now
        previous.save(update_fields=["status", "retired_at"])
    draft.status = VersionStatus.PUBLISHED
    draft.published_at = now
    draft.published_by = by if getattr(by, "pk", None) else None
    draft.save(update_fields=["status", "published_at", "published_by"])
    return previous
