"""The death cancellation's start (R15.1, R15.2): the dates in order, and for a student reported
missing only a death certificate or a court's declaration."""

from __future__ import annotations

import datetime as dt
from typing import Any

from xueji.changes.kinds.death.kind import DEATH, REFUSALS
from xueji.changes.kinds.own_student import Starter
from xueji.core import clock
from xueji.core.errors import RuleViolation
from xueji.students.models import Enrollment

MISSING_PROOFS = ("death_certificate", "court_declaration")


def _derive(enrollment: Enrollment, clean: dict[str, Any], errors: list[RuleViolation]) -> None:
    clean["status_before"] = enrollment.status
    learned, died = clean.get("learned_on"), clean.get("died_on")
    if learned and dt.date.fromisoformat(learned) > clock.today():
        errors.append(REFUSALS["learned_in_future"]())
    if learned and died and died > learned:
        errors.append(REFUSALS["died_after_learned"]())
    birth = enrollment.student.birth_date
    if died and dt.date.fromisoformat(died) < birth:
        errors.append(REFUSALS["died_before_birth"](birth=f"{birth:%Y-%m-%d}"))
    proof = clean.get("proof")
    if enrollment.status == Enrollment.Status.MISSING and proof and proof not in MISSING_PROOFS:
        errors.append(REFUSALS["missing_needs_certificate"]())


STARTER = Starter(kind=DEATH, statuses=DEATH.for_statuses, need="不能再办理注销", derive=_derive)
death_start = STARTER.start
