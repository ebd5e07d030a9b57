"""Writes of master data: jurisdictions, schools, school years, semesters, classes, accounts.

District admins use these through Django admin; the demo seeds through them too. Each call runs in
one transaction and records one audit event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.forms.models import model_to_dict

from xueji.audit import actions
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.errors import RuleViolation, RuleViolations
from xueji.org.models import (
    ADMIN_ROLES,
    JURISDICTION_ROLES,
    SCHOOL_ROLES,
    STAFF_ROLES,
    GradeCapacity,
    Jurisdiction,
    Role,
    School,
    SchoolClass,
    SchoolYear,
    Semester,
    User,
)

MASTER_ROLES = (Role.DISTRICT_ADMIN,)
ACCOUNT_ROLES = (Role.SECURITY_ADMIN,)
SECRET_FIELDS = {"password"}  # never copied into the audit trail


def _require_admin(actor: Any, district: Jurisdiction | None = None, *, accounts: bool = False) -> None:
    """R2.2: master data is kept by district system administrators, accounts by district security
    administrators (等保 三权分立), each within their jurisdiction (or a superuser)."""
    if actor is None or not actor.is_active:
        raise PermissionDenied("账号不可用，不能维护基础数据。")
    if actor.is_superuser:
        return
    if accounts and not actor.has_role(*ACCOUNT_ROLES):
        raise PermissionDenied("只有区安全管理员可以开通和修改账号（三权分立）。")
    if not accounts and not actor.has_role(*MASTER_ROLES):
        raise PermissionDenied("只有区系统管理员可以维护基础数据。")
    if district is not None and not district.code.startswith(actor.jurisdiction.scope_prefix):
        raise PermissionDenied("该单位不在您的管辖范围内。")


def _require_account_change(actor: Any, user: User, before: dict[str, Any]) -> None:
    """三权分立: the three administrators' accounts are the superuser's to open and change, and no
    one changes their own role or unit."""
    if actor.is_superuser:
        return
    if user.role in ADMIN_ROLES or before.get("role") in ADMIN_ROLES:
        raise PermissionDenied("系统管理员、安全管理员和审计员的账号只能由超级用户开通和修改（三权分立）。")
    if user.pk == actor.pk:
        raise PermissionDenied("不能修改自己的角色和所属单位。")


def _full_clean(obj: models.Model, rule: str) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise RuleViolations(
            [
                RuleViolation(
                    rule=rule,
                    code="invalid",
                    field=None if field == "__all__" else field,
                    message="；".join(messages),
                )
                for field, messages in exc.message_dict.items()
            ]
        ) from exc


_M = TypeVar("_M", bound=models.Model)


@transaction.atomic
def master_data_save(*, actor: Any, obj: _M, district: Jurisdiction | None = None) -> _M:
    """Validate and save one master-data object, recording what changed (a role or a scope too)."""
    is_account = isinstance(obj, User)
    _require_admin(actor, district, accounts=is_account)
    before = {}
    if obj.pk:
        before = model_to_dict(type(obj)._default_manager.select_for_update().get(pk=obj.pk))
    if isinstance(obj, User):
        _require_account_change(actor, obj, before)
    rule = "R2.2" if isinstance(obj, User) else "R2.1"
    _full_clean(obj, rule)
    obj.save()
    after = model_to_dict(obj)
    changes = {
        k: [before.get(k), v] for k, v in after.items() if before.get(k) != v and k not in SECRET_FIELDS
    }
    audit_record(
        actor=actor,
        action=actions.base_data(type(obj).__name__, created=not before),
        subject=obj,
        school=obj if isinstance(obj, School) else getattr(obj, "school", None),
        changes=changes,
        rules=[rule],
    )
    return obj


def jurisdiction_create(
    *, actor: Any, code: str, name: str, level: str, parent: Jurisdiction | None
) -> Jurisdiction:
    jurisdiction = Jurisdiction(code=code, name=name, level=level, parent=parent)
    return master_data_save(actor=actor, obj=jurisdiction, district=jurisdiction)


def school_create(
    *,
    actor: Any,
    code: str,
    name: str,
    district: Jurisdiction,
    kind: str,
    grade_from: int | None = None,
    grade_to: int | None = None,
    address: str = "",
    capacity: Mapping[int, tuple[int, int]] | None = None,
) -> School:
    """A school with its grades and, per grade, (classes, seats per class) for the capacity check."""
    with transaction.atomic():
        default_from, default_to = School.DEFAULT_GRADES[kind]
        school = School(
            code=code,
            name=name,
            district=district,
            kind=kind,
            grade_from=grade_from or default_from,
            grade_to=grade_to or default_to,
            address=address,
        )
        master_data_save(actor=actor, obj=school, district=district)
        for grade, (classes, seats) in (capacity or {}).items():
            GradeCapacity.objects.create(school=school, grade=grade, classes=classes, seats_per_class=seats)
        return school


def school_year_create(*, actor: Any, start_year: int, start: dt.date, end: dt.date) -> SchoolYear:
    return master_data_save(actor=actor, obj=SchoolYear(start_year=start_year, start=start, end=end))


def semester_create(
    *,
    actor: Any,
    school_year: SchoolYear,
    term: str,
    start: dt.date,
    end: dt.date,
    teaching_weeks: int,
    teaching_hours: int,
) -> Semester:
    return master_data_save(
        actor=actor,
        obj=Semester(
            school_year=school_year,
            term=term,
            start=start,
            end=end,
            teaching_weeks=teaching_weeks,
            teaching_hours=teaching_hours,
        ),
    )


def class_create(
    *,
    actor: Any,
    school: School,
    school_year: SchoolYear,
    grade: int,
    number: int,
    capacity: int = 45,
    head_teacher: str = "",
) -> SchoolClass:
    _require_admin(actor, school.district)  # before anything about the school is revealed
    if not school.offers_grade(grade):
        raise RuleViolation(
            rule="R2.1", code="grade_not_offered", field="grade", message=f"{school.name}不设{grade}年级。"
        )
    return master_data_save(
        actor=actor,
        obj=SchoolClass(
            school=school,
            school_year=school_year,
            grade=grade,
            number=number,
            capacity=capacity,
            head_teacher=head_teacher,
        ),
        district=school.district,
    )


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    password: str,
    full_name: str,
    role: str,
    school: School | None = None,
    jurisdiction: Jurisdiction | None = None,
    phone: str = "",
) -> User:
    """An account bound to one school (school roles) or one jurisdiction (district roles) (R2.2)."""
    _require_admin(actor, school.district if school else jurisdiction, accounts=True)
    if role in SCHOOL_ROLES and (school is None or jurisdiction is not None):
        raise RuleViolation(
            rule="R2.2", code="unit", field="school", message="学校角色的账号必须且只能属于一所学校。"
        )
    if role in JURISDICTION_ROLES and (jurisdiction is None or school is not None):
        raise RuleViolation(
            rule="R2.2",
            code="unit",
            field="jurisdiction",
            message="区级角色的账号必须且只能属于一个行政区划。",
        )
    user = User(
        username=username,
        full_name=full_name,
        role=role,
        school=school,
        jurisdiction=jurisdiction,
        phone=phone,
        is_staff=role in STAFF_ROLES,  # the system and security administrators work in Django's admin
    )
    user.set_password(password)
    return master_data_save(actor=actor, obj=user, district=school.district if school else jurisdiction)


@transaction.atomic
def classes_for_next_year(
    *, actor: Any, school: School, school_year: SchoolYear, next_year: SchoolYear
) -> int:
    """R14.2: next year's classes made from this year's in one step, before the promotion: each
    class moves up a grade with its number, capacity and head teacher, and the first grade gets as
    many new classes as it has now. Classes the school already has for next year are kept; the
    school's registrar (or a district admin) edits them afterwards. Returns how many were made."""
    _require_class_keeper(actor, school, next_year)
    now = list(SchoolClass.objects.filter(school=school, school_year=school_year).order_by("grade", "number"))
    have = set(
        SchoolClass.objects.filter(school=school, school_year=next_year).values_list("grade", "number")
    )
    made = [
        SchoolClass(
            school=school,
            school_year=next_year,
            grade=c.grade + 1,
            number=c.number,
            capacity=c.capacity,
            head_teacher=c.head_teacher,
        )
        for c in now
        if school.offers_grade(c.grade + 1) and (c.grade + 1, c.number) not in have
    ]
    made += [
        SchoolClass(school=school, school_year=next_year, grade=c.grade, number=c.number, capacity=c.capacity)
        for c in now
        if c.grade == school.grade_from and (c.grade, c.number) not in have
    ]
    SchoolClass.objects.bulk_create(made)
    audit_record(
        actor=actor,
        action=actions.CLASSES_NEXT_YEAR,
        subject=school,
        school=school,
        changes={"classes": [len(have), len(have) + len(made)]},
        rules=["R14.2"],
        note=f"{school_year} → {next_year}",
    )
    return len(made)


