"""Officers: registration by personal code, and their role assignments (validated and audited here;
the back-office forms call the same functions)."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from accounts.backends import forget_cached_permissions
from accounts.models import OfficerAssignment, Role, User
from esb import audit
from esb.crypto import lookup_hash

# --- officers -----------------------------------------------------------------------------------------------


def _username_for(full_name_en: str) -> str:
    base = slugify(full_name_en)[:40] or "officer"
    return f"{base}-{uuid.uuid4().hex[:6]}"


@transaction.atomic
def register_officer(
    personal_code: str,
    *,
    full_name_km: str = "",
    full_name_en: str = "",
    email: str = "",
    by: User | None,
    officer: User | None = None,
) -> User:
    """Register an officer before their first login: an account without password or CamDigiKey id, found at
    their first CamDigiKey login through the personal code. `officer`: an unsaved user the back-office form
    filled in (names, email), saved instead of a new one."""
    personal_code = (personal_code or "").strip()
    if not lookup_hash(personal_code):
        raise ValidationError(
            {"personal_code": _("Enter the officer's personal code (ID card or passport).")}
        )
    if User.objects.filter(personal_code_hash=lookup_hash(personal_code)).exists():
        raise ValidationError({"personal_code": _("An account with this personal code already exists.")})
    if not (full_name_km.strip() or full_name_en.strip()) and officer is None:
        raise ValidationError(_("Give the officer's name in Khmer or in English."))
    user = officer or User()
    user.personal_code = personal_code
    if officer is None:
        user.full_name_km = full_name_km.strip()
        user.full_name_en = full_name_en.strip()
        user.email = email.strip()
    if not user.username:
        user.username = _username_for(user.full_name_en or user.full_name_km)
    user.camdigikey_id = None
    user.is_staff = True
    user.is_superuser = False
    user.is_active = True
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ValidationError(
            {"personal_code": _("An account with this personal code already exists.")}
        ) from None
    audit.record(
        "officer.register",
        user,
        after=audit.snapshot(user, exclude=("password", "last_login")),
        **_actor(by),
    )
    return user


def _actor(by: User | None) -> dict:
    if by is None:
        return {}
    return {"actor_id": by.pk, "actor_label": by.get_username()}


def check_assignment(assignment: OfficerAssignment, by: User | None) -> None:
    """Raise ValidationError unless the assignment is valid and `by` may give it (forms call it too)."""
    from accounts.selectors import officer_scope

    assignment.full_clean(exclude=["created_by"])
    if not assignment.user.is_staff:
        raise ValidationError(_("Only officers (staff accounts) can be given roles."))
    if by is not None:
        scope = officer_scope(by)
        if not scope.is_national:
            # An administrator gives roles only where they work, and never national ones.
            if assignment.institution_id is None or assignment.institution_id not in scope.institution_ids:
                raise ValidationError({"institution": _("You can only give roles at your own institution.")})
            if assignment.role.code in OfficerAssignment.NATIONAL_ROLES:
                raise ValidationError({"role": _("Only a national system administrator can give this role.")})
            if assignment.institution_id not in scope.whole_institution_ids and (
                assignment.department_id not in scope.department_ids
            ):
                # Limited to departments of this institution: no role reaching beyond them.
                raise ValidationError({"department": _("You can only give roles in your own department.")})
        _refuse_widening_own_scope(assignment, by)


def _refuse_widening_own_scope(assignment: OfficerAssignment, by: User) -> None:
    """No one widens their own scope: on their own assignments an administrator may only narrow (add a
    department limit, deactivate, delete), never give themselves a role, another institution or department,
    or lift a limit. Superusers have every right already and are exempt."""
    if by.is_superuser or assignment.user_id != by.pk:
        return
    refusal = ValidationError(_("You cannot widen your own roles or scope; ask another administrator."))
    if assignment.pk is None:
        raise refusal
    stored = OfficerAssignment.objects.filter(pk=assignment.pk).values(*_OWN_SCOPE_FIELDS).first()
    if stored is None:
        raise refusal
    if stored["role_id"] != assignment.role_id or stored["institution_id"] != assignment.institution_id:
        raise refusal
    if stored["department_id"] is not None and stored["department_id"] != assignment.department_id:
        raise refusal  # lifting the department limit, or moving it elsewhere
    if not stored["active"] and assignment.active:
        raise refusal


_OWN_SCOPE_FIELDS = ("role_id", "institution_id", "department_id", "active")


_ASSIGNMENT_FIELDS = ("role", "institution", "department", "active")


def _assignment_snapshot(assignment: OfficerAssignment) -> dict:
    return audit.snapshot(assignment, exclude=("created_at",))


@transaction.atomic
def assign_role(
    user: User,
    role: Role | str,
    institution=None,
    department=None,
    *,
    by: User | None,
    active: bool = True,
) -> OfficerAssignment:
    """Give an officer a role at an institution (optionally one department of it)."""
    if isinstance(role, str):
        role = Role.objects.get(code=role)
    assignment = OfficerAssignment(
        user=user, role=role, institution=institution, department=department, active=active, created_by=by
    )
    check_assignment(assignment, by)
    assignment.save()
    audit.record(
        "officer_assignment.create", assignment, after=_assignment_snapshot(assignment), **_actor(by)
    )
    forget_cached_permissions(user)
    return assignment


@transaction.atomic
def change_assignment(assignment: OfficerAssignment, *, by: User | None, **changes) -> OfficerAssignment:
    """Change the role, institution, department or active flag of an assignment."""
    unknown = set(changes) - set(_ASSIGNMENT_FIELDS)
    if unknown:
        raise TypeError(f"not an assignment field: {', '.join(sorted(unknown))}")
    stored = OfficerAssignment.objects.select_for_update().get(pk=assignment.pk)
    before = _assignment_snapshot(stored)
    for name, value in changes.items():
        setattr(assignment, name, value)
    if by is not None:
        # The administrator must be allowed to touch the assignment as it was, not only as it becomes.
        check_assignment(stored, by)
    check_assignment(assignment, by)
    assignment.save()
    b, a = audit.changed_fields(before, _assignment_snapshot(assignment))
    if b or a:
        action = (
            "officer_assignment.deactivate"
            if set(a) == {"active"} and a["active"] is False
            else "officer_assignment.change"
        )
        audit.record(action, assignment, before=b, after=a, **_actor(by))
    forget_cached_permissions(assignment.user)
    return assignment


def deactivate_assignment(assignment: OfficerAssignment, *, by: User | None) -> OfficerAssignment:
    return change_assignment(assignment, by=by, active=False)


@transaction.atomic
def delete_assignment(assignment: OfficerAssignment, *, by: User | None) -> None:
    if by is not None:
        check_assignment(OfficerAssignment.objects.get(pk=assignment.pk), by)
    snapshot, pk = _assignment_snapshot(assignment), str(assignment.pk)
    assignment.delete()
    audit.record("officer_assignment.delete", assignment, object_id=pk, before=snapshot, **_actor(by))
    forget_cached_permissions(assignment.user)
