"""Versioned definitions (forms and workflows) and the rule that a published version never changes.

An application records the form and workflow version it was filed under, so a version that applicants or
officers have used must stay exactly as it was: PUBLISHED and RETIRED rows (and every child row) refuse
changes here in `save()`/`delete()`, and the same rule is enforced by database triggers (migration 0002)
for writes that bypass the models (queryset updates, raw SQL).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from esb.versioning import ImmutableVersionError, VersionedModel, VersionStatus
from esb.versioning import version_constraints as _version_constraints

# The lifecycle is shared with consent texts (esb.versioning); these names are the catalog's own.
DefinitionStatus = VersionStatus


class ImmutableDefinitionError(ImmutableVersionError):
    """A write to a published or retired form or workflow version."""


def version_constraints(prefix: str) -> list[models.BaseConstraint]:
    """Per licence type: unique version numbers, at most one published and at most one draft version."""
    return _version_constraints("licence_type", prefix, one_draft=True)


class VersionedDefinition(VersionedModel):
    """Common columns of FormDefinition and WorkflowDefinition (subclasses add `licence_type`)."""

    version_key = "licence_type"
    immutable_error = ImmutableDefinitionError

    created_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created from"),
    )
    notes = models.TextField(_("notes"), blank=True, help_text=_("What changed in this version (internal)."))

    class Meta:
        abstract = True


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
