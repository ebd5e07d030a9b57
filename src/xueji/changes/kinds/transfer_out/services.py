"""The start of a transfer out of this deployment (R10.5, R10.8)."""

from __future__ import annotations

from typing import Any

from xueji.changes.kinds.own_student import Starter
from xueji.changes.kinds.transfer_out.kind import TRANSFER_OUT
from xueji.core.errors import RuleViolation
from xueji.students.models import Enrollment


def _derive(enrollment: Enrollment, clean: dict[str, Any], errors: list[RuleViolation]) -> None:
    province = clean.get("to_province") or ""
    here = enrollment.school.district.parent.parent if enrollment.school.district.parent else None
    same = bool(here and province and province[:2] == here.name[:2])
    clean["scope"] = "intra_province" if same else "cross_province"


# The transfer-out school records the request a school outside this deployment made on its own
# platform; without that request there is no case (R10.8).
STARTER = Starter(
    kind=TRANSFER_OUT,
    statuses=TRANSFER_OUT.for_statuses,
    need="只有在读（或出国（境）后回国就读）的学生可以办理转学",
    derive=_derive,
)
transfer_out_start = STARTER.start
