"""The information change's start (R9.1): the request is checked in full against the record now
(``information_change_check``), so the school and the district decide on a change that can take
effect; the documents are checked at submission."""

from __future__ import annotations

from typing import Any

from xueji.changes.kinds.base import Refusal
from xueji.changes.kinds.information.kind import INFORMATION
from xueji.changes.kinds.own_student import Starter
from xueji.changes.models import Case
from xueji.core.errors import RuleViolation, RuleViolations
from xueji.students.display import shown
from xueji.students.information_services import FIELDS, KEY_FIELDS, information_change_check
from xueji.students.models import Enrollment

OPEN_REQUEST = Refusal(
    "R9.1",
    "open_request",
    "该学生已有一件办理中的信息变更申请（{number}）。请在该申请中办理，或撤回后重新申请。",
    "student",
    conflict=True,
)


def _derive(enrollment: Enrollment, clean: dict[str, Any], errors: list[RuleViolation]) -> None:
    """The change as old → new, whether it needs the district, its warnings; one open request."""
    open_request = (
        Case.objects.filter(
            kind=INFORMATION.key, student_id=enrollment.student_id, state__in=Case.OPEN_STATES
        )
        .values_list("number", flat=True)
        .first()
    )
    if open_request is not None:
        errors.append(OPEN_REQUEST(number=open_request))
        return
    try:
        checked = information_change_check(
            enrollment.student, clean.get("changes") or {}, confirm_region=bool(clean.get("confirm_region"))
        )
    except RuleViolations as refused:
        errors.extend(refused.violations)
        return
    except RuleViolation as refused:
        errors.append(refused)
        return
    clean["changes"] = {field: new for field, (_old, new) in checked.diff.items()}
    clean["diff"] = checked.diff
    clean["lines"] = [
        f"{FIELDS[field][0]}：{shown(field, old)} → {shown(field, new)}"
        for field, (old, new) in checked.diff.items()
    ]
    clean["table"] = [
        [FIELDS[field][0], shown(field, old), shown(field, new), field in KEY_FIELDS]
        for field, (old, new) in checked.diff.items()
    ]
    clean["key_change"] = checked.key
    clean["warnings"] = checked.warnings


STARTER = Starter(
    kind=INFORMATION,
    statuses=INFORMATION.for_statuses,
    need="该学籍已办结或保留，不能申请信息变更",
    derive=_derive,
)
information_start = STARTER.start
