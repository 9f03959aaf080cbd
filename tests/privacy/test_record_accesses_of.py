"""privacy.services.record_accesses_of: one accessor's read of many subjects, appended in one statement."""

from __future__ import annotations

import pytest

from accounts.models import User
from privacy.models import AccessorKind, AccessPurpose, DataAccess
from privacy.services import record_accesses_of

pytestmark = pytest.mark.django_db


def test_one_row_per_subject_naming_someone(django_assert_num_queries):
    officer = User.objects.create_user(username="officer-x", full_name_en="Officer X")
    person = User.objects.create_user(username="person-y")
    with django_assert_num_queries(1):
        written = record_accesses_of(
            [(person.pk, None, "REF-1"), (None, None, "nobody"), (person.pk, None, "R" * 80)],
            accessor_label="Officer X",
            accessor_kind=AccessorKind.OFFICER,
            accessor_user_id=officer.pk,
            purpose=AccessPurpose.REPORT,
            what="Application listed in a report",
        )
    assert written == 2
    rows = list(DataAccess.objects.order_by("object_ref"))
    assert sorted(r.object_ref for r in rows) == sorted(["R" * 64, "REF-1"])  # cut to the column
    assert {(r.subject_user_id, r.accessor_user_id, r.purpose, r.accessor_kind) for r in rows} == {
        (person.pk, officer.pk, "REPORT", "OFFICER")
    }
    assert rows[0].purpose_label == str(AccessPurpose.REPORT.label)


def test_nothing_to_log_writes_nothing_and_an_unknown_kind_is_refused(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert (
            record_accesses_of([], accessor_label="x", accessor_kind="OFFICER", purpose="REPORT", what="x")
            == 0
        )
    with pytest.raises(ValueError):
        record_accesses_of(
            [(1, None, "")], accessor_label="x", accessor_kind="ROBOT", purpose="REPORT", what="x"
        )
