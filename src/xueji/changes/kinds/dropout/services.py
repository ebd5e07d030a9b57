"""The dropout report's start (R13.2, R13.3): the dates in order, and for a migrant worker's child
the household-registration place."""

from __future__ import annotations

import datetime as dt
from typing import Any

from xueji.changes.kinds.dropout.kind import DROPOUT, REFUSALS
from xueji.changes.kinds.dropout.schemas import START_KEYS
from xueji.changes.kinds.own_student import Starter
from xueji.core import clock
from xueji.core.errors import RuleViolation
from xueji.students.models import Enrollment


def _derive(enrollment: Enrollment, clean: dict[str, Any], errors: list[RuleViolation]) -> None:
    learned, last = clean.get("learned_on"), clean.get("last_attended_on")
    if learned and dt.date.fromisoformat(learned) > clock.today():
        errors.append(REFUSALS["learned_in_future"]())
    if learned and last and last > learned:
        errors.append(REFUSALS["attended_after_learned"]())
    clean["migrant"] = enrollment.student.migrant_child  # R13.3, as the record says
    if clean["migrant"] and not clean.get("hukou_place"):
        errors.append(REFUSALS["hukou_place_required"]())


STARTER = Starter(
    kind=DROPOUT, statuses=DROPOUT.for_statuses, need="不能报告辍学", derive=_derive, only=START_KEYS
)
dropout_start = STARTER.start
