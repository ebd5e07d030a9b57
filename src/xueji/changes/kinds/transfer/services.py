"""The transfer's own services: verification (核验), start and the district's exception.

The engine's verbs (submit, approve, reject, return, withdraw) in changes.services move the case;
these functions hold the rules only a transfer has (R10.1–R10.11, R11.1). The completion's effect
is the kind's (kind.Transfer.on_complete), through the students app's status writer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from xueji.audit import actions
from xueji.audit.services import access_record
from xueji.changes import services as engine
from xueji.changes.kinds.own_student import KEPT_WHILE_MISSING
from xueji.changes.kinds.transfer.kind import REFUSALS, TRANSFER, WINDOW_MONTHS, exception_subject
from xueji.changes.kinds.transfer.models import Verification
from xueji.changes.kinds.transfer.schemas import FACTS
from xueji.changes.models import Case
from xueji.core import clock, identity
from xueji.core.calendar import months_window_last_day, within_months_after
from xueji.core.errors import RuleViolation, RuleViolations
from xueji.org.models import Role, School, SchoolClass, Semester, User
from xueji.org.permissions import require_role
from xueji.students.models import Enrollment, Student

# 在读, and 出国（境）: a student back from abroad who goes to another school continues the record
# there by transfer (R12.7).
# R13.2: a dropped-out student who returns at another school continues the record there too.
TRANSFERABLE = (Enrollment.Status.ENROLLED, Enrollment.Status.ABROAD, Enrollment.Status.DROPPED_OUT)
GRADUATING_GRADES = (6, 9)
STARTING_GRADES = (1, 7)


@dataclass(frozen=True)
class Verified:
    """What 核验 returns: only what the transfer-in school needs to proceed (R10.3, R21.1)."""

    student_id: int
    name: str
    school: str
    grade: int
    status: str
    masked_id: str


@transaction.atomic
def transfer_verify(*, requested_by: User, id_number: str, name: str) -> Verified | None:
    """Verify a student online by ID number + name (R10.3, R10.6: never a 学籍证明).

    Searches the whole deployment (the student is, by nature, at another school) but answers only
    the facts needed to proceed, and only when both the number and the name match. A match is
    recorded (Verification): for 24 hours it lets this registrar start the student's transfer.
    """
    require_role(requested_by, (Role.REGISTRAR,))
    number = identity.normalize_id_number(id_number)
    row = (
        Enrollment.objects.filter(is_current=True, student__id_number=number, student__name=name.strip())
        .select_related("student", "school__district")
        .first()
    )
    access_record(
        actor=requested_by,
        action=actions.TRANSFER_VERIFY,
        subject=row.student if row else None,
        school=row.school if row else requested_by.school,
        note=f"核验 {identity.mask_id_number(number)} {'找到' if row else '未找到'}",
    )
    if row is None:
        return None
    Verification.objects.create(registrar=requested_by, student=row.student)
    return Verified(
        student_id=row.student_id,
        name=row.student.name,
        school=row.school.name,
        grade=row.grade,
        status=row.get_status_display(),
        masked_id=identity.mask_id_number(number),
    )


def transfer_start(
    *,
    actor: User,
    student: Student | None,
    facts: Mapping[str, Any],
    school_class: SchoolClass | None = None,
) -> Case:
    """The transfer-in school opens a transfer (R10.2). ``student`` is None for a student whose
    record is in another province; ``facts["external"]`` then describes it."""
    require_role(actor, (Role.REGISTRAR,))
    if student is None:
        _refuse_external_held_here(actor, facts)
    return _transfer_start(actor=actor, student=student, facts=facts, school_class=school_class)


def _refuse_external_held_here(actor: User, facts: Mapping[str, Any]) -> None:
    """R6.2: a student "outside the system" whose ID number this deployment holds is not outside
    it: a second record would follow. Refused without naming the school (the verification, which
    checks the name too, is the way to it), and the lookup is logged — before and outside the
    case's transaction, so the log survives the refusal."""
    external = facts.get("external") or {}
    raw = str(external.get("id_number") or "").strip() if isinstance(external, Mapping) else ""
    if not raw:
        return
    number = identity.normalize_id_number(raw)
    holder = Student.objects.filter(id_number=number).values_list("pk", flat=True).first()
    if holder is None:
        return
    access_record(
        actor=actor,
        action=actions.STUDENT_DUPLICATE_LOOKUP,
        subject=Student(pk=holder),
        school=actor.school,
        note="系统外转学：证件号已有学籍，未告知学校",
    )
    raise REFUSALS["external_held"]()


