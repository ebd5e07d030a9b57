"""The suspension's start (R12.1, R12.2, R12.4): the share of the semester computed from the
stated period, the period's end, every refusal at once with the days still missing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from xueji.changes.kinds.own_student import Starter
from xueji.changes.kinds.suspension.kind import REFUSALS, SUSPENSION, YEARS
from xueji.changes.kinds.suspension.rules import ILLNESS, LEAVE, Share
from xueji.core.calendar import WorkingCalendar
from xueji.core.errors import RuleViolation
from xueji.org.models import Semester
from xueji.students import rules as student_rules
from xueji.students.models import Enrollment

NEED = {ILLNESS: "达到三分之一以上（含三分之一）", LEAVE: "超过三分之一"}
WHAT = {ILLNESS: "治疗、休养的时间", LEAVE: "连续请假的时间"}


def semester_share(
    first: dt.date, last: dt.date, ground: str, *, district: Any
) -> tuple[Share, Semester] | None:
    """R12.1: the working days of [first, last] inside the semester in which ``first`` falls, over
    that semester's working days (both ends counted); None when ``first`` is in no semester."""
    semester = Semester.objects.filter(start__lte=first, end__gte=first).first()
    if semester is None:
        return None
    calendar = WorkingCalendar(district=district)
    calendar.load(semester.start - dt.timedelta(days=1), max(semester.end, last))
    day_before = dt.timedelta(days=1)
    total = calendar.working_days_between(semester.start - day_before, semester.end)
    days = calendar.working_days_between(first - day_before, min(last, semester.end))
    return Share(days=days, total=total, ground=ground), semester


def _derive(enrollment: Enrollment, clean: dict[str, Any], errors: list[RuleViolation]) -> None:
    ground = clean.get("ground")
    if ground == LEAVE and not clean.get("cause"):
        errors.append(REFUSALS["cause_required"]())
    if ground in (ILLNESS, LEAVE):
        _check_share(enrollment, clean, errors, ground)
    if clean.get("starts_on"):
        start = dt.date.fromisoformat(clean["starts_on"])
        clean["ends_on"] = student_rules.period_end(
            start, YEARS.value(enrollment.school.district)
        ).isoformat()


# The registrar files the guardian's application for a student of the school who is 在读.
STARTER = Starter(
    kind=SUSPENSION, statuses=SUSPENSION.for_statuses, need="只有在读学生可以申请休学", derive=_derive
)
suspension_start = STARTER.start


def _check_share(
    enrollment: Enrollment, clean: dict[str, Any], errors: list[RuleViolation], ground: str
) -> None:
    first, last = clean.get("absence_from"), clean.get("absence_to")
    if not first or not last:
        errors.append(REFUSALS["period_required"](what=WHAT[ground]))
        return
    first_day, last_day = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    if last_day < first_day:
        errors.append(REFUSALS["period_order"]())
        return
    found = semester_share(first_day, last_day, ground, district=enrollment.school.district)
    if found is None:
        errors.append(REFUSALS["no_semester"]())
        return
    share, semester = found
    clean["share"] = share.text
    if not share.passes:
        errors.append(
            REFUSALS["share_too_small"](
                what=WHAT[ground],
                semester=f"{semester.school_year}{semester.get_term_display()}",
                days=share.days,
                total=share.total,
                need=NEED[ground],
                missing=share.missing,
            )
        )
