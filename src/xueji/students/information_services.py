"""A guardian's request to change the student's base information (R9.1): checked in full when the
registrar files it (so the school and the district decide on a request that can take effect) and
again when the last approval applies it, through ``information_change_apply``, the one writer.

The request covers the student's own fields (the national form's items 1–48). A changed name or
ID number is checked again for duplicates (R6.2); a J or L student who now has a resident ID takes
the G number, the old number kept as an alias (R6.4); a G number never follows a corrected ID.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict

from xueji.audit import actions
from xueji.audit.services import audit_record
from xueji.core import clock, identity
from xueji.core.errors import Conflict, RuleViolation, RuleViolations
from xueji.org.models import User
from xueji.students import completeness, rules, status, validation
from xueji.students.display import shown
from xueji.students.models import Enrollment, Student
from xueji.students.services import check_attendance, xjh_move

KEY_FIELDS = validation.KEY_FIELDS
FIELDS = validation.STUDENT_FIELDS  # what a request may change: the student's own fields
_IDENTITY = ("id_type", "id_number", "birth_date", "gender")  # read together by the ID check (R6.3)

MSG_NOTHING = "请至少填写一项变更后的信息（第九条）。"
MSG_SAME = "填写的变更后信息与现有信息相同，无需变更。"
MSG_ID_TAKEN = (
    "该身份证件号已登记在本系统另一名学生的学籍上，不能变更为该号码（第六条：一人一籍，不得重复建立学籍）。"
    "请对照户口簿、身份证核对号码；确属同一人重复建籍的，请联系区教育局核查。"
)
MSG_STALE = (
    "「{label}」在申请提交后已被修改（现为“{now}”，申请时为“{then}”），本申请不能按原内容生效。"
    "请退回学校，由学籍管理员撤回后按现有信息重新申请（第九条）。"
)


@dataclass(frozen=True)
class Checked:
    """A request as it would take effect: the new values (stored form), the same as JSON with the
    old values (``diff``: field → [old, new]), whether key information changes (the district
    decides, R9.1) and the warnings the approvers read."""

    values: dict[str, Any]
    diff: dict[str, list[Any]]
    key: bool
    warnings: list[str]


def as_json(value: Any) -> Any:
    """A stored value as the case keeps it: dates as ISO text, decimals as text."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def information_change_check(
    student: Student, requested: Mapping[str, Any], *, confirm_region: bool = False
) -> Checked:
    """The request checked against the record as it is now: every field validated as at
    registration, the identity read as a whole (R6.3), the merged record consistent, a changed ID
    number held by nobody else (R6.2). Every refusal at once."""
    raw = {f: v for f, v in requested.items() if f in FIELDS and v not in (None, "")}
    if not raw:
        raise RuleViolation(rule="R9.1", code="nothing_to_change", field="changes", message=MSG_NOTHING)
    current = model_to_dict(student)
    given = dict(raw)
    if set(raw) & set(_IDENTITY):  # the ID number is read with the birth date and gender it states
        for field in _IDENTITY:
            given.setdefault(field, current[field])
    values, warnings = validation.clean_student(
        given, partial=True, today=clock.today(), confirm_region=confirm_region
    )
    new = {f: values[f] for f in raw if values.get(f) != current[f]}
    if not new:
        raise RuleViolation(rule="R9.1", code="same_values", field="changes", message=MSG_SAME)
    merged = {**current, **new}
    errors = validation.check_consistency(merged)
    if errors:
        raise RuleViolations(errors)
    enrollment = Enrollment.objects.filter(student=student, is_current=True).only("attendance_mode").first()
    check_attendance(merged, {"attendance_mode": enrollment.attendance_mode if enrollment else ""})
    if {"id_type", "id_number"} & set(new) and merged["id_number"]:
        others = Student.objects.filter(id_type=merged["id_type"], id_number=merged["id_number"])
        if others.exclude(pk=student.pk).exists():  # R6.2, without naming where (the name may differ)
            raise Conflict(rule="R6.2", code="duplicate", field="id_number", message=MSG_ID_TAKEN)
    if {"name", "birth_date", "gender"} & set(new):
        alike = (
            Student.objects.filter(
                name=merged["name"], birth_date=merged["birth_date"], gender=merged["gender"]
            )
            .exclude(pk=student.pk)
            .count()
        )
        if alike:
            warnings.append(
                f"系统中另有 {alike} 名学生姓名、出生日期、性别与变更后相同，请核实不是同一人重复建籍（第六条）。"
            )
    diff = {f: [as_json(current[f]), as_json(v)] for f, v in new.items()}
    return Checked(values=new, diff=diff, key=bool(set(new) & set(KEY_FIELDS)), warnings=warnings)


@transaction.atomic
def information_change_apply(
    *,
    actor: User,
    student_id: int,
    diff: Mapping[str, list[Any]],
    reference: str,
    confirm_region: bool = False,
) -> Student:
    """R9.1: the approved request takes effect: the record changes (history, one audit event), the
    enrollment's copied gender with it, a J or L student with a new resident ID takes the G number
    (R6.4). Called by the engine in the approving transaction, after the last step's approval;
    nothing changes if the record moved since the request was filed."""
    student = Student.objects.select_for_update().get(pk=student_id)
    enrollment = student.enrollments.select_related("school__district").get(is_current=True)
    rules.refuse_closed(enrollment.status)  # R15.1, R13.2: a closed record no longer changes
    current = model_to_dict(student)
    for field, (then, _new) in diff.items():
        if as_json(current[field]) != then:
            raise RuleViolation(
                rule="R9.1",
                code="changed_meanwhile",
                field=field,
                message=MSG_STALE.format(
                    label=FIELDS[field][0], now=shown(field, current[field]), then=shown(field, then)
                ),
            )
    checked = information_change_check(
        student, {f: new for f, (_old, new) in diff.items()}, confirm_region=confirm_region
    )
    for field, value in checked.values.items():
        setattr(student, field, value)
    old_xjh = student.xjh
    if student.xjh[:1] in ("J", "L") and student.id_type == "1" and student.id_number:
        xjh_move(student, identity.g_number(student.id_number))  # R6.4: the J/L number stays an alias
    student.form_complete = not rules.missing_fields(
        model_to_dict(student), [model_to_dict(m) for m in student.family.all()]
    )
    completeness.judge(student, enrollment.school.district)
    student._history_user = actor  # type: ignore[attr-defined]
    try:
        with transaction.atomic():  # the ID taken at this instant by a registration elsewhere
            student.save()
    except IntegrityError as exc:
        raise Conflict(rule="R6.2", code="duplicate", field="id_number", message=MSG_ID_TAKEN) from exc
    if "gender" in checked.values:
        status.enrollments_copy_gender(student=student)
    changes = {f: [shown(f, old), shown(f, new)] for f, (old, new) in checked.diff.items()}
    if student.xjh != old_xjh:
        changes["xjh"] = [old_xjh, student.xjh]
    audit_record(
        actor=actor,
        action=actions.STUDENT_INFORMATION_CHANGE,
        subject=student,
        school=enrollment.school,
        changes=changes,
        rules=["R9.1", *(["R6.4"] if student.xjh != old_xjh else [])],
        note="；".join([reference, *checked.warnings]),
    )
    return student