def _require_class_keeper(actor: Any, school: School, school_year: SchoolYear) -> None:
    """Decision 0031: a school's registrar keeps the school's classes of a year that has not begun
    (next year's, before the promotion); every other class is master data of the district admins."""
    if actor is not None and actor.has_role(Role.REGISTRAR) and actor.school_id == school.pk:
        if school_year.start > clock.today():
            return
        raise PermissionDenied("学年开始后，班级由区系统管理员维护。")
    _require_admin(actor, school.district)


@transaction.atomic
def next_year_class_save(
    *, actor: Any, school_class: SchoolClass, capacity: int, head_teacher: str
) -> SchoolClass:
    """The registrar edits one of next year's classes (its capacity and head teacher)."""
    _require_class_keeper(actor, school_class.school, school_class.school_year)
    school_class.capacity, school_class.head_teacher = capacity, head_teacher.strip()
    _full_clean(school_class, "R14.2")
    before = SchoolClass.objects.select_for_update().get(pk=school_class.pk)
    school_class.save(update_fields=["capacity", "head_teacher"])
    audit_record(
        actor=actor,
        action=actions.base_data("SchoolClass", created=False),
        subject=school_class,
        school=school_class.school,
        changes={
            k: [getattr(before, k), getattr(school_class, k)]
            for k in ("capacity", "head_teacher")
            if getattr(before, k) != getattr(school_class, k)
        },
        rules=["R14.2"],
    )
    return school_class


