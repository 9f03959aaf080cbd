"""One versioned lifecycle (esb.versioning) for consent texts and the catalog's form and workflow versions."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import translation

from esb.versioning import ImmutableVersionError, VersionedModel, VersionStatus, publish_version
from licensing.models import DefinitionStatus, FormDefinition, ImmutableDefinitionError, WorkflowDefinition
from privacy.models import ConsentPurpose, ConsentText, ImmutableConsentTextError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted in English (the msgids); Khmer is the project's default language.
    with translation.override("en"):
        yield


def _draft_text(**kwargs) -> ConsentText:
    return ConsentText.objects.create(
        purpose=ConsentPurpose.CAMDX_CLUSTER, title_km="ក", title_en="t", body_km="ក", body_en="b", **kwargs
    )


def test_both_apps_share_the_lifecycle():
    for model in (ConsentText, FormDefinition, WorkflowDefinition):
        assert issubclass(model, VersionedModel)
    assert ConsentText.Status is VersionStatus and DefinitionStatus is VersionStatus
    assert issubclass(ImmutableConsentTextError, ImmutableVersionError)
    assert issubclass(ImmutableDefinitionError, ImmutableVersionError)
    assert issubclass(ImmutableVersionError, PermissionDenied)


def test_publishing_retires_the_version_of_the_same_key_only():
    published = ConsentText.objects.get(purpose=ConsentPurpose.CAMDX_CLUSTER, status=VersionStatus.PUBLISHED)
    other = ConsentText.objects.get(purpose=ConsentPurpose.OUTSIDE_CLUSTER, status=VersionStatus.PUBLISHED)
    draft = _draft_text()
    assert draft.version == published.version + 1  # numbered after the latest of its purpose

    with transaction.atomic():
        retired = publish_version(draft, by=None)

    assert retired.pk == published.pk
    published.refresh_from_db()
    other.refresh_from_db()
    assert published.status == VersionStatus.RETIRED and published.retired_at is not None
    assert other.status == VersionStatus.PUBLISHED
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED and draft.published_at == published.retired_at


def test_a_retired_version_refuses_every_change_and_a_new_one_starts_as_a_draft():
    published = ConsentText.objects.get(purpose=ConsentPurpose.CAMDX_CLUSTER, status=VersionStatus.PUBLISHED)
    with transaction.atomic():
        publish_version(_draft_text(), by=None)
    published.refresh_from_db()

    published.title_en = "Another title"
    with pytest.raises(ImmutableConsentTextError):
        published.save()
    published.refresh_from_db()
    published.status = VersionStatus.PUBLISHED  # un-retiring is a change too
    with pytest.raises(ImmutableConsentTextError):
        published.save()
    with pytest.raises(ImmutableConsentTextError, match="cannot be deleted"):
        ConsentText.objects.get(pk=published.pk).delete()
    with pytest.raises(ImmutableConsentTextError, match="created as a draft"):
        _draft_text(status=VersionStatus.PUBLISHED)


def test_the_database_keeps_one_published_version_per_key():
    draft = _draft_text()
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsentText.objects.filter(pk=draft.pk).update(status=VersionStatus.PUBLISHED)
