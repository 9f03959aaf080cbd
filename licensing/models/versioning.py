"""Versioned definitions (forms and workflows) and the rule that a published version never changes.

An application records the form and workflow version it was filed under, so a version that applicants or
officers have used must stay exactly as it was: PUBLISHED and RETIRED rows (and every child row) refuse
changes here in `save()`/`delete()`, and the same rule is enforced by database triggers (migration 0002)
for writes that bypass the models (queryset updates, raw SQL).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _


class DefinitionStatus(models.TextChoices):
    DRAFT = "DRAFT", _("Draft")
    PUBLISHED = "PUBLISHED", _("Published")
    RETIRED = "RETIRED", _("Retired")


class ImmutableDefinitionError(PermissionDenied):
    """A write to a published or retired version (a PermissionDenied, so a view answers 403, not 500)."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or _(
                "This version is published or retired and cannot be changed or deleted. "
                "Create a new draft version to make changes."
            )
        )


# Columns that may change when a published version is retired; everything else is frozen.
_RETIREMENT_FIELDS = {"status", "retired_at"}


def version_constraints(prefix: str) -> list[models.BaseConstraint]:
    """Per licence type: unique version numbers, at most one published and at most one draft version."""
    return [
        models.UniqueConstraint(fields=["licence_type", "version"], name=f"{prefix}_version_unique"),
        models.UniqueConstraint(
            fields=["licence_type"],
            condition=models.Q(status=DefinitionStatus.PUBLISHED),
            name=f"{prefix}_one_published",
        ),
        models.UniqueConstraint(
            fields=["licence_type"],
            condition=models.Q(status=DefinitionStatus.DRAFT),
            name=f"{prefix}_one_draft",
        ),
    ]


class VersionedDefinition(models.Model):
    """Common columns of FormDefinition and WorkflowDefinition (subclasses add `licence_type`)."""

    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=DefinitionStatus.choices, default=DefinitionStatus.DRAFT
    )
    created_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created from"),
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
    notes = models.TextField(_("notes"), blank=True, help_text=_("What changed in this version (internal)."))

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        self._guard_save()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.stored_status() not in (None, DefinitionStatus.DRAFT):
            raise ImmutableDefinitionError()
        return super().delete(*args, **kwargs)

    @property
    def is_draft(self) -> bool:
        return self.status == DefinitionStatus.DRAFT

    def stored_status(self) -> str | None:
        """The status as committed in the database (the instance in hand may be stale)."""
        if not self.pk:
            return None
        return type(self)._base_manager.filter(pk=self.pk).values_list("status", flat=True).first()

    def _guard_save(self) -> None:
        stored = type(self)._base_manager.filter(pk=self.pk).first() if self.pk else None
        if stored is None:
            if self.status != DefinitionStatus.DRAFT:
                raise ImmutableDefinitionError(_("A new version must be created as a draft, then published."))
            return
        if stored.status == DefinitionStatus.DRAFT:
            if self.status == DefinitionStatus.RETIRED:
                raise ImmutableDefinitionError(_("A draft is published or deleted, never retired."))
            return
        if stored.status == DefinitionStatus.PUBLISHED and self.status in (
            DefinitionStatus.PUBLISHED,
            DefinitionStatus.RETIRED,
        ):
            changed = [
                f.attname
                for f in self._meta.concrete_fields
                if f.attname not in _RETIREMENT_FIELDS
                and getattr(self, f.attname) != getattr(stored, f.attname)
            ]
            if not changed:
                return
        raise ImmutableDefinitionError()


class DefinitionChild(models.Model):
    """A row that belongs to one definition version (a step, field or checklist item).

    It may be written only while that version is a draft. `_definition_ids()` names the versions a write
    touches: the one it belongs to now and, for an update, the one it belonged to before (moving a row out of
    a published version is as much a change as editing it).
    """

    definition_model: type[VersionedDefinition]
    # Lookup from this model to its definition's primary key, for the stored row.
    definition_lookup = "definition_id"

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        self._guard()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._guard()
        return super().delete(*args, **kwargs)

    def current_definition_id(self) -> int | None:
        raise NotImplementedError

    def _definition_ids(self) -> set[int]:
        ids = {self.current_definition_id()}
        if self.pk:
            ids.update(
                type(self)._base_manager.filter(pk=self.pk).values_list(self.definition_lookup, flat=True)
            )
        return {i for i in ids if i is not None}

    def _guard(self) -> None:
        ids = self._definition_ids()
        if ids and (
            self.definition_model._base_manager.filter(pk__in=ids)
            .exclude(status=DefinitionStatus.DRAFT)
            .exists()
        ):
            raise ImmutableDefinitionError()
