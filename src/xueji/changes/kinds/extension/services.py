"""The extension's start (R12.4): the next year's end, the total so far, and the district's flag
past two years."""

from __future__ import annotations

import datetime as dt
from typing import Any

from xueji.changes.kinds.extension.kind import EXTENSION, FLAG_TOTAL_YEARS
from xueji.changes.kinds.own_student import Starter
from xueji.changes.kinds.suspension.kind import YEARS
from xueji.core.errors import RuleViolation
from xueji.students import rules as student_rules
from xueji.students.models import Enrollment, StatusPeriod

NO_PERIOD = RuleViolation(
    rule="R12.4", code="no_running_period", field="student", message="该学生没有正在进行的休学期，不能延长。"
)


def suspended_days(periods: list[StatusPeriod], until: dt.date) -> int:
    """Calendar days of suspension over ``periods``, the running one counted to ``until``."""
    return sum(((p.closed_on or until) - p.starts_on).days + 1 for p in periods)


def years_in_days(start: dt.date, years: int) -> int:
    """The days of ``years`` calendar years from ``start`` (leap days included)."""
    return (student_rules.period_end(start, years) - start).days + 1


def _derive(enrollment: Enrollment, clean: dict[str, Any], errors: list[RuleViolation]) -> None:
    periods = list(
        StatusPeriod.objects.filter(
            student_id=enrollment.student_id, status=Enrollment.Status.SUSPENDED
        ).order_by("starts_on")
    )
    running = next((p for p in periods if p.closed_on is None and p.ends_on), None)
    if running is None or running.ends_on is None:
        errors.append(NO_PERIOD)
        return
    district = enrollment.school.district
    ends_on = student_rules.period_end(running.ends_on + dt.timedelta(days=1), YEARS.value(district))
    days = suspended_days(periods, ends_on)
    limit = FLAG_TOTAL_YEARS.value(district)
    clean["current_ends_on"] = running.ends_on.isoformat()
    clean["ends_on"] = ends_on.isoformat()
    clean["total"] = f"{len(periods) + 1} 期，约 {days / 365.25:.1f} 年（{days} 天）"
    # R12.4: more than the limit in total is flagged to the district, never refused.
    clean["over_limit"] = days > years_in_days(periods[0].starts_on, limit)
    if clean["over_limit"]:
        clean["warnings"] = [
            f"延长后累计休学将超过 {limit} 年，请区教育局结合各期休学记录重点审核（R12.4）。"
        ]


STARTER = Starter(
    kind=EXTENSION, statuses=EXTENSION.for_statuses, need="只有休学学生可以延长休学", derive=_derive
)
extension_start = STARTER.start
