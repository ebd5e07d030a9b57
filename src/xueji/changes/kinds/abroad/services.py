"""The start of a study abroad (R12.7)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xueji.changes.kinds.abroad.kind import ABROAD
from xueji.changes.kinds.own_student import open_for_own_student
from xueji.changes.models import Case
from xueji.core.errors import RuleViolation
from xueji.org.models import User
from xueji.students.models import Enrollment, Student


def abroad_start(*, actor: User, student: Student, facts: Mapping[str, Any]) -> Case:
    def derive(enrollment: Enrollment, clean: dict[str, Any], errors: list[RuleViolation]) -> None:
        pass  # the schema checks the facts; the documents are checked at submission

    return open_for_own_student(
        actor=actor,
        kind=ABROAD,
        student=student,
        facts=facts,
        statuses=ABROAD.for_statuses,
        need="只有在读学生可以办理出国（境）学习",
        derive=derive,
    )
