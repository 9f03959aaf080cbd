"""esb.compiled: a query compiled once per process answers exactly what the ORM answers, for every shape of
its arguments, and falls back to the ORM for what it cannot substitute."""

import pytest
from django.db import transaction
from django.db.models import Q
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from accounts.models import User
from esb.compiled import _UNCACHEABLE, CompiledQuery
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def _user(name: str) -> User:
    return User.objects.create_user(username=name, full_name_en=name.title())


def _notification(user: User, title: str) -> Notification:
    return Notification.objects.create(
        user=user, title_km=title, title_en=title, dedupe_key=f"{user.pk}:{title}"
    )


def test_objects_match_the_orm_with_their_select_related_rows(django_assert_num_queries):
    alice, bob = _user("alice"), _user("bob")
    mine = [_notification(alice, "one"), _notification(alice, "two")]
    _notification(bob, "three")
    query = CompiledQuery(lambda user_id: Notification.objects.select_related("user").filter(user_id=user_id))
    for _round in range(3):  # the first call compiles, the others reuse the statement
        found = query.objects(alice.pk)
        assert sorted(n.pk for n in found) == sorted(n.pk for n in mine)
        with django_assert_num_queries(0):
            assert {n.user.username for n in found} == {"alice"}  # joined, not read again
        assert all(timezone.is_aware(n.created_at) for n in found)  # converters applied
    assert [n.title_en for n in query.objects(bob.pk)] == ["three"]
    assert query.objects(-5) == []
    assert len(query._compiled) == 1 and hasattr(next(iter(query._compiled.values())), "sql")


def test_each_length_of_a_list_argument_is_its_own_statement():
    users = [_user(f"user{i}") for i in range(3)]
    query = CompiledQuery(lambda ids: User.objects.filter(pk__in=ids).order_by("pk"))
    for ids in ([users[0].pk], [users[2].pk, users[1].pk], [], [users[1].pk]):
        assert [u.pk for u in query.objects(ids)] == sorted(ids)
    assert set(query._compiled) == {((1, True),), ((2, True),), ((0, True),)}


def test_rows_of_a_values_list():
    alice = _user("alice")
    query = CompiledQuery(
        lambda user_id: User.objects.filter(pk=user_id).values_list("username", "is_active")
    )
    assert query.rows(alice.pk) == [("alice", True)]
    assert query.rows(alice.pk) == [("alice", True)]
    flat = CompiledQuery(lambda user_id: User.objects.filter(pk=user_id).values_list("pk", flat=True))
    assert flat.rows(alice.pk) == [(alice.pk,)] == flat.rows(alice.pk)
    assert flat.rows(-1) == []


def test_an_argument_the_orm_transforms_goes_through_the_orm_every_time():
    alice = _user("alice")
    _notification(alice, "Licence approved")
    query = CompiledQuery(lambda text: Notification.objects.filter(title_en__istartswith=text))
    assert [n.title_en for n in query.objects("LICENCE")] == ["Licence approved"]
    assert query.objects("approved") == []
    assert list(query._compiled.values()) == [_UNCACHEABLE]


def test_a_contains_pattern_is_compiled_and_escaped_like_the_orm_escapes_it():
    alice = _user("alice")
    _notification(alice, "Licence approved")
    _notification(alice, "100% done_now")
    query = CompiledQuery(
        lambda text: (
            Notification.objects.filter(Q(title_en__icontains=text) | Q(title_km__icontains=text))
            .order_by("pk")
            .values_list("title_en", flat=True)
        )
    )
    assert query.rows("APPROVED") == [("Licence approved",)]
    assert query.rows("0%") == [("100% done_now",)]
    assert query.rows("e_n") == [("100% done_now",)]
    assert query.rows("%") == [("100% done_now",)]  # a literal percent sign, not "anything"
    assert query.rows("_") == [("100% done_now",)]
    assert query.rows("refused") == []
    assert list(query._compiled.values()) != [_UNCACHEABLE]


def test_a_builder_with_a_constant_slice_is_compiled():
    alice = _user("alice")
    for title in ("a", "b", "c"):
        _notification(alice, title)
    first = CompiledQuery(
        lambda user_id: Notification.objects.filter(user_id=user_id).order_by("title_en")[:1]
    )
    assert (
        [n.title_en for n in first.objects(alice.pk)]
        == ["a"]
        == [n.title_en for n in first.objects(alice.pk)]
    )
    assert _UNCACHEABLE not in first._compiled.values()


def test_an_unsupported_argument_goes_through_the_orm():
    alice = _user("alice")
    query = CompiledQuery(lambda active: User.objects.filter(is_active=active))
    assert [u.pk for u in query.objects(True)] == [alice.pk]
    assert query.objects(False) == []


@pytest.mark.django_db(transaction=True)
def test_a_locking_read_still_needs_a_transaction():
    alice = _user("alice")
    query = CompiledQuery(lambda pk: User.objects.select_for_update().filter(pk=pk))
    with transaction.atomic():
        assert query.first(alice.pk) == alice
        assert query.first(alice.pk) == alice
    with pytest.raises(TransactionManagementError):
        query.first(alice.pk)


def test_arguments_the_orm_refuses_are_refused_and_do_not_spoil_the_shape():
    alice = _user("alice")
    note = _notification(alice, "hello")
    query = CompiledQuery(lambda pk: Notification.objects.filter(pk=pk))
    with pytest.raises(ValueError):
        query.objects("not a number")
    assert query.objects(note.pk) == [note]
    assert hasattr(query._compiled[(int,)], "sql")
