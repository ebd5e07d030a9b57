"""Demo death cancellations (R15.1), at 北关区红旗路小学 (hq): a filing whose 10 working days from the
day the school learned of it have passed (flagged, still with hq_registrar: a filing with a legal
deadline never lapses, R17.2), and one at
bg_officer's 区教育局审批注销."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from xueji.changes import services as engine
from xueji.changes.kinds.death.kind import DEATH
from xueji.changes.kinds.death.services import death_start
from xueji.changes.kinds.demo_cases import ANY_GRADE, SchoolCases
from xueji.changes.kinds.demo_files import on
from xueji.changes.models import Case
from xueji.core import clock
from xueji.org.models import School, User

if TYPE_CHECKING:
    from xueji.demo.people import People


def filed(s: SchoolCases, *, days_ago: int) -> Case:
    learned = s.today - dt.timedelta(days=days_ago)
    facts = {
        "learned_on": learned.isoformat(),
        "died_on": (learned - dt.timedelta(days=2)).isoformat(),
        "proof": "death_certificate",
        "circumstances": "因病医治无效，在市人民医院去世。家长已到校告知并提供死亡医学证明。",
    }
    return death_start(actor=s.registrar, student=s.student(), facts=facts)


def seed(
    *, users: Mapping[str, User], schools: Mapping[str, School], people: People, say: Callable[[str], None]
) -> dict[str, Case]:
    """The demo death cancellations; returns them by what they show."""
    made: dict[str, Case] = {}
    with on(clock.today()):  # one "today" for the whole run
        s = SchoolCases(users, schools, grades=ANY_GRADE)
        try:
            made["death_late_draft"] = filed(s, days_ago=20)
            engine.cases_flag_overdue(today=s.today)  # as last night's run would have (xueji daily)
            made["death_district"] = s.to(filed(s, days_ago=3), "district")
        except StopIteration:
            say(f"  演示{DEATH.label}：本校学生不足，部分事项未建立")
    say(f"  已建立 {len(made)} 件演示{DEATH.label}事项 ({len(made)} demo death cancellations)")
    return made
