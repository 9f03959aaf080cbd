"""The validated cache of endpoint 3 (camdx_api/detail_cache.py): a kept answer is exactly the built one, is
never served once a row it was built from changed (through `save()` or `QuerySet.update()`, which sends no
signal and touches no `auto_now`), nor on another day, nor for another application; it is encrypted; a
cache outage costs a build, never an answer."""

# ruff: noqa: F811 - pytest fixtures are imported by name and requested as arguments of the same name

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from accounts.models import User
from applications.models import Application, ApplicationDocument, Status
from camdx_api import detail_cache, selectors
from camdx_api import serializers as api_serializers
from esb import crypto
from issuance.models import Licence
from licensing.models import FormField
from payments.models import Method, Payment
from payments.models import Status as PaymentStatus
from privacy.models import DataAccess
from registry.models import ADDRESS_RELATED, Business, BusinessRole, Person
from tests.camdx_api.conftest import bearer
from tests.camdx_api.factories_api import (  # noqa: F401 - fixtures
    _english,
    api_service,
    applicant,
    approved_app,
    business,
    free_service,
    make_applicant,
    other_app,
    owner,
)
from tests.registry.factories import PersonFactory

pytestmark = pytest.mark.django_db
YESTERDAY = datetime.date(2026, 1, 1)


@pytest.fixture
def api(client, consumer, camdigikey):
    token = camdigikey.valid()

    def get(path: str, **headers):
        return client.get(path, **headers, **bearer(token))

    return get


@pytest.fixture
def builds(monkeypatch) -> list:
    """Every build of the detail (selectors.application_detail) the view makes."""
    calls = []
    real = selectors.application_detail

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(selectors, "application_detail", counted)
    return calls


def _path(application: Application, single_id: str | None = None) -> str:
    return f"/api/v1/licenses/{single_id or application.business.single_id}/info/{application.reference}"


def _uncached(application: Application) -> dict:
    """The body as the build makes it now, as JSON."""
    with translation.override("en"):
        built = selectors.application_detail(application.business.single_id, application.reference)
        data = api_serializers.represent(api_serializers.ApplicationDetailSerializer, built)
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _key(application: Application, on: datetime.date | None = None) -> str:
    with translation.override("en"):  # the API's language, part of the key
        found = detail_cache.find(application.business.single_id, application.reference, on=on)
    assert found is not None and found.application_id == application.pk
    return found.key


def _new_lines() -> Callable[[], list[tuple]]:
    """The data-access lines written since the last call of the returned function."""
    seen = DataAccess.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def lines() -> list[tuple]:
        nonlocal seen
        rows = list(
            DataAccess.objects.filter(pk__gt=seen)
            .order_by("pk")
            .values_list("pk", "what", "subject_user_id", "subject_business_id", "object_ref")
        )
        if rows:
            seen = rows[-1][0]
        return [row[1:] for row in rows]

    return lines


def _second_owner(business: Business, *, account: bool) -> tuple[Person, User | None]:
    """Another OWNER, holding the role longer than the filer (so the active one), with an account or not."""
    person = PersonFactory(identity_number="077665544", first_name_en="Sophea", last_name_en="Chan")
    BusinessRole.objects.create(
        business=business, person=person, role=BusinessRole.Role.OWNER, since=datetime.date(2000, 1, 1)
    )
    return person, (make_applicant(person, username="second-owner") if account else None)


def _payment(application: Application) -> Payment:
    return Payment.objects.create(
        application=application,
        provider="khqr",
        method=Method.values[0],
        amount=Decimal("1000"),
        currency="KHR",
        status=PaymentStatus.PENDING,
    )


def _document(application: Application) -> ApplicationDocument:
    return ApplicationDocument.objects.filter(application=application, document_type__isnull=False).first()


def _owner_person(application: Application) -> Person:
    return BusinessRole.objects.get(business=application.business_id, role=BusinessRole.Role.OWNER).person


# --- a hit is the build -------------------------------------------------------------------------------------


def test_a_hit_serves_exactly_the_uncached_body_validators_and_data_access_lines(
    api, approved_app, settings, builds
):
    _person, second = _second_owner(approved_app.business, account=True)
    path = _path(approved_app)
    lines = _new_lines()
    settings.CAMDX_API_DETAIL_CACHE_SECONDS = 0
    plain = api(path)
    plain_lines = lines()
    assert plain.status_code == 200 and len(builds) == 1
    # the disclosure names the filer's application and the active owner's own account
    assert {line[1] for line in plain_lines} >= {approved_app.applicant_id, second.pk}
    settings.CAMDX_API_DETAIL_CACHE_SECONDS = 600
    miss = api(path)
    assert lines() == plain_lines and len(builds) == 2
    hit = api(path)
    assert lines() == plain_lines and len(builds) == 2  # answered from the kept copy
    for answer in (miss, hit):
        assert answer.status_code == 200
        assert answer.content == plain.content
        for header in ("ETag", "Last-Modified", "Cache-Control", "Content-Type"):
            assert answer[header] == plain[header]


