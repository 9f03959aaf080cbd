"""Demo officers: pre-registered by personal code with their roles, idempotently."""

from __future__ import annotations

from io import StringIO

import pytest

from accounts import demo
from accounts.models import OfficerAssignment, User
from accounts.selectors import officer_scope, user_by_personal_code
from registry.demo import seed_institutions

pytestmark = pytest.mark.django_db


def test_seed_registers_the_demo_officers_with_their_roles_idempotently():
    seed_institutions()  # the step before, in demo_data/seed.yaml
    demo.seed(StringIO())
    demo.seed(StringIO())
    officers = {row["personal_code"]: row for row in demo.demo_officers()}
    assert {"OFF-MOC-001", "OFF-MOT-001", "OFF-SYS-001"} <= set(officers)
    for code, row in officers.items():
        officer = user_by_personal_code(code)
        assert officer is not None and officer.is_staff and officer.camdigikey_id is None
        assignments = OfficerAssignment.objects.filter(user=officer)
        assert [a.role.code for a in assignments] == [row["role"]]
    moc = user_by_personal_code("OFF-MOC-001")
    assert officer_scope(moc).institution_ids == {OfficerAssignment.objects.get(user=moc).institution_id}
    assert officer_scope(user_by_personal_code("OFF-SYS-001")).is_national
    assert User.objects.filter(username=demo.DEMO_ADMIN_USERNAME, is_superuser=True).count() == 1


def test_logins_say_which_role_and_institution_each_officer_has():
    rows = dict(demo.logins())
    assert rows["Sok Dara (OFF-MOC-001)"] == (
        "officer: Reception officer, Ministry of Commerce, Department of Business Registration — /backoffice/"
    )
    assert "Ministry of Tourism" in rows["Chan Sophea (OFF-MOT-001)"]
    assert "national" in rows["Keo Vibol (OFF-SYS-001)"]
    assert "password" in rows[f"break-glass: {demo.DEMO_ADMIN_USERNAME}"]


def test_demo_accounts_are_refused_in_production(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.IS_PRODUCTION = True
    with pytest.raises(ImproperlyConfigured):
        demo.seed(StringIO())
    assert demo.logins() == []
