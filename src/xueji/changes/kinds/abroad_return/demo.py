"""Demo return from abroad (R12.7), at 北关区红旗路小学 (hq): a student who left today for study
abroad, back and at bg_officer's 区教育局审批 (the grade to decide)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from xueji.changes.kinds.abroad.demo import leaving
from xueji.changes.kinds.abroad_return.kind import ABROAD_RETURN
from xueji.changes.kinds.abroad_return.services import abroad_return_start
from xueji.changes.kinds.demo_cases import GUARDIAN, SchoolCases, student_of
from xueji.changes.kinds.demo_files import on
from xueji.changes.models import Case
from xueji.core import clock
from xueji.org.models import School, User

if TYPE_CHECKING:
    from xueji.demo.people import People


def seed(
    *, users: Mapping[str, User], schools: Mapping[str, School], people: People, say: Callable[[str], None]
) -> dict[str, Case]:
    """The demo returns from abroad; returns them by what they show."""
    made: dict[str, Case] = {}
    with on(clock.today()):  # one "today" for the whole run
        s = SchoolCases(users, schools)
        try:
            returning = s.to(leaving(s), "")
            made["abroad_return_district"] = s.to(
                abroad_return_start(
                    actor=s.registrar,
                    student=student_of(returning),
                    facts={"returns_on": s.today.isoformat(), "guardian_name": GUARDIAN},
                ),
                "district",
            )
        except StopIteration:
            say(f"  演示{ABROAD_RETURN.label}：本校学生不足，部分事项未建立")
    say(f"  已建立 {len(made)} 件演示{ABROAD_RETURN.label}事项 ({len(made)} demo returns from abroad)")
    return made
