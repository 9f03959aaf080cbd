"""Reads about users: what an officer may see (scope), what they may do (role permissions), and which
business an applicant acts for.

Scope rules (docs/identity.md):
- superusers, and system administrators assigned without an institution, are national: they see everything;
- every other officer sees only the rows of the institutions of their *active* assignments (at active
  institutions); an assignment limited to a department narrows rows that have a department to that
  department (rows of the institution without a department stay visible);
- a user without an active assignment sees nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from accounts.models import OfficerAssignment, User

_SCOPE_CACHE = "_esb_officer_scope"


@dataclass(frozen=True)
class Scope:
    """Where an officer works. `institution_ids`: every institution of an active assignment;
    `department_ids`: the departments of department-limited assignments; `whole_institution_ids`: the
    institutions where an assignment covers every department."""

    institution_ids: frozenset[int]
    department_ids: frozenset[int]
    is_national: bool
    whole_institution_ids: frozenset[int] = frozenset()

    @property
    def is_empty(self) -> bool:
        return not self.is_national and not self.institution_ids


NO_SCOPE = Scope(frozenset(), frozenset(), False, frozenset())
NATIONAL = Scope(frozenset(), frozenset(), True, frozenset())


def active_assignments(user) -> QuerySet[OfficerAssignment]:
    """Assignments in force: active, of an active user, at an active institution (or national)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return OfficerAssignment.objects.none()
    return OfficerAssignment.objects.filter(
        Q(institution__isnull=True) | Q(institution__is_active=True), user_id=user.pk, active=True
    )


_ROWS_CACHE = "_esb_assignment_rows"


def assignment_rows(user) -> list[tuple[int, str, int | None, int | None]]:
    """(role id, role code, institution, department) of the user's active assignments, read once per user
    object (i.e. once per request): the scope and the review's eligible steps are both worked out from it."""
    rows = getattr(user, _ROWS_CACHE, None)
    if rows is None:
        rows = list(
            active_assignments(user).values_list("role_id", "role__code", "institution_id", "department_id")
        )
        if user is not None and getattr(user, "pk", None):
            setattr(user, _ROWS_CACHE, rows)
    return rows


def officer_scope(user) -> Scope:
    """The officer's scope, computed once per user object (i.e. once per request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_SCOPE
    cached = getattr(user, _SCOPE_CACHE, None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = NATIONAL
    else:
        rows = [(code, place, unit) for _r, code, place, unit in assignment_rows(user)]
        national = any(
            institution_id is None and role in OfficerAssignment.NATIONAL_ROLES
            for role, institution_id, _d in rows
        )
        if national:
            scope = NATIONAL
        else:
            scope = Scope(
                institution_ids=frozenset(i for _r, i, _d in rows if i is not None),
                department_ids=frozenset(d for _r, _i, d in rows if d is not None),
                is_national=False,
                whole_institution_ids=frozenset(i for _r, i, d in rows if i is not None and d is None),
            )
    setattr(user, _SCOPE_CACHE, scope)
    return scope


def scope_queryset(
    qs: QuerySet, user, institution_path: str = "institution", department_path: str | None = None
) -> QuerySet:
    """Only the rows the user's scope covers.

    `institution_path` leads from the model to its institution ("pk" for Institution itself);
    `department_path`, when given, to its (nullable) department.
    """
    scope = officer_scope(user)
    if scope.is_national:
        return qs
    if scope.is_empty:
        return qs.none()
    if department_path is None:
        return qs.filter(**{f"{institution_path}__in": scope.institution_ids})
    return qs.filter(
        Q(**{f"{institution_path}__in": scope.whole_institution_ids})
        | Q(**{f"{department_path}__in": scope.department_ids})
        | Q(**{f"{institution_path}__in": scope.institution_ids, f"{department_path}__isnull": True})
    )


def role_permissions(user) -> set[str]:
    """ "app_label.codename" of every permission of the roles of the user's active assignments."""
    from django.contrib.auth.models import Permission

    assignments = active_assignments(user)
    rows = (
        Permission.objects.filter(role__assignments__in=assignments)
        .values_list("content_type__app_label", "codename")
        .distinct()
    )
    return {f"{app_label}.{codename}" for app_label, codename in rows}


def user_by_personal_code(personal_code: str) -> User | None:
    from esb.crypto import lookup_hash

    digest = lookup_hash(personal_code)
    if not digest:
        return None
    return User.objects.filter(personal_code_hash=digest).first()


# --- acting for a business --------------------------------------------------------------------------------

ACTING_FOR_SESSION_KEY = "esb_acting_for"


def businesses_of(user) -> QuerySet:
    """The businesses the logged-in person owns or represents (active roles in the registry), matched
    through the personal code CamDigiKey vouched for."""
    from registry.models import Business
    from registry.selectors import businesses_for_person

    if user is None or not getattr(user, "is_authenticated", False) or not user.personal_code:
        return Business.objects.none()
    return businesses_for_person(user.personal_code)


# How many of a person's businesses the header's "acting for" menu lists.
MENU_BUSINESSES = 50


def menu_businesses(request) -> list:
    """The first MENU_BUSINESSES businesses of the logged-in person (by id), read once per request: the
    header's "acting for" menu and the acting business (`acting_business`) share the one query."""
    cached = getattr(request, "_esb_menu_businesses", None)
    if cached is None:
        from registry.selectors import first_businesses_for_person

        user = getattr(request, "user", None)
        if user is None or not getattr(user, "is_authenticated", False) or not user.personal_code:
            cached = []
        else:
            cached = first_businesses_for_person(user.personal_code, MENU_BUSINESSES)
        request._esb_menu_businesses = cached
    return cached


def all_business_ids(request) -> list[int] | None:
    """The ids of every business of the logged-in person when the menu's list holds them all (it is read
    anyway), so that scoping can filter on the ids instead of repeating the registry lookup; None when the
    person has more businesses than the menu lists."""
    listed = menu_businesses(request)
    return [b.pk for b in listed] if len(listed) < MENU_BUSINESSES else None


def acting_business(request):
    """The business the applicant currently acts for, re-checked against the registry on every request (a
    role that ended since it was chosen no longer counts); None when acting as themselves."""
    cached = getattr(request, "_esb_acting_business", False)
    if cached is not False:
        return cached
    business = None
    business_id = request.session.get(ACTING_FOR_SESSION_KEY) if hasattr(request, "session") else None
    if business_id is not None and getattr(request, "user", None) is not None:
        listed = menu_businesses(request)
        business = next((b for b in listed if str(b.pk) == str(business_id)), None)
        if business is None and len(listed) == MENU_BUSINESSES:  # beyond the menu: ask the registry
            business = businesses_of(request.user).filter(pk=business_id).first()
    request._esb_acting_business = business
    return business
