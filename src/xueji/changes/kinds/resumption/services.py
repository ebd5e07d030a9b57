"""The resumption's start (R12.5): the suspension it ends, whether it was for illness, whether it
is late, and the grade by continuity."""

from __future__ import annotations

import datetime as dt
from typing import Any

from xueji.changes.kinds.own_student import Starter
from xueji.changes.kinds.resumption.kind import RESUMPTION
from xueji.changes.kinds.suspension.rules import ILLNESS
from xueji.changes.models import Case
from xueji.core.errors import RuleViolation
from xueji.students.models import Enrollment, StatusPeriod


def _derive(enrollment: Enrollment, clean: dict[str, Any], errors: list[RuleViolation]) -> None:
    periods = StatusPeriod.objects.filter(student_id=enrollment.student_id)
    period = periods.filter(closed_on__isnull=True).order_by("-starts_on").first()
    first = periods.filter(status=Enrollment.Status.SUSPENDED).order_by("starts_on").first()
    # Suspended for illness (R12.5: a certificate of recovery): the suspension that began it.
    suspension = Case.objects.filter(number=first.reference).first() if first and first.reference else None
    facts_then = suspension.facts if suspension else {}
    clean["after_illness"] = facts_then.get("ground") == ILLNESS or facts_then.get("cause") == "illness"
    if clean.get("requested_grade") is None:
        clean["requested_grade"] = enrollment.grade  # R12.5: by continuity
    elif not enrollment.school.offers_grade(clean["requested_grade"]):
        errors.append(
            RuleViolation(
                rule="R12.5",
                code="grade_not_offered",
                field="requested_grade",
                message=f"{enrollment.school.name}不设{clean['requested_grade']}年级，请核对。",
            )
        )
    if period is not None and period.ends_on is not None:
        clean["ends_on"] = period.ends_on.isoformat()
        resume_on = clean.get("resume_on", "")
        # R12.5: a late resumption is flagged, never refused.
        clean["late"] = bool(resume_on) and dt.date.fromisoformat(resume_on) > period.ends_on
        if clean["late"]:
            clean["warnings"] = [
                f"休学已于 {period.ends_on:%Y年%m月%d日} 期满，属期满后复学（提示，不阻止）。"
            ]


STARTER = Starter(
    kind=RESUMPTION,
    statuses=RESUMPTION.for_statuses,
    need="只有休学学生可以办理复学",
    derive=_derive,
    only=("resume_on", "requested_grade", "guardian_name", "reason"),
)
resumption_start = STARTER.start
