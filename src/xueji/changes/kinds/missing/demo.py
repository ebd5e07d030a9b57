"""Demo reports of missing students (R15.2), at 北关区红旗路小学 (hq): one at hq_approver's 学校审核,
one the district has recorded (the student 下落不明, the record kept)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from xueji.changes.kinds.demo_cases import ANY_GRADE, SchoolCases
from xueji.changes.kinds.demo_files import on
from xueji.changes.kinds.missing.kind import MISSING
from xueji.changes.kinds.missing.services import missing_start
from xueji.changes.models import Case
from xueji.core import clock
from xueji.org.models import School, User

if TYPE_CHECKING:
    from xueji.demo.people import People


def reported(s: SchoolCases, *, days_ago: int) -> Case:
    """A report, learned ``days_ago`` days ago, of the next free student who left the day before."""
    learned = s.today - dt.timedelta(days=days_ago)
    facts = {
        "learned_on": learned.isoformat(),
        "left_on": (learned - dt.timedelta(days=1)).isoformat(),
        "circumstance": "missing",
        "description": "放学后未回家，家长已向派出所报案，学校配合家长和公安机关查找。",
        "police_reference": "北公(2026)报字第0412号",
    }
    return missing_start(actor=s.registrar, student=s.student(), facts=facts)


def seed(
    *, users: Mapping[str, User], schools: Mapping[str, School], people: People, say: Callable[[str], None]
) -> dict[str, Case]:
    """The demo reports of missing students; returns them by what they show."""
    made: dict[str, Case] = {}
    with on(clock.today()):  # one "today" for the whole run
        s = SchoolCases(users, schools, grades=ANY_GRADE)
        try:
            made["missing_school"] = s.to(reported(s, days_ago=1), "school")
            made["missing"] = s.to(reported(s, days_ago=30), "")
        except StopIteration:
            say(f"  演示{MISSING.label}：本校学生不足，部分事项未建立")
    say(f"  已建立 {len(made)} 件演示{MISSING.label}事项 ({len(made)} demo reports of missing students)")
    return made
