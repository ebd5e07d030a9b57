"""The transfer's own services: verification (核验), start, the district's exception, completion.

The engine's verbs (submit, approve, reject, return, withdraw) in changes.services move the case;
these functions hold the rules only a transfer has (R10.1–R10.11, R11.1).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from xueji.audit.services import access_record, audit_record
from xueji.changes import services as engine
from xueji.changes.kinds.transfer import GROUNDS, NATURES, SCOPES
from xueji.changes.models import Case, CaseEvent
from xueji.core import clock, identity
from xueji.core.errors import RuleViolation, RuleViolations
from xueji.org.models import Role, School, SchoolClass, Semester
from xueji.org.permissions import require_role
from xueji.students.models import Enrollment, Student

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


def transfer_verify(*, requested_by: Any, id_number: str, name: str) -> Verified | None:
    """Verify a student online by ID number + name (R10.3, R10.6: never a 学籍证明).

    Searches the whole deployment (the student is, by nature, at another school) but answers only
    the facts needed to proceed, and only when both the number and the name match.
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
        action="transfer.verify",
        subject=row.student if row else None,
        school=row.school if row else requested_by.school,
        note=f"核验 {identity.mask_id_number(number)} {'找到' if row else '未找到'}",
    )
    if row is None:
        return None
    return Verified(
        student_id=row.student_id,
        name=row.student.name,
        school=row.school.name,
        grade=row.grade,
        status=row.get_status_display(),
        masked_id=identity.mask_id_number(number),
    )


@transaction.atomic
def transfer_start(
    *,
    actor: Any,
    student: Student | None,
    facts: Mapping[str, Any],
    school_class: SchoolClass | None = None,
) -> Case:
    """The transfer-in school opens a transfer (R10.2). ``student`` is None for a student whose
    record is in another province; ``facts["external"]`` then describes it."""
    require_role(actor, (Role.REGISTRAR,))
    school: School = actor.school
    errors: list[RuleViolation] = []
    clean = _clean_facts(facts, errors)
    source: Enrollment | None = None
    if student is not None:
        source = (
            Enrollment.objects.select_for_update()
            .select_related("school__district")
            .get(student=student, is_current=True)
        )
        _check_source(actor, school, source)
        engine.check_no_open_case(student)
        clean["grade"] = source.grade  # R10.11: 平级转学
        same_province = source.school.district.code[:2] == school.district.code[:2]
        clean["scope"] = "intra_province" if same_province else "cross_province"
    else:
        # A record outside this deployment: the registrar says whether it is in another province.
        clean["grade"] = _external_grade(clean, errors)
        clean["scope"] = str(facts.get("scope") or "cross_province")
        if clean["scope"] not in SCOPES:
            errors.append(
                RuleViolation(
                    rule="R10.5", code="required", field="scope", message="请选择省内转学或跨省转学。"
                )
            )
    if errors:
        raise RuleViolations(errors)
    grade = clean["grade"]
    if not school.offers_grade(grade):
        raise RuleViolation(
            rule="R10.11",
            code="grade_not_offered",
            field="grade",
            message=f"{school.name}不设{grade}年级。转学须平级转入（原年级 {grade}），请核对。",
        )
    _check_capacity(school, grade, school_class)  # R10.3
    if clean["scope"] == "intra_province":
        _check_window(school)  # R10.7
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
            raise RuleViolation(
                rule="R11.1",
                code="record_moves_required",
                field="record_moves",
                message="特殊教育学校与普通学校之间转学，学籍可以转入新学校，也可以保留在原学校，请选择（第十一条）。",
            )
        clean["record_moves"] = bool(facts.get("record_moves"))
    clean["class_id"] = school_class.pk if school_class else None
    clean["warnings"] = warnings
    return engine.case_open(
        actor=actor, kind="transfer", school=school, student=student, other_school=other, facts=clean
    )


