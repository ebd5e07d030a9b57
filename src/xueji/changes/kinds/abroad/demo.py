"""Demo study abroad (R12.7), at 北关区红旗路小学 (hq): a draft with hq_registrar, one at
hq_approver's 学校审核, and one completed (the student 出国（境）, on the urging list)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from xueji.changes.kinds.abroad.kind import ABROAD
from xueji.changes.kinds.abroad.services import abroad_start
from xueji.changes.kinds.demo_cases import GUARDIAN, SchoolCases
from xueji.changes.kinds.demo_files import on
from xueji.changes.models import Case
from xueji.core import clock
from xueji.org.models import School, User

if TYPE_CHECKING:
    from xueji.demo.people import People

DESTINATION = "新加坡"


def leaving(s: SchoolCases) -> Case:
    """A study abroad from today started by the registrar for the next free student (a draft)."""
    facts = {"destination": DESTINATION, "leaves_on": s.today.isoformat(), "guardian_name": GUARDIAN}
    return abroad_start(actor=s.registrar, student=s.student(), facts=facts)


def seed(
    *, users: Mapping[str, User], schools: Mapping[str, School], people: People, say: Callable[[str], None]
) -> dict[str, Case]:
    """The demo cases of study abroad; returns them by what they show."""
    made: dict[str, Case] = {}
    with on(clock.today()):  # one "today" for the whole run
        s = SchoolCases(users, schools)
        try:
            made["abroad_draft"] = leaving(s)
            made["abroad_school"] = s.to(leaving(s), "school")
            made["abroad"] = s.to(leaving(s), "")
        except StopIteration:
            say(f"  演示{ABROAD.label}：本校学生不足，部分事项未建立")
    say(f"  已建立 {len(made)} 件演示{ABROAD.label}事项 ({len(made)} demo cases of study abroad)")
    return made
