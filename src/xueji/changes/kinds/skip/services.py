"""The skip's start (R14.1): a higher grade the school offers."""

from __future__ import annotations

from typing import Any

from xueji.changes.kinds.own_student import Starter
from xueji.changes.kinds.skip.kind import REFUSALS, SKIP
from xueji.core.errors import RuleViolation
from xueji.students.models import Enrollment


def _derive(enrollment: Enrollment, clean: dict[str, Any], errors: list[RuleViolation]) -> None:
    wanted = clean.get("requested_grade")
    if wanted is None:
        return
    if wanted <= enrollment.grade:
        errors.append(REFUSALS["not_higher"](grade=enrollment.grade))
    elif not enrollment.school.offers_grade(wanted):
        errors.append(REFUSALS["grade_not_offered"](school=enrollment.school.name, grade=wanted))


STARTER = Starter(
    kind=SKIP,
    statuses=SKIP.for_statuses,
    need="只有在读学生可以申请跳级",
    derive=_derive,
    only=("requested_grade", "reason", "guardian_name"),
)
skip_start = STARTER.start
