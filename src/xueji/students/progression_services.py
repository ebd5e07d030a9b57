"""升学 (R6.5, R8.1): a primary school's graduate enrolled at a junior-high school of this
deployment, by that school's registrar (one student) or by the district's assignment list (many,
exchange.assignment_services). The record, its archive and its 学籍号 go with the student; the
primary school keeps the read-only snapshot the writer takes."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from xueji.core import clock
from xueji.core.errors import RuleViolation
from xueji.org.models import School, SchoolClass, SchoolYear, User
from xueji.org.permissions import WRITE_STUDENTS, require_role
from xueji.students import status
from xueji.students.models import Enrollment, Progression, Student

# The entry date a registrar may give: from a year back (a late record) to the coming autumn.
ENTRY_WINDOW = (dt.timedelta(days=366), dt.timedelta(days=92))
BY_SCHOOL = "学校办理"


def intake_day(today: dt.date) -> dt.date:
    """The day a graduate starts at the junior-high school: the coming school year's first day if
    it begins within the entry window, else today."""
    coming = SchoolYear.objects.filter(start__gt=today).order_by("start").first()
    if coming is not None and coming.start - today <= ENTRY_WINDOW[1]:
        return coming.start
    return today


def check_entry_date(entry_date: dt.date) -> None:
    today = clock.today()
    if not today - ENTRY_WINDOW[0] <= entry_date <= today + ENTRY_WINDOW[1]:
        raise RuleViolation(
            rule="R6.5",
            code="entry_date",
            field="entry_date",
            message=f"入学日期应在 {today - ENTRY_WINDOW[0]:%Y年%m月%d日} 至 {today + ENTRY_WINDOW[1]:%Y年%m月%d日} 之间。",
        )


@transaction.atomic
def graduate_enroll(
    *,
    actor: User,
    student: Student,
    school: School,
    entry_date: dt.date,
    school_class: SchoolClass | None = None,
) -> Progression:
    """The receiving school's registrar enrolls one primary graduate (升学): same record, same
    学籍号, one grade up, in ``school_class`` or waiting for one."""
    require_role(actor, WRITE_STUDENTS, school=school)
    check_entry_date(entry_date)
    moves = [status.Continuing(student.pk, school, school_class)]
    return status.enrollments_continue(actor=actor, moves=moves, entry_date=entry_date, source=BY_SCHOOL)[0]


@transaction.atomic
def graduate_leaves(*, actor: User, student: Student, to_party: str) -> Progression:
    """The primary school's registrar records that a graduate went on to a school outside this
    deployment (another district or province): the record closes here and the school keeps it."""
    enrollment = (
        Enrollment.objects.filter(student=student, is_current=True).select_related("school__district").first()
    )
    if enrollment is None:
        raise RuleViolation(rule="R4.1", code="no_record", field="student", message=status.MSG_NO_RECORD)
    require_role(actor, WRITE_STUDENTS, school=enrollment.school)
    to_party = to_party.strip()
    if not to_party:
        raise RuleViolation(
            rule="R6.5", code="to_party", field="to_party", message="请填写升入的学校（如“郑州市第八中学”）。"
        )
    if len(to_party) > 100:
        raise RuleViolation(
            rule="R6.5",
            code="to_party",
            field="to_party",
            message=f"学校名称不能超过 100 字（现为 {len(to_party)} 字）。",
        )
    return status.enrollment_graduate_leaves(
        actor=actor, student=student, to_party=to_party, source=BY_SCHOOL
    )
