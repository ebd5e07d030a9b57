"""Reads of schools, classes and school years, scoped to the requesting user (R2.2)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from xueji.core.calendar import scope_filter, scope_ranks
from xueji.core.models import CalendarOverride, CalendarYear
from xueji.org.models import (
    Jurisdiction,
    RegistrarFiling,
    Role,
    School,
    SchoolClass,
    SchoolYear,
    Semester,
    User,
)
from xueji.org.permissions import READ_AUDIT

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _Counted(TypedDict):
    students: int  # the class's current enrollments


def school_list(*, requested_by: Any) -> QuerySet[School]:
    user = requested_by
    base = School.objects.select_related("district")
    if not user.is_authenticated or not user.is_active:
        return base.none()
    if user.is_school_user:
        return base.filter(pk=user.school_id)
    if user.is_district_user and user.role != Role.AUDITOR:
        return base.filter(district__code__startswith=user.jurisdiction.scope_prefix)
    return base.none()


def school_get(*, requested_by: Any, pk: Any) -> School:
    """One school, or 404 for one that is missing or outside the user's scope (the same answer)."""
    try:
        return school_list(requested_by=requested_by).get(pk=int(pk))
    except (School.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def school_get_by_code(*, requested_by: Any, code: str) -> School:
    try:
        return school_list(requested_by=requested_by).get(code=code)
    except School.DoesNotExist as exc:
        raise Http404 from exc


def class_list(
    *, requested_by: Any, school: School, school_year: SchoolYear | None = None
) -> QuerySet[WithAnnotations[SchoolClass, _Counted]]:
    school_get(requested_by=requested_by, pk=school.pk)  # scope check
    classes = SchoolClass.objects.filter(school=school).select_related("school_year")
    if school_year is not None:
        classes = classes.filter(school_year=school_year)
    return classes.annotate(students=Count("enrollments", filter=Q(enrollments__is_current=True)))


def school_year_for(day: dt.date) -> SchoolYear | None:
    return SchoolYear.objects.filter(start__lte=day, end__gte=day).first()


def current_school_year(today: dt.date) -> SchoolYear | None:
    return school_year_for(today) or SchoolYear.objects.filter(start__lte=today).order_by("-start").first()


def autumn_semester(start_year: int) -> Semester | None:
    return Semester.objects.filter(school_year__start_year=start_year, term=Semester.Term.AUTUMN).first()


def jurisdiction_districts(*, requested_by: Any) -> QuerySet[Jurisdiction]:
    user = requested_by
    if not user.is_district_user:
        return Jurisdiction.objects.none()
    return Jurisdiction.objects.filter(
        level=Jurisdiction.Level.DISTRICT, code__startswith=user.jurisdiction.scope_prefix
    )


# ---------------------------------------------------------------------- semesters and the calendar


def semester_of(day: dt.date) -> Semester | None:
    """The semester whose dates include ``day`` (None in the holidays between two semesters)."""
    return Semester.objects.select_related("school_year").filter(start__lte=day, end__gte=day).first()


def semester_last_started(day: dt.date) -> Semester | None:
    """The latest semester that started on or before ``day``: in the holidays, the one just ended."""
    return Semester.objects.select_related("school_year").filter(start__lte=day).order_by("-start").first()


# ---------------------------------------------------------------------- reads for the admin pages


def _visible_scope(user: Any) -> Q | None:
    """Overrides a user may read: deployment-wide ones, those above their unit and those under it."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Q()
    if user.school_id:
        unit = user.school.district
    elif user.jurisdiction_id:
        unit = user.jurisdiction
    else:
        return None
    ranks = scope_ranks(unit)
    return scope_filter(ranks) | Q(jurisdiction__code__startswith=unit.scope_prefix)


def calendar_override_list(*, requested_by: Any) -> QuerySet[CalendarOverride]:
    scope = _visible_scope(requested_by)
    rows = CalendarOverride.objects.select_related("jurisdiction", "updated_by")
    return rows.none() if scope is None else rows.filter(scope)


def calendar_year_list(*, requested_by: Any) -> QuerySet[CalendarYear]:
    scope = _visible_scope(requested_by)
    rows = CalendarYear.objects.select_related("jurisdiction", "loaded_by")
    return rows.none() if scope is None else rows.filter(scope)


def calendar_writable_jurisdictions(*, requested_by: Any) -> QuerySet[Jurisdiction]:
    """Jurisdictions whose local calendar the user may write (org.calendar_services decides the same way)."""
    user = requested_by
    if user is None or not user.is_authenticated or not user.is_active:
        return Jurisdiction.objects.none()
    if user.is_superuser:
        return Jurisdiction.objects.all()
    if user.role != Role.DISTRICT_ADMIN or not user.jurisdiction_id:
        return Jurisdiction.objects.none()
    return Jurisdiction.objects.filter(code__startswith=user.jurisdiction.scope_prefix)


def registrar_filings(*, requested_by: Any) -> QuerySet[RegistrarFiling]:
    """R19: the filings a school's approver (its own school) or a district officer (the schools
    under the district) reads; nobody else. Newest first."""
    user = requested_by
    rows = RegistrarFiling.objects.select_related("school", "user", "replaces", "filed_by", "decided_by")
    if not user.is_authenticated or not user.is_active:
        return rows.none()
    if user.role == Role.SCHOOL_APPROVER:
        return rows.filter(school_id=user.school_id).order_by("-id")
    if user.role == Role.DISTRICT_OFFICER:
        return rows.filter(school__district__code__startswith=user.jurisdiction.scope_prefix).order_by("-id")
    return rows.none()


def registrar_accounts(*, requested_by: Any) -> QuerySet[User]:
    """The registrar accounts of the approver's school, each with ``live`` = its live filing's state
    (grace, filed or active; None when unfiled), in one query."""
    user = requested_by
    if user.role != Role.SCHOOL_APPROVER or not user.is_active:
        return User.objects.none()
    live = RegistrarFiling.objects.filter(user=OuterRef("pk"), state__in=["grace", "filed", "active"]).values(
        "state"
    )[:1]
    return (
        User.objects.filter(school_id=user.school_id, role=Role.REGISTRAR, is_active=True)
        .annotate(live=Subquery(live))
        .order_by("full_name")
    )


def registrar_own_filing(*, requested_by: Any) -> RegistrarFiling | None:
    """The registrar's own newest filing at its school (what its home says about R19.1)."""
    user = requested_by
    if user.role != Role.REGISTRAR:
        return None
    return RegistrarFiling.objects.filter(user_id=user.pk, school_id=user.school_id).order_by("-id").first()


def audit_schools(*, requested_by: Any) -> QuerySet[School]:
    """The schools an auditor's log covers (its page's school filter): those under its jurisdiction."""
    user = requested_by
    if not user.is_authenticated or not user.has_role(*READ_AUDIT):
        return School.objects.none()
    return School.objects.filter(district__code__startswith=user.jurisdiction.scope_prefix).order_by("code")


def accounts_of(*, requested_by: Any) -> QuerySet[User]:
    """The accounts a security administrator keeps: those of the schools and units under its
    jurisdiction (三权分立: accounts are its task, not the system administrator's)."""
    user = requested_by
    if not user.is_authenticated or not user.has_role(Role.SECURITY_ADMIN):
        return User.objects.none()
    prefix = user.jurisdiction.scope_prefix
    return User.objects.filter(
        Q(school__district__code__startswith=prefix) | Q(jurisdiction__code__startswith=prefix)
    )
