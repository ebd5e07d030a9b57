"""The missing-student report's start (R15.2): the dates in order."""

from __future__ import annotations

import datetime as dt
from typing import Any

from xueji.changes.kinds.missing.kind import MISSING, REFUSALS
from xueji.changes.kinds.own_student import Starter
from xueji.core import clock
from xueji.core.errors import RuleViolation
from xueji.students.models import Enrollment


def _derive(enrollment: Enrollment, clean: dict[str, Any], errors: list[RuleViolation]) -> None:
    learned, left = clean.get("learned_on"), clean.get("left_on")
    if learned and dt.date.fromisoformat(learned) > clock.today():
        errors.append(REFUSALS["learned_in_future"]())
    if learned and left and left > learned:
        errors.append(REFUSALS["left_after_learned"]())


STARTER = Starter(kind=MISSING, statuses=MISSING.for_statuses, need="不能办理下落不明报告", derive=_derive)
missing_start = STARTER.start