@transaction.atomic
def next_year_class_add(*, actor: Any, school: School, school_year: SchoolYear, grade: int) -> SchoolClass:
    """One more class of ``grade`` next year, numbered after the grade's last one."""
    _require_class_keeper(actor, school, school_year)
    if not school.offers_grade(grade):
        raise RuleViolation(
            rule="R2.1", code="grade_not_offered", field="grade", message=f"{school.name}不设{grade}年级。"
        )
    last = (
        SchoolClass.objects.select_for_update()
        .filter(school=school, school_year=school_year, grade=grade)
        .order_by("-number")
        .first()
    )
    school_class = SchoolClass.objects.create(
        school=school,
        school_year=school_year,
        grade=grade,
        number=(last.number if last else 0) + 1,
        capacity=last.capacity if last else 45,
    )
    audit_record(
        actor=actor,
        action=actions.base_data("SchoolClass", created=True),
        subject=school_class,
        school=school,
        changes={"grade": [None, grade], "number": [None, school_class.number]},
        rules=["R14.2"],
    )
    return school_class


@transaction.atomic
def next_year_class_delete(*, actor: Any, school_class: SchoolClass) -> None:
    """Remove one of next year's classes while no student is in it."""
    _require_class_keeper(actor, school_class.school, school_class.school_year)
    if school_class.enrollments.exists():
        raise RuleViolation(
            rule="R14.2", code="class_in_use", field=None, message=f"{school_class.name}已有学生，不能删除。"
        )
    audit_record(
        actor=actor,
        action=actions.CLASS_DELETE,
        subject=school_class,
        school=school_class.school,
        changes={"class": [school_class.name, None]},
        rules=["R14.2"],
    )
    school_class.delete()
