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
from xueji.students.models import Enrollment

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
        try:
            pupil = s.student()
            facts = {
                "changes": {"name": _corrected(pupil.name)},
                "proof": "household",
                "reason": "登记时姓名录入错误，应以户口簿为准。",
                "guardian_name": GUARDIAN,
            }
            made["information_district"] = s.to(
                information_start(actor=s.registrar, student=pupil, facts=facts), "district"
            )
            pupil = s.student()
            facts = {
                "changes": {"household_type": "1" if pupil.household_type != "1" else "2"},
                "proof": "household",
                "reason": "户口性质登记有误，以户口簿为准。",
                "guardian_name": GUARDIAN,
            }
            made["information_school"] = s.to(
                information_start(actor=s.registrar, student=pupil, facts=facts), "school"
            )
            pupil = s.student()
            facts = {
                "changes": {"health": "20" if pupil.health != "20" else "10"},
                "proof": "id_card",
                "reason": "健康状况有变化，监护人申请更正。",
                "guardian_name": GUARDIAN,
            }
            made["information_done"] = s.to(
                information_start(actor=s.registrar, student=pupil, facts=facts), ""
            )
        except StopIteration:
            say(f"  演示{INFORMATION.label}：本校学生不足，部分事项未建立")
    say(f"  已建立 {len(made)} 件演示{INFORMATION.label}申请 ({len(made)} demo information changes)")
    return made