def _clean_facts(facts: Mapping[str, Any], errors: list[RuleViolation]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, table, label, rule in (
        ("grounds", GROUNDS, "转学理由", "R10.1"),
        ("nature", NATURES, "转学性质", "R10.3"),
    ):
        value = str(facts.get(key) or "")
        if value not in table:
            errors.append(
                RuleViolation(
                    rule=rule,
                    code="required",
                    field=key,
                    message=f"请选择{label}：{'、'.join(table.values())}。",
                )
            )
        clean[key] = value
    reason = str(facts.get("reason") or "").strip()
    if not reason:
        errors.append(
            RuleViolation(
                rule="R10.5", code="required", field="reason", message="请简要注明转学原因（第十条）。"
            )
        )
    clean["reason"] = reason[:300]
    if isinstance(facts.get("external"), Mapping):
        clean["external"] = {k: str(v)[:100] for k, v in facts["external"].items()}
    return clean


def _external_grade(clean: dict[str, Any], errors: list[RuleViolation]) -> int:
    external = clean.get("external") or {}
    missing = [
        label
        for key, label in (("name", "学生姓名"), ("province", "转出省份"), ("school", "转出学校"))
        if not external.get(key)
    ]
    if missing:
        errors.append(
            RuleViolation(
                rule="R10.5",
                code="external_required",
                field="external",
                message=f"本系统中未找到该学生，请填写转出方信息：{'、'.join(missing)}。",
            )
        )
    try:
        grade = int(external.get("grade", 0))
    except (TypeError, ValueError):
        grade = 0
    if not 1 <= grade <= 9:
        errors.append(
            RuleViolation(
                rule="R10.11", code="required", field="grade", message="请填写学生现就读年级（1–9）。"
            )
        )
    return grade


def _check_source(actor: Any, school: School, source: Enrollment) -> None:
    if source.school_id == school.pk:
        raise RuleViolation(
            rule="R10.8",
            code="own_student",
            field="student",
            message="该学生是本校学生。转学由转入学校发起，学校不得为本校学生办理转出（第十条第四款：不得责令学生转学）。",
        )
    if source.status == Enrollment.Status.SUSPENDED:
        raise RuleViolation(
            rule="R10.11",
            code="suspended",
            field="student",
            message="该学生正在休学，休学期间不能转学。请先办理复学，再办理转学。",
        )
    if source.status != Enrollment.Status.ENROLLED:
        raise RuleViolation(
            rule="R10.11",
            code="not_enrolled",
            field="student",
            message=f"该学生学籍状态为“{source.get_status_display()}”，只有在读学生可以办理转学。",
        )


def _check_capacity(school: School, grade: int, school_class: SchoolClass | None) -> None:
    """R10.3: the grade (and the chosen class) must have a free seat."""
    capacity = school.capacities.filter(grade=grade).first()
    enrolled = Enrollment.objects.filter(school=school, grade=grade, is_current=True).count()
    if capacity is not None and enrolled >= capacity.seats:
        raise RuleViolation(
            rule="R10.3",
            code="grade_full",
            field="grade",
            message=f"本校{grade}年级学位已满（{enrolled}/{capacity.seats}），不能接收转学（第十条：根据学位情况审验）。",
        )
    if school_class is not None:
        if school_class.school_id != school.pk or school_class.grade != grade:
            raise RuleViolation(
                rule="R10.3",
                code="class_mismatch",
                field="school_class",
                message=f"请选择本校{grade}年级的班级。",
            )
        in_class = Enrollment.objects.filter(school_class=school_class, is_current=True).count()
        if in_class >= school_class.capacity:
            raise RuleViolation(
                rule="R10.3",
                code="class_full",
                field="school_class",
                message=f"{school_class.name}已满（{in_class}/{school_class.capacity}），请选择其他班级。",
            )


def _check_window(school: School) -> None:
    """R10.7: an intra-province transfer within two calendar months after the semester starts."""
    from xueji.core.calendar import within_months_after

    today = clock.today()
    semester = Semester.objects.filter(start__lte=today, end__gte=today).first()
    if semester is None or not within_months_after(semester.start, today, 2):
        window = f"（本学期 {semester.start:%Y年%m月%d日} 开学）" if semester else "（当前不在学期内）"
        raise RuleViolation(
            rule="R10.7",
            code="outside_window",
            field="scope",
            message=f"省内转学一般在新学期开学后两个月内办理{window}，现已超出办理时间（第十条第三款）。",
        )


@transaction.atomic
def transfer_grant_exception(*, actor: Any, case: Case, reason: str) -> Case:
    """R10.9: a district officer allows a transfer between two Beiguan schools, with a reason."""
    case = Case.objects.select_for_update().select_related("school__district").get(pk=case.pk)
    require_role(actor, (Role.DISTRICT_OFFICER,), school=case.school)
    if not case.facts.get("needs_exception") or not case.is_open:
        raise RuleViolation(rule="R10.9", code="no_exception_needed", message="该转学不需要例外批准。")
    if not reason.strip():
        raise RuleViolation(
            rule="R10.9", code="reason_required", field="comment", message="请写明例外批准的理由。"
        )
    case.facts = {
        **case.facts,
        "exception": {"reason": reason.strip()[:300], "by": actor.full_name or actor.username},
    }
    case.save(update_fields=["facts"])
    CaseEvent.objects.create(
        case=case,
        actor=actor,
        step_key=case.step_key,
        action=CaseEvent.Action.APPROVE,
        comment=f"区内转学例外批准：{reason.strip()}",
    )
    audit_record(
        actor=actor,
        action="transfer.exception",
        subject=case,
        school=case.school,
        rules=["R10.9"],
        note=reason,
    )
    return case


def transfer_complete(*, case: Case, actor: Any) -> None:
    """R10.10: the enrollment moves to the new school in the completing transaction; the old
    enrollment stays, closed, for the old school's read-only view (the archive hand-over, R8.1,
    hooks in here later); the transfer-in registrar then places the student in a class."""
    if case.student_id is None:
        return  # a record from another province arrives through "import an existing record"
    if case.facts.get("record_moves") is False:
        return  # R11.1: the record stays at the old school
    old = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("school", "school_class")
        .get(student_id=case.student_id, is_current=True)
    )
    case.facts = {**case.facts, "snapshot": record_snapshot(old)}
    old.is_current, old.status = False, Enrollment.Status.TRANSFERRED_OUT
    old._history_user = actor  # type: ignore[attr-defined]
    old.save()
    class_id = case.facts.get("class_id")
    new = Enrollment(
        student_id=case.student_id,
        school=case.school,
        school_class_id=class_id,
        grade=old.grade,
        gender=old.gender,
        entry_date=clock.today(),
        entry_mode=old.entry_mode,
        attendance_mode=old.attendance_mode,
        source=old.source,
        origin=Enrollment.Origin.TRANSFER,
        record_due=old.record_due,
    )
    new._history_user = actor  # type: ignore[attr-defined]
    new.save()


def record_snapshot(enrollment: Enrollment) -> dict[str, Any]:
    """The record as it was when it left the school (R8.1: the old school keeps a read-only,
    checksummed copy). Labels and shown values, so it reads the same after code tables change."""
    student = enrollment.student
    rows: list[list[str]] = []
    for field in Student._meta.concrete_fields:
        if field.name in ("id", "is_complete", "created_at", "updated_at", "name_initials"):
            continue
        value = getattr(student, field.name)
        shown = dict(field.choices).get(value, value) if field.choices else value
        rows.append([str(field.verbose_name), "" if shown is None else str(shown)])
    placement = [
        ["学校", enrollment.school.name],
        ["年级班级", enrollment.placement],
        ["入学日期", enrollment.entry_date.isoformat()],
        ["建籍方式", enrollment.get_origin_display()],
    ]
    family = [
        [f"{m.get_position_display()}", f"{m.name}（{m.get_relation_display()}）"]
        for m in student.family.order_by("position")
    ]
    body = {"student": rows, "enrollment": placement, "family": family, "taken_on": clock.today().isoformat()}
    digest = hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    return {**body, "sha256": digest}
