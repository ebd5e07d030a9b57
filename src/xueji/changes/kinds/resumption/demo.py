"""Demo resumptions (R12.5), at 北关区红旗路小学 (hq), each of a student suspended months ago:

- hq_approver: one at 学校审核;
- bg_officer: one into the next grade, at the district's grade decision (区教育局确定复学年级);
- hq_registrar: one completed, the student back in school and waiting for a class (待分班).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from xueji.changes.kinds.demo_cases import GUARDIAN, SchoolCases, student_of
from xueji.changes.kinds.demo_files import on
from xueji.changes.kinds.resumption.kind import RESUMPTION
from xueji.changes.kinds.resumption.services import resumption_start
from xueji.changes.kinds.suspension.demo import suspended
from xueji.changes.models import Case
from xueji.core import clock
from xueji.org.models import School, User
from xueji.students.models import Enrollment

if TYPE_CHECKING:
    from xueji.demo.people import People


def seed(
    *, users: Mapping[str, User], schools: Mapping[str, School], people: People, say: Callable[[str], None]
) -> dict[str, Case]:
    """The demo resumptions; returns them by what they show."""
    made: dict[str, Case] = {}
    with on(clock.today()):  # one "today" for the whole run
        s = SchoolCases(users, schools)
        try:
            made["resumption_school"] = s.to(
                resumption_start(
                    actor=s.registrar,
                    student=student_of(suspended(s, ago_days=300)),
                    facts={"resume_on": s.today.isoformat(), "guardian_name": GUARDIAN},
                ),
                "school",
            )
            back = student_of(suspended(s, ago_days=330))
            grade = Enrollment.objects.get(student=back, is_current=True).grade
            made["resumption_grade"] = s.to(
                resumption_start(
                    actor=s.registrar,
                    student=back,
                    facts={
                        "resume_on": s.today.isoformat(),
                        "requested_grade": str(grade + 1),
                        "guardian_name": GUARDIAN,
                        "reason": "休学期间已随家庭教师完成本年级课程，申请升入下一年级",
                    },
                ),
                "grade",
            )
            made["resumed"] = s.to(
                resumption_start(
                    actor=s.registrar,
                    student=student_of(suspended(s, ago_days=200)),
                    facts={"resume_on": s.today.isoformat(), "guardian_name": GUARDIAN},
                ),
                "",
            )
        except StopIteration:
            say(f"  演示{RESUMPTION.label}：本校学生不足，部分事项未建立")
    say(f"  已建立 {len(made)} 件演示{RESUMPTION.label}事项 ({len(made)} demo resumptions)")
    return made
