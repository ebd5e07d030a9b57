"""Demo repeat year (R14.1), at the demo's junior high school (sez): a guardian's application at
bg_officer's 区教育局审批."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from xueji.changes.kinds.demo_cases import ANY_GRADE, GUARDIAN, JUNIOR, SchoolCases
from xueji.changes.kinds.demo_files import on
from xueji.changes.kinds.repetition.kind import REPETITION
from xueji.changes.kinds.repetition.services import repetition_start
from xueji.changes.models import Case
from xueji.core import clock
from xueji.org.models import School, User

if TYPE_CHECKING:
    from xueji.demo.people import People


def seed(
    *, users: Mapping[str, User], schools: Mapping[str, School], people: People, say: Callable[[str], None]
) -> dict[str, Case]:
    """The demo repeat years; returns them by what they show."""
    made: dict[str, Case] = {}
    with on(clock.today()):  # one "today" for the whole run
        s = SchoolCases(users, schools, grades=ANY_GRADE, home=JUNIOR)
        try:
            facts = {
                "reason": "因病住院两个月，缺课较多，监护人申请下一学年仍就读本年级。",
                "guardian_name": GUARDIAN,
            }
            made["repetition_district"] = s.to(
                repetition_start(actor=s.registrar, student=s.student(), facts=facts), "district"
            )
        except StopIteration:
            say(f"  演示{REPETITION.label}：本校学生不足，部分事项未建立")
    say(f"  已建立 {len(made)} 件演示{REPETITION.label}事项 ({len(made)} demo repeat years)")
    return made
