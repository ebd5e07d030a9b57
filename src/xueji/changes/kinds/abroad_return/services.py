"""The start of a return from abroad at this school (R12.7): the grade by continuity."""

from __future__ import annotations

import datetime as dt
from typing import Any

from xueji.changes.kinds.abroad_return.kind import ABROAD_RETURN
from xueji.changes.kinds.own_student import Starter
from xueji.core.errors import RuleViolation
from xueji.org.models import Semester
from xueji.students.models import Enrollment, StatusPeriod


def continuity_grade(grade: int, left_on: dt.date, returns_on: dt.date, *, last: int) -> int:
    """The grade by continuity: the grade the student left in, one more for each school year
    begun since (a new year begins with the autumn term), capped at the school's last grade."""
    years = (
        Semester.objects.filter(term=Semester.Term.AUTUMN, start__gt=left_on, start__lte=returns_on).count()
        if returns_on > left_on
        else 0
    )
    return min(grade + years, last)


def _derive(enrollment: Enrollment, clean: dict[str, Any], errors: list[RuleViolation]) -> None:
    period = StatusPeriod.objects.filter(student_id=enrollment.student_id, closed_on__isnull=True).first()
    returns_on = clean.get("returns_on")
    if period is not None and returns_on:
        clean["proposed_grade"] = continuity_grade(
            enrollment.grade,
            period.starts_on,
            dt.date.fromisoformat(returns_on),
            last=enrollment.school.grade_to,
        )


STARTER = Starter(
    kind=ABROAD_RETURN,
    statuses=ABROAD_RETURN.for_statuses,
    need="只有出国（境）学习的学生可以办理回国（境）复学",
    derive=_derive,
    only=("returns_on", "guardian_name", "reason"),
)
abroad_return_start = STARTER.start