@transaction.atomic
def _transfer_start(
    *,
    actor: User,
    student: Student | None,
    facts: Mapping[str, Any],
    school_class: SchoolClass | None = None,
) -> Case:
    school = actor.school
    assert school is not None  # a registrar's account names the school
    clean, errors = FACTS.clean(facts, only=("grounds", "nature", "reason"))
    source: Enrollment | None = None
    if student is not None:
        source = (
            Enrollment.objects.select_for_update()
            .select_related("school__district")
            .get(student=student, is_current=True)
        )
        _check_source(school, source)
        engine.check_no_open_case(student, kind=TRANSFER)
        clean["grade"] = source.grade  # R10.11: 平级转学
        same_province = source.school.district.code[:2] == school.district.code[:2]
        clean["scope"] = "intra_province" if same_province else "cross_province"
    else:
        # A record outside this deployment: the registrar says whether it is in another province.
        external, _ = FACTS.clean(facts, only=("external", "scope"))
        clean["external"] = {k: v for k, v in external["external"].items() if v}
        clean["grade"] = _external_grade(clean["external"], errors)
        clean["scope"] = str(facts.get("scope") or "cross_province")
        if clean["scope"] not in FACTS.get("scope").choices:
            errors.append(
                RuleViolation(
                    rule="R10.5", code="required", field="scope", message="请选择省内转学或跨省转学。"
                )
            )
    if errors:
        raise RuleViolations(errors)
    grade = clean["grade"]
    if not school.offers_grade(grade):
        raise REFUSALS["grade_not_offered"](school=school.name, grade=grade)
    _check_capacity(school, grade, school_class)  # R10.3
    if clean["scope"] == "intra_province":
        # R10.7: outside the window the case can be prepared, not filed, without an exception.
        next_window = window_closed(school)
        if next_window is not None:
            clean["outside_window"] = True
            clean["next_window"] = next_window
    warnings = []
    if grade in GRADUATING_GRADES:
        warnings.append("毕业年级学生转学，请与转出学校确认毕业手续安排（提示，不阻止）。")
    if grade in STARTING_GRADES and student is None:
        warnings.append("起始年级新生尚无学籍的，应先在转出地建立学籍（提示，不阻止）。")
    other = source.school if source else None
    home = settings.XUEJI["HOME_DISTRICT_CODE"]
    # R10.9: within Beiguan schools in principle do not transfer to each other; the case waits
    # for a district officer's exception before it can be filed.
    clean["needs_exception"] = bool(other and other.district.code == home and school.district.code == home)
    special = {School.Kind.SPECIAL} & {school.kind, other.kind if other else None}
    if special:  # R11.1: the record may move or stay
        if "record_moves" not in facts:
            raise REFUSALS["record_moves_required"]()
        clean["record_moves"] = bool(facts.get("record_moves"))
    clean["class_id"] = school_class.pk if school_class else None
    clean["warnings"] = warnings
    return engine.case_open(
        actor=actor, kind=TRANSFER.key, school=school, student=student, other_school=other, facts=clean
    )


def _external_grade(external: Mapping[str, Any], errors: list[RuleViolation]) -> int:
    missing = [
        label
        for key, label in (("name", "学生姓名"), ("province", "转出省份"), ("school", "转出学校"))
        if not external.get(key)
    ]
    if missing:
        errors.append(REFUSALS["external_required"](missing="、".join(missing)))
    try:
        grade = int(external.get("grade", 0))
    except (TypeError, ValueError):
        grade = 0
    if not 1 <= grade <= 9:
        errors.append(REFUSALS["external_grade"]())
    return grade


def _check_source(school: School, source: Enrollment) -> None:
    if source.school_id == school.pk:
        raise REFUSALS["own_student"]()
    if source.status == Enrollment.Status.SUSPENDED:
        raise REFUSALS["suspended"]()
    if source.status == Enrollment.Status.MISSING:
        raise KEPT_WHILE_MISSING()  # R15.2
    if source.status not in TRANSFERABLE:
        raise REFUSALS["not_enrolled"](status=source.get_status_display())


def _check_capacity(school: School, grade: int, school_class: SchoolClass | None) -> None:
    """R10.3: the grade (and the chosen class) must have a free seat."""
    capacity = school.capacities.filter(grade=grade).first()
    enrolled = Enrollment.objects.filter(school=school, grade=grade, is_current=True).count()
    if capacity is not None and enrolled >= capacity.seats:
        raise REFUSALS["grade_full"](grade=grade, enrolled=enrolled, seats=capacity.seats)
    if school_class is not None:
        if school_class.school_id != school.pk or school_class.grade != grade:
            raise REFUSALS["class_mismatch"](grade=grade)
        in_class = Enrollment.objects.filter(school_class=school_class, is_current=True).count()
        if in_class >= school_class.capacity:
            raise REFUSALS["class_full"](
                name=school_class.name, enrolled=in_class, capacity=school_class.capacity
            )


def window_closed(school: School) -> str | None:
    """R10.7: None inside the window (two calendar months, or the district's limit, after the
    semester started); outside it, when the next window opens, as people read it."""
    today = clock.today()
    months = WINDOW_MONTHS.value(school.district)
    semester = Semester.objects.filter(start__lte=today, end__gte=today).first()
    if semester is not None and within_months_after(semester.start, today, months):
        return None
    upcoming = Semester.objects.filter(start__gt=today).order_by("start").first()
    if upcoming is None:
        return f"下学期开学后 {months} 个月内"
    last = months_window_last_day(upcoming.start, months)
    return f"{upcoming.start:%Y年%m月%d日}至{last:%Y年%m月%d日}"


@transaction.atomic
def transfer_grant_exception(*, actor: User, case: Case, reason: str) -> Case:
    """R10.9, R10.7: a district officer allows a transfer between two Beiguan schools, or one
    outside the two-month window, with a reason."""
    case = engine.lock(case)
    require_role(actor, (Role.DISTRICT_OFFICER,), school=case.school)
    if not (case.facts.get("needs_exception") or case.facts.get("outside_window")) or not case.is_open:
        raise REFUSALS["no_exception_needed"]()
    if not reason.strip():
        raise REFUSALS["reason_required"]()
    return engine.case_record_decision(
        actor=actor,
        case=case,
        facts={"exception_reason": reason.strip()[:300], "exception_by": actor.full_name or actor.username},
        comment=f"{exception_subject(case.facts)}例外批准：{reason.strip()}",
        action=actions.TRANSFER_EXCEPTION,
        rules=("R10.9",),
    )
