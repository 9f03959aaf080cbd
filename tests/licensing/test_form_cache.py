"""The per-process cache of published forms (`licensing.form_cache`): read once, never stale — a draft is
never cached, a new version is a new entry, a retired version keeps its own questions."""

import pytest

from licensing import form_cache, services
from licensing.models import DefinitionStatus, FormDefinition

from .factories import FormFieldFactory, FormStepFactory, publish_valid_form, valid_form_draft

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    form_cache.forget()
    yield
    form_cache.forget()


def _shape(steps) -> list[tuple[str, list[str]]]:
    return [(step.key, [f.key for f in step.fields.all()]) for step in steps]


def _stored_shape(definition: FormDefinition) -> list[tuple[str, list[str]]]:
    return [
        (step.key, [f.key for f in step.fields.order_by("order", "id")])
        for step in definition.steps.order_by("order", "id")
    ]


def test_a_published_form_is_read_once_then_served_without_a_query(django_assert_num_queries):
    published = publish_valid_form()
    with django_assert_num_queries(3):  # status, steps, fields
        first = form_cache.form_steps(published.pk)
    with django_assert_num_queries(0):
        again = form_cache.form_steps(published.pk)
        fields = form_cache.form_fields(published.pk)
        steps_of_fields = {f.step.key for f in fields}  # the step of each field is there too
    assert _shape(first) == _shape(again) == _stored_shape(published)
    assert [f.key for f in fields] == [key for _step, keys in _stored_shape(published) for key in keys]
    assert steps_of_fields == {"business", "documents"}
    assert published.pk in form_cache.cached_ids()


def test_a_draft_is_read_from_the_database_every_time(django_assert_num_queries):
    draft = valid_form_draft()
    assert _shape(form_cache.form_steps(draft.pk)) == _stored_shape(draft)
    assert draft.pk not in form_cache.cached_ids()
    # The back-office edits the draft: the next read shows the edit.
    FormFieldFactory(step=draft.steps.get(key="business"), key="added_later", order=99)
    with django_assert_num_queries(3):
        steps = form_cache.form_steps(draft.pk)
    assert "added_later" in dict(_shape(steps))["business"]


def test_publishing_a_new_version_serves_the_new_questions_and_keeps_the_old_ones(superuser):
    v1 = publish_valid_form()
    before = _shape(form_cache.form_steps(v1.pk))  # cached while published
    v2 = services.create_draft_version(v1.licence_type, services.FORM, superuser)
    FormFieldFactory(step=v2.steps.get(key="business"), key="new_question", order=99)
    FormFieldFactory(step=FormStepFactory(definition=v2, key="extra", order=3), key="extra_question")
    # Read while it is still a draft: not cached, so publishing cannot leave this read behind.
    assert "new_question" in dict(_shape(form_cache.form_steps(v2.pk)))["business"]
    services.publish_form(v2, superuser)

    v1.refresh_from_db()
    assert v1.status == DefinitionStatus.RETIRED
    # The application filed under v1 still reads v1's questions (a retired version never changes) ...
    assert _shape(form_cache.form_steps(v1.pk)) == before == _stored_shape(v1)
    # ... and one filed under v2 reads v2's, from the database the first time, then from the cache.
    after = _shape(form_cache.form_steps(v2.pk))
    assert after == _stored_shape(v2)
    assert "new_question" in dict(after)["business"] and ("extra", ["extra_question"]) in after
    assert v2.pk in form_cache.cached_ids() and v1.pk in form_cache.cached_ids()


def test_the_cache_is_bounded_and_forgets_the_least_recently_used(monkeypatch):
    monkeypatch.setattr(form_cache, "MAX_DEFINITIONS", 2)
    first, second, third = publish_valid_form(), publish_valid_form(), publish_valid_form()
    form_cache.form_steps(first.pk)
    form_cache.form_steps(second.pk)
    form_cache.form_steps(first.pk)  # used again: now the most recent
    form_cache.form_steps(third.pk)
    assert form_cache.cached_ids() == [first.pk, third.pk]


def test_a_flush_or_migration_empties_the_cache():
    """A flushed database may hand out the same ids again: post_migrate (sent after flush and migrate)
    starts the cache afresh."""
    from django.core.management.sql import emit_post_migrate_signal

    published = publish_valid_form()
    form_cache.form_steps(published.pk)
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert form_cache.cached_ids() == []


def test_unknown_definition_is_empty_and_not_cached():
    assert form_cache.form_steps(987654321) == []
    assert 987654321 not in form_cache.cached_ids()
