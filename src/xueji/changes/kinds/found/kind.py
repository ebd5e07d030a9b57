"""A student reported missing or detained who is back (下落不明学生返校, R15.2): the registrar
files it with the school's statement, the school approver reviews, the district records it. The
same record is reactivated (same 学籍号): 在读 from the day of return, in the grade the student
left, and the registrar places the student in a class (待分班)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xueji.changes.kinds.found.schemas import FACTS
from xueji.changes.kinds.own_student import BackInSchool, district_approval, prepare, school_review
from xueji.students.models import Enrollment

if TYPE_CHECKING:
    pass

DOCUMENTS = {"statement": "学校情况说明", "return_proof": "公安机关或家长的相关证明（如有）"}
STATEMENT = {"statement": DOCUMENTS["statement"]}

PREPARE = prepare("学校受理（情况说明）", lambda context: STATEMENT)
SCHOOL = school_review("学校审核（报区教育局）", action_label="同意并报区教育局")
DISTRICT = district_approval("区教育局知悉备案", action_label="已知悉，恢复在读")


class Found(BackInSchool):
    key = "found"
    label = "下落不明学生返校"
    number_prefix = "FH"
    every_step = (PREPARE, SCHOOL, DISTRICT)
    back_rule = "R15.2"
    rules = ("R15.2",)
    facts = FACTS
    documents = DOCUMENTS
    urls = "xueji.changes.kinds.found.urls"
    api = "xueji.changes.kinds.found.api"
    demo = "xueji.changes.kinds.found.demo"
    for_statuses = (Enrollment.Status.MISSING,)
    student_action = ("found:new", "返校恢复在读")
    started_message = "已发起下落不明学生返校 {number}。请上传学校情况说明，齐全后提交学校审核。"
    timeline_hint = "第十五条：学籍一直保留；返校后接续原学籍"


FOUND = Found()
