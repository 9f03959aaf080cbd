"""The steps and fields of a published or retired form version, read once per process.

Every applicant page and every submission reads the form its application was filed under: its steps, their
fields, the required ones. A version that is no longer a draft never changes — its rows and their children
refuse every write (`licensing.models.versioning`, and database triggers for writes that bypass the models)
— so what was read once stays true for the life of the process, and the cache needs no invalidation across
processes. Publishing a new version creates a new definition row (a new key here); retiring one changes only
its status, which is not cached. A draft is never cached: it is read from the database every time, so the
back-office's edits of a draft show at once.

Kept per process (no network round trip), bounded (least recently used first out), and emptied after every
migration or flush (`post_migrate`: a flushed test database may reuse ids).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from django.db.models import Prefetch

from licensing.models import DefinitionStatus, FormDefinition, FormField, FormStep

MAX_DEFINITIONS = 256  # a catalog holds a few hundred services at most; each entry is a few dozen rows

_lock = threading.Lock()
_cache: OrderedDict[int, tuple[FormStep, ...]] = OrderedDict()


def form_steps(definition_id: int) -> list[FormStep]:
    """The definition's steps in order, each with its fields in order (`step.fields.all()` and
    `field.step` run no query). The instances are shared by every request of this process: read them,
    never change them."""
    with _lock:
        cached = _cache.get(definition_id)
        if cached is not None:
            _cache.move_to_end(definition_id)
            return list(cached)
    # The status first: once it reads published (or retired) the steps read next are final, because such a
    # version never becomes a draft again; a draft published in between is simply not cached this time.
    status = FormDefinition.objects.filter(pk=definition_id).values_list("status", flat=True).first()
    steps = tuple(
        FormStep.objects.filter(definition_id=definition_id)
        .order_by("order", "id")
        .prefetch_related(Prefetch("fields", queryset=FormField.objects.order_by("order", "id")))
    )
    if status in (DefinitionStatus.PUBLISHED, DefinitionStatus.RETIRED):
        with _lock:
            _cache[definition_id] = steps
            _cache.move_to_end(definition_id)
            while len(_cache) > MAX_DEFINITIONS:
                _cache.popitem(last=False)
    return list(steps)


def form_fields(definition_id: int) -> list[FormField]:
    """Every field of the definition, in form order (step by step)."""
    return [form_field for step in form_steps(definition_id) for form_field in step.fields.all()]


def forget(definition_id: int | None = None) -> None:
    """Drop one definition (or everything) from this process's cache."""
    with _lock:
        if definition_id is None:
            _cache.clear()
        else:
            _cache.pop(definition_id, None)


def cached_ids() -> list[int]:
    """The definitions this process holds (for tests and diagnostics)."""
    with _lock:
        return list(_cache)
