"""Demo dropout reports (R13.2), at 北关区红旗路小学 (hq): one at hq_approver's 学校审核, one waiting
for the school to record the street office's receipt, and one the district has confirmed (the
student 辍学, on the list of those with no effort to bring them back in the last 30 days)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from xueji.changes.kinds.demo_cases import ANY_GRADE, SchoolCases
from xueji.changes.kinds.demo_files import on
from xueji.changes.kinds.dropout.kind import DROPOUT
from xueji.changes.kinds.dropout.services import dropout_start
from xueji.changes.models import Case
from xueji.core import clock
from xueji.org.models import School, User

if TYPE_CHECKING:
    from xueji.demo.people import People

TOWNSHIP = "北关区红旗路街道办事处"
DELIVERED = {"township_delivered_on": "", "township_delivery": "in_person"}


def reported(s: SchoolCases, *, days_ago: int) -> Case:
    """A report, learned ``days_ago`` days ago, of the next free student (a draft)."""
    learned = s.today - dt.timedelta(days=days_ago)
    facts = {
        "learned_on": learned.isoformat(),
        "last_attended_on": (learned - dt.timedelta(days=3)).isoformat(),
        "circumstances": "连续多日未到校，家长称孩子不愿上学，随亲属在外地打工。",
        "measures": "班主任两次家访、多次电话联系家长，宣传义务教育法，劝其返校。",
        "township": TOWNSHIP,
    }
    return dropout_start(actor=s.registrar, student=s.student(), facts=facts)


def seed(
    *, users: Mapping[str, User], schools: Mapping[str, School], people: People, say: Callable[[str], None]
) -> dict[str, Case]:
    """The demo dropout reports; returns them by what they show."""
    made: dict[str, Case] = {}
    with on(clock.today()):  # one "today" for the whole run
        s = SchoolCases(users, schools, grades=ANY_GRADE)
        delivered = {"township": {**DELIVERED, "township_delivered_on": s.today.isoformat()}}
        try:
            made["dropout_school"] = s.to(reported(s, days_ago=1), "school")
            made["dropout_township"] = s.to(reported(s, days_ago=2), "township")
            made["dropped_out"] = s.to(reported(s, days_ago=60), "", decisions=delivered)
        except StopIteration:
            say(f"  演示{DROPOUT.label}：本校学生不足，部分事项未建立")
    say(f"  已建立 {len(made)} 件演示{DROPOUT.label}事项 ({len(made)} demo dropout reports)")
    return made
