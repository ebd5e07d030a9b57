"""The start of a return from abroad at this school (R12.7): the grade by continuity."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from xueji.changes.kinds.abroad_return.kind import ABROAD_RETURN
from xueji.changes.kinds.own_student import open_for_own_student
from xueji.changes.models import Case
from xueji.core.errors import RuleViolation
from xueji.org.models import Semester, User
from xueji.students.models import Enrollment, StatusPeriod, Student


def continuity_grade(grade: int, left_on: dt.date, returns_on: dt.date, *, last: int) -> int:
    """The grade by continuity: the grade the student left in, one more for each school year
    begun since (a new year begins with the autumn term), capped at the school's last grade."""
    years = (
        Semester.objects.filter(term=Semester.Term.AUTUMN, start__gt=left_on, start__lte=returns_on).count()
        if returns_on > left_on
        else 0
    )
    return min(grade + years, last)


def abroad_return_start(*, actor: User, student: Student, facts: Mapping[str, Any]) -> Case:
    def derive(enrollment: Enrollment, clean: dict[str, Any], errors: list[RuleViolation]) -> None:
        period = StatusPeriod.objects.filter(student=student, closed_on__isnull=True).first()
        returns_on = clean.get("returns_on")
        if period is not None and returns_on:
            clean["proposed_grade"] = continuity_grade(
                enrollment.grade,
                period.starts_on,
                dt.date.fromisoformat(returns_on),
                last=enrollment.school.grade_to,
            )

    return open_for_own_student(
        actor=actor,
        kind=ABROAD_RETURN,
        student=student,
        facts=facts,
        statuses=ABROAD_RETURN.for_statuses,
        need="只有出国（境）学习的学生可以办理回国（境）复学",
        derive=derive,
        only=("returns_on", "guardian_name", "reason"),
    )
