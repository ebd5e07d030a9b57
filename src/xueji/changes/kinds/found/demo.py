"""Demo return of a missing student (R15.2), at 北关区红旗路小学 (hq): a student reported missing
last month is back; the return waits at bg_officer's 区教育局知悉备案."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from xueji.changes.kinds.demo_cases import ANY_GRADE, SchoolCases, student_of
from xueji.changes.kinds.demo_files import on
from xueji.changes.kinds.found.kind import FOUND
from xueji.changes.kinds.found.services import found_start
from xueji.changes.kinds.missing.demo import reported
from xueji.changes.models import Case
from xueji.core import clock
from xueji.org.models import School, User

if TYPE_CHECKING:
    from xueji.demo.people import People


def seed(
    *, users: Mapping[str, User], schools: Mapping[str, School], people: People, say: Callable[[str], None]
) -> dict[str, Case]:
    """The demo returns of missing students; returns them by what they show."""
    made: dict[str, Case] = {}
    with on(clock.today()):  # one "today" for the whole run
        s = SchoolCases(users, schools, grades=ANY_GRADE)
        try:
            back = student_of(s.to(reported(s, days_ago=25), ""))
            facts = {"returns_on": s.today.isoformat(), "description": "已由公安机关找回，经家长申请返校。"}
            made["found_district"] = s.to(
                found_start(actor=s.registrar, student=back, facts=facts), "district"
            )
        except StopIteration:
            say(f"  演示{FOUND.label}：本校学生不足，部分事项未建立")
    say(f"  已建立 {len(made)} 件演示{FOUND.label}事项 ({len(made)} demo returns of missing students)")
    return made