def test_a_hit_answers_304_to_a_current_etag_without_disclosing(api, approved_app, builds):
    path = _path(approved_app)
    first = api(path)
    lines = _new_lines()
    again = api(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and not again.content
    assert again["ETag"] == first["ETag"] and again["Last-Modified"] == first["Last-Modified"]
    assert "no-cache" in again["Cache-Control"] and "private" in again["Cache-Control"]
    assert lines() == [] and len(builds) == 1


# --- never stale: every row the build reads -----------------------------------------------------------------


def _nothing(application: Application) -> None:
    return None


def _without_business_address(application: Application) -> None:
    Business.objects.filter(pk=application.business_id).update(**dict.fromkeys(ADDRESS_RELATED))


def _without_owner_address(application: Application) -> None:
    Person.objects.filter(pk=_owner_person(application).pk).update(**dict.fromkeys(ADDRESS_RELATED))


def _without_active_owner(application: Application) -> None:
    BusinessRole.objects.filter(business=application.business_id).update(until=YESTERDAY)


def _with_second_owner(application: Application) -> None:
    _second_owner(application.business, account=False)


def _active_owner(application: Application) -> Person:
    roles = BusinessRole.objects.filter(business=application.business_id, role=BusinessRole.Role.OWNER)
    return roles.order_by("since", "pk").first().person


def _with_payment(application: Application) -> None:
    _payment(application)


# name: (prepare, the row to change, field, new value). Each change is visible in the body.
DEPENDENCIES: dict[str, tuple[Callable, Callable, str, object]] = {
    "application": (
        _nothing,
        lambda app: Application.objects.get(pk=app.pk),
        "decided_at",
        datetime.datetime(2020, 1, 2, 3, tzinfo=datetime.UTC),
    ),
    "business": (_nothing, lambda app: Business.objects.get(pk=app.business_id), "name_en", "Changed Co."),
    "business address unit": (
        _without_owner_address,
        lambda app: Business.objects.get(pk=app.business_id).province,
        "name_en",
        "Changed Province",
    ),
    "licence type": (_nothing, lambda app: app.licence_type, "name_en", "Changed licence type"),
    "licence service": (_nothing, lambda app: app.service, "code", "CHANGED_SERVICE"),
    "owner role": (
        _nothing,
        lambda app: BusinessRole.objects.get(business=app.business_id, role=BusinessRole.Role.OWNER),
        "until",
        YESTERDAY,
    ),
    # an owner who is not the filer: the filer's registry entry does not show the same person
    "owner person": (_with_second_owner, _active_owner, "first_name_en", "Changedname"),
    "owner nationality": (_nothing, lambda app: _owner_person(app).nationality, "name_en", "Changed Kingdom"),
    "owner address unit": (
        _without_business_address,
        lambda app: _owner_person(app).village,
        "name_en",
        "Changed Village",
    ),
    "document": (_nothing, _document, "original_name", "changed-name.pdf"),
    "document type": (_nothing, lambda app: _document(app).document_type, "code", "CHANGED_DOCUMENT"),
    "payment": (
        _with_payment,
        lambda app: Payment.objects.get(application=app),
        "status",
        PaymentStatus.FAILED,
    ),
    "licence": (_nothing, lambda app: Licence.objects.get(application=app), "number", "CHANGED-2026-1"),
    "filer account": (
        _nothing,
        lambda app: User.objects.get(pk=app.applicant_id),
        "email",
        "changed@example.com",
    ),
    # the filer's registry entry alone: no active owner shows the same person
    "filer registry person": (_without_active_owner, _owner_person, "first_name_en", "Changedname"),
}


@pytest.mark.parametrize("via", ["save", "update"])
@pytest.mark.parametrize("dependency", list(DEPENDENCIES))
def test_a_changed_row_is_served_at_once(api, approved_app, builds, dependency, via):
    prepare, row_of, field, value = DEPENDENCIES[dependency]
    prepare(approved_app)
    path = _path(approved_app)
    before = api(path).json()["data"]
    assert api(path).json()["data"] == before and len(builds) == 1  # kept
    row = row_of(approved_app)
    if via == "save":
        setattr(row, field, value)
        row.save()
    else:  # no signal, no auto_now: only the row's version tells
        type(row).objects.filter(pk=row.pk).update(**{field: value})
    after = api(path).json()["data"]
    assert len(builds) == 2
    assert after != before
    assert after == _uncached(approved_app)


def test_the_form_rows_are_fingerprinted_though_a_published_form_is_immutable(api, approved_app):
    """A published form definition cannot change (a database trigger refuses it), so its fields and steps
    never make a kept copy stale today; they are in the fingerprint all the same, should that rule go."""
    path = _path(approved_app)
    before, key = api(path).json()["data"], _key(approved_app)
    assert "activity" in before["license_data"]["license_properties"]
    field = FormField.objects.get(definition_id=approved_app.form_definition_id, key="activity")
    with connection.cursor() as cursor:
        cursor.execute(
            "SET LOCAL session_replication_role = replica"
        )  # the guard trigger off, this test only
        try:
            FormField.objects.filter(pk=field.pk).update(field_type=FormField.FieldType.FILE)
        finally:
            cursor.execute("SET LOCAL session_replication_role = origin")
    assert _key(approved_app) != key
    after = api(path).json()["data"]
    assert "activity" not in after["license_data"]["license_properties"]
    assert after == _uncached(approved_app)


def test_a_new_owner_role_changes_the_fingerprint(api, approved_app):
    path = _path(approved_app)
    before, key = api(path).json()["data"], _key(approved_app)
    person, _ = _second_owner(approved_app.business, account=False)
    assert _key(approved_app) != key
    assert (
        api(path).json()["data"]["biz_owner_data"]["first_name_en"]
        == person.first_name_en
        != (before["biz_owner_data"]["first_name_en"])
    )


def test_a_new_document_changes_the_fingerprint(api, approved_app):
    path = _path(approved_app)
    before, key = api(path).json()["data"], _key(approved_app)
    copy = _document(approved_app)
    copy.pk = None
    copy.original_name = "second-card.pdf"
    copy.position += 1
    copy.save()
    assert _key(approved_app) != key
    after = api(path).json()["data"]
    assert len(after["supporting_docs"]) == len(before["supporting_docs"]) + 1
    assert after == _uncached(approved_app)


def test_a_new_payment_changes_the_fingerprint(api, approved_app):
    path = _path(approved_app)
    assert api(path).json()["data"]["license_data"]["payment_status"] is None
    key = _key(approved_app)
    _payment(approved_app)
    assert _key(approved_app) != key
    assert api(path).json()["data"]["license_data"]["payment_status"] == PaymentStatus.PENDING


def test_a_newly_registered_owner_account_is_disclosed_at_once(api, approved_app, builds):
    """The owner's account is not in the body, only in the disclosure: the fingerprint alone sees it."""
    path = _path(approved_app)
    person, _ = _second_owner(approved_app.business, account=False)
    body = api(path).content
    lines = _new_lines()
    api(path)
    assert [line[1] for line in lines()] == [approved_app.applicant_id] and len(builds) == 1
    key = _key(approved_app)
    account = make_applicant(person, username="second-owner")
    assert _key(approved_app) != key
    answer = api(path)
    assert answer.content == body
    assert sorted(line[1] for line in lines()) == sorted([approved_app.applicant_id, account.pk])


def test_a_new_registry_person_matching_the_filer_changes_the_fingerprint(approved_app):
    key = _key(approved_app)
    owner = _owner_person(approved_app)
    PersonFactory(identity_number=owner.identity_number, identity_document_type=Person.DocumentType.PASSPORT)
    assert _key(approved_app) != key


# --- the day, the application, what is kept -----------------------------------------------------------------


def test_the_day_is_in_the_key(api, approved_app, monkeypatch):
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    assert _key(approved_app, on=today) != _key(approved_app, on=tomorrow)
    # an owner role ending today is not the active one tomorrow: the kept copy of today is not served
    BusinessRole.objects.filter(business=approved_app.business_id).update(until=today)
    path = _path(approved_app)
    assert api(path).json()["data"]["biz_owner_data"] is not None
    assert api(path).json()["data"]["biz_owner_data"] is not None
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    assert api(path).json()["data"]["biz_owner_data"] is None


def test_the_language_and_the_code_are_in_the_key(approved_app, monkeypatch):
    key = _key(approved_app)
    with translation.override("km"):
        assert detail_cache.find(approved_app.business.single_id, approved_app.reference).key != key
    names = {str(path.relative_to(django_settings.BASE_DIR)) for path in detail_cache.code_files()}
    assert {"camdx_api/serializers.py", "camdx_api/selectors.py", "registry/selectors.py"} <= names
    assert any(name.endswith("km/LC_MESSAGES/django.mo") for name in names)
    monkeypatch.setattr(detail_cache, "_code_fingerprint", lambda: "another release")
    assert _key(approved_app) != key


def test_an_entry_is_never_served_for_another_application(api, approved_app, other_app, builds):
    mine = api(_path(approved_app))
    assert api(_path(approved_app, other_app.business.single_id)).status_code == 404
    theirs = api(_path(other_app))
    assert theirs.status_code == 200 and theirs.content != mine.content
    assert theirs.json()["data"]["company_data"]["single_id"] == other_app.business.single_id
    assert len(builds) == 2


def test_an_unknown_or_unexposed_application_is_not_found_without_a_build(api, approved_app, builds):
    single_id = approved_app.business.single_id
    unknown = api(f"/api/v1/licenses/{single_id}/info/MOC-2026-999999")
    assert unknown.status_code == 404 and unknown.json()["code"] == 400
    path = _path(approved_app)
    assert api(path).status_code == 200
    Application.objects.filter(pk=approved_app.pk).update(discarded_at=timezone.now())
    discarded = api(path)
    assert discarded.status_code == 404 and discarded.json() == unknown.json()
    assert len(builds) == 1


def test_the_kept_value_is_encrypted(api, approved_app):
    api(_path(approved_app))
    key = _key(approved_app)
    owner = _owner_person(approved_app)
    token = cache.get(key)
    raw = cache._cache.get_client().get(cache.make_key(key))
    for secret in (owner.identity_number, owner.first_name_en, owner.last_name_en):
        assert secret and secret not in token and secret.encode() not in raw
    assert owner.identity_number in crypto.decrypt(token)  # it is the detail, encrypted


class _DownCache:
    def get(self, *args, **kwargs):
        raise ConnectionError("redis is down")

    set = get


def test_a_cache_outage_still_answers(api, approved_app, monkeypatch, caplog, settings):
    path = _path(approved_app)
    settings.CAMDX_API_DETAIL_CACHE_SECONDS = 0
    plain = api(path)
    settings.CAMDX_API_DETAIL_CACHE_SECONDS = 600
    monkeypatch.setattr(detail_cache, "cache", _DownCache())
    down = api(path)
    assert down.status_code == 200 and down.content == plain.content and down["ETag"] == plain["ETag"]
    assert "cache unavailable" in caplog.text


def test_an_unreadable_entry_is_built_again_and_replaced(api, approved_app, builds, caplog):
    path = _path(approved_app)
    good = api(path)
    key = _key(approved_app)
    cache.set(key, "not a token of ours", 60)  # e.g. written under a key since rotated out
    again = api(path)
    assert again.status_code == 200 and again.content == good.content and len(builds) == 2
    assert "could not be read" in caplog.text
    assert detail_cache.load(key) is not None


def test_a_status_change_is_served_through_the_lifecycle_service(api, approved_app):
    path = _path(approved_app)
    assert api(path).json()["data"]["license_data"]["license_status"] == Status.APPROVED
    Application.objects.filter(pk=approved_app.pk).update(status=Status.EXPIRED)
    assert api(path).json()["data"]["license_data"]["license_status"] == Status.EXPIRED


# --- the guard ----------------------------------------------------------------------------------------------


_TABLE = re.compile(r'\b(?:FROM|JOIN)\s+"([^"]+)"', re.IGNORECASE)


def test_every_table_the_build_reads_is_in_the_fingerprint(approved_app):
    """A selector or serializer that starts reading a new table fails here until the fingerprint covers it
    (else a change in that table would leave a stale copy served)."""
    _second_owner(approved_app.business, account=True)
    _payment(approved_app)
    with CaptureQueriesContext(connection) as build, translation.override("en"):
        built = selectors.application_detail(approved_app.business.single_id, approved_app.reference)
        data = api_serializers.represent(api_serializers.ApplicationDetailSerializer, built)
    assert (
        data["biz_owner_data"] and data["supporting_docs"] and built.register_person and built.disclosed_users
    )
    read = {table for query in build.captured_queries for table in _TABLE.findall(query["sql"])}
    fingerprinted = set(_TABLE.findall(detail_cache.fingerprint_sql()))
    assert len(read) >= 10
    assert read <= fingerprinted, f"read by the build, not fingerprinted: {sorted(read - fingerprinted)}"
    assert {model._meta.db_table for model in detail_cache.FINGERPRINTED_MODELS} == fingerprinted
