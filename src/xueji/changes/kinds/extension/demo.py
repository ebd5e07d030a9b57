"""Demo extension of a suspension (R12.4), at 北关区红旗路小学 (hq): a student whose year of
suspension ends in ten days, the guardian's application at bg_officer's 区教育局审批."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from xueji.changes.kinds.demo_cases import GUARDIAN, SchoolCases, student_of
from xueji.changes.kinds.demo_files import on
from xueji.changes.kinds.extension.kind import EXTENSION
from xueji.changes.kinds.extension.services import extension_start
from xueji.changes.kinds.suspension.demo import suspended
from xueji.changes.models import Case
from xueji.core import clock
from xueji.org.models import School, User

if TYPE_CHECKING:
    from xueji.demo.people import People


def seed(
    *, users: Mapping[str, User], schools: Mapping[str, School], people: People, say: Callable[[str], None]
) -> dict[str, Case]:
    """The demo extensions; returns them by what they show."""
    made: dict[str, Case] = {}
    with on(clock.today()):  # one "today" for the whole run
        s = SchoolCases(users, schools)
        try:
            made["extension_district"] = s.to(
                extension_start(
                    actor=s.registrar,
                    student=student_of(suspended(s, ago_days=365 - 10)),
                    facts={"reason": "仍在康复期，医院建议继续休养一年", "guardian_name": GUARDIAN},
                ),
                "district",
            )
        except StopIteration:
            say(f"  演示{EXTENSION.label}：本校学生不足，部分事项未建立")
    say(f"  已建立 {len(made)} 件演示{EXTENSION.label}事项 ({len(made)} demo extensions)")
    return made
