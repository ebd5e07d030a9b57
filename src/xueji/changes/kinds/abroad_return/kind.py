"""Return from abroad at this school (回国（境）复学, R12.7): the original record continues — no new
registration, the same 学籍号 — with the grade proposed by continuity and decided by the district.
A return at another school is a transfer from the 出国（境） status (changes.kinds.transfer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xueji.changes.kinds.abroad_return.schemas import FACTS
from xueji.changes.kinds.own_student import BackInSchool, district_approval, prepare, school_review
from xueji.students.models import Enrollment

if TYPE_CHECKING:
    from xueji.changes.models import Case

DOCUMENTS = {
    "guardian_application": "监护人申请",
    "return_proof": "出入境记录或境外学习证明",
}

PREPARE = prepare("学校受理（监护人申请、出入境记录）", lambda context: DOCUMENTS)
SCHOOL = school_review()
DISTRICT = district_approval(
    "区教育局审批（确定年级）", decides=("decided_grade",), action_label="确定年级并同意"
)


class AbroadReturn(BackInSchool):
    key = "abroad_return"
    label = "回国（境）复学"
    number_prefix = "HG"
    every_step = (PREPARE, SCHOOL, DISTRICT)
    back_rule = "R12.7"
    rules = ("R12.7",)
    facts = FACTS
    documents = DOCUMENTS
    urls = "xueji.changes.kinds.abroad_return.urls"
    api = "xueji.changes.kinds.abroad_return.api"
    demo = "xueji.changes.kinds.abroad_return.demo"
    for_statuses = (Enrollment.Status.ABROAD,)
    student_action = ("abroad_return:new", "回国（境）复学")
    started_message = "已发起回国（境）复学 {number}。请上传监护人申请和出入境记录，齐全后提交学校审核。"
    timeline_hint = "第十二条：接续原学籍；年级按衔接建议，由区教育局确定"

    def back_grade(self, case: Case) -> int:
        return int(case.facts["decided_grade"])  # R12.7: the district decides


ABROAD_RETURN = AbroadReturn()
