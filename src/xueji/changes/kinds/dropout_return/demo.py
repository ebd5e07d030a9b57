"""Demo return of a dropped-out student (R13.2), at 北关区红旗路小学 (hq): a student who dropped out
two months ago is back; the return waits at hq_approver's 学校审核."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from xueji.changes.kinds.demo_cases import ANY_GRADE, GUARDIAN, SchoolCases, student_of
from xueji.changes.kinds.demo_files import on
from xueji.changes.kinds.dropout.demo import DELIVERED, reported
from xueji.changes.kinds.dropout_return.kind import DROPOUT_RETURN
from xueji.changes.kinds.dropout_return.services import dropout_return_start
from xueji.changes.models import Case
from xueji.core import clock
from xueji.org.models import School, User

if TYPE_CHECKING:
    from xueji.demo.people import People


def seed(
    *, users: Mapping[str, User], schools: Mapping[str, School], people: People, say: Callable[[str], None]
) -> dict[str, Case]:
    """The demo returns of dropped-out students; returns them by what they show."""
    made: dict[str, Case] = {}
    with on(clock.today()):  # one "today" for the whole run
        s = SchoolCases(users, schools, grades=ANY_GRADE)
        delivered = {"township": {**DELIVERED, "township_delivered_on": s.today.isoformat()}}
        try:
            back = student_of(s.to(reported(s, days_ago=60), "", decisions=delivered))
            facts = {
                "returns_on": s.today.isoformat(),
                "guardian_name": GUARDIAN,
                "description": "经多次家访劝返，家长同意送孩子返校。",
            }
            made["dropout_return_school"] = s.to(
                dropout_return_start(actor=s.registrar, student=back, facts=facts), "school"
            )
        except StopIteration:
            say(f"  演示{DROPOUT_RETURN.label}：本校学生不足，部分事项未建立")
    say(f"  已建立 {len(made)} 件演示{DROPOUT_RETURN.label}事项 ({len(made)} demo returns of dropouts)")
    return made
