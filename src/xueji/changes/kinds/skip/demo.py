"""Demo skip (R14.1), at the demo's junior high school (sez): a guardian's application at
sez_approver's 学校审核; the district would have to record an exception."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from xueji.changes.kinds.demo_cases import GUARDIAN, JUNIOR, SchoolCases
from xueji.changes.kinds.demo_files import on
from xueji.changes.kinds.skip.kind import SKIP
from xueji.changes.kinds.skip.services import skip_start
from xueji.changes.models import Case
from xueji.core import clock
from xueji.org.models import School, User

if TYPE_CHECKING:
    from xueji.demo.people import People


def seed(
    *, users: Mapping[str, User], schools: Mapping[str, School], people: People, say: Callable[[str], None]
) -> dict[str, Case]:
    """The demo skips; returns them by what they show."""
    made: dict[str, Case] = {}
    with on(clock.today()):  # one "today" for the whole run
        s = SchoolCases(users, schools, grades=(1, 8), home=JUNIOR)  # a grade above exists
        try:
            student = s.student()
            grade = student.enrollments.get(is_current=True).grade
            facts = {
                "requested_grade": str(grade + 1),
                "reason": "该生学业水平明显超出本年级，监护人申请跳入高一年级就读。",
                "guardian_name": GUARDIAN,
            }
            made["skip_school"] = s.to(skip_start(actor=s.registrar, student=student, facts=facts), "school")
        except StopIteration:
            say(f"  演示{SKIP.label}：本校学生不足，部分事项未建立")
    say(f"  已建立 {len(made)} 件演示{SKIP.label}事项 ({len(made)} demo skips)")
    return made
