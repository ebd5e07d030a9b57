"""Demo information changes (R9.1) at 北关区红旗路小学 (hq): a name correction waiting at bg_officer's
区教育局审批 (key information), a household-type correction waiting at the school approver, and a
completed health-status change, so both kinds of request and their effect can be seen."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from xueji.changes.kinds.demo_cases import ANY_GRADE, GUARDIAN, SchoolCases
from xueji.changes.kinds.demo_files import on
from xueji.changes.kinds.information.kind import INFORMATION
from xueji.changes.kinds.information.services import information_start
from xueji.changes.models import Case
from xueji.core import clock
from xueji.org.models import School, User
from xueji.students.models import Enrollment, Student

if TYPE_CHECKING:
    from xueji.demo.people import People


def _corrected(name: str) -> str:
    """The name as the household register spells it: the last character written another way."""
    swap = {"明": "铭", "华": "骅", "军": "钧", "伟": "玮", "杰": "洁", "丽": "莉", "静": "靖", "强": "蔷"}
    return name[:-1] + swap.get(name[-1], "晓" if name[-1] != "晓" else "骁")


def seed(
    *, users: Mapping[str, User], schools: Mapping[str, School], people: People, say: Callable[[str], None]
) -> dict[str, Case]:
    made: dict[str, Case] = {}
    with on(clock.today()):
        s = SchoolCases(users, schools, grades=ANY_GRADE)
        # A request runs beside any other case (R17.2): any student in school will do, the youngest
        # first (the other kinds' demo cases take the older ones).
        s.free = iter(
            Enrollment.objects.filter(school=s.school, is_current=True, status=Enrollment.Status.ENROLLED)
            .select_related("student")
            .order_by("grade", "pk")
        )
        # (what it shows, the step it waits at ("" = completed), the change, the proof, the reason)
        requests: list[tuple[str, str, Callable[[Student], dict[str, str]], str, str]] = [
            (
                "district",
                "district",
                lambda p: {"name": _corrected(p.name)},
                "household",
                "登记时姓名录入错误，应以户口簿为准。",
            ),
            (
                "school",
                "school",
                lambda p: {"household_type": "1" if p.household_type != "1" else "2"},
                "household",
                "户口性质登记有误，以户口簿为准。",
            ),
            (
                "done",
                "",
                lambda p: {"health": "20" if p.health != "20" else "10"},
                "id_card",
                "健康状况有变化，监护人申请更正。",
            ),
        ]
        try:
            for shows, stop, change, proof, reason in requests:
                pupil = s.student()
                facts = {
                    "changes": change(pupil),
                    "proof": proof,
                    "reason": reason,
                    "guardian_name": GUARDIAN,
                }
                made[f"information_{shows}"] = s.to(
                    information_start(actor=s.registrar, student=pupil, facts=facts), stop
                )
        except StopIteration:
            say(f"  演示{INFORMATION.label}：本校学生不足，部分事项未建立")
    say(f"  已建立 {len(made)} 件演示{INFORMATION.label}申请 ({len(made)} demo information changes)")
    return made
