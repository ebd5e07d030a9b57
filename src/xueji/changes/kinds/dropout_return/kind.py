"""A dropped-out student back at this school (辍学学生复学, R13.2): the guardian applies, the
registrar files it, the school approver reviews, the district records it. The same record is
reactivated (same 学籍号): 在读 from the day of return, in the grade the student left, waiting for a
class (待分班). A return at another school is a transfer from the 辍学 status."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xueji.changes.kinds.dropout_return.schemas import FACTS
from xueji.changes.kinds.own_student import BackInSchool, district_approval, prepare, school_review
from xueji.students.models import Enrollment

if TYPE_CHECKING:
    pass

DOCUMENTS = {"guardian_application": "监护人复学申请（签字）"}

PREPARE = prepare("学校受理（监护人申请）", lambda context: DOCUMENTS)
SCHOOL = school_review("学校审核（报区教育局）", action_label="同意并报区教育局")
DISTRICT = district_approval("区教育局知悉备案", action_label="已知悉，恢复在读")


class DropoutReturn(BackInSchool):
    key = "dropout_return"
    label = "辍学学生复学"
    number_prefix = "CF"
    every_step = (PREPARE, SCHOOL, DISTRICT)
    back_rule = "R13.2"
    rules = ("R13.2",)
    facts = FACTS
    documents = DOCUMENTS
    urls = "xueji.changes.kinds.dropout_return.urls"
    api = "xueji.changes.kinds.dropout_return.api"
    demo = "xueji.changes.kinds.dropout_return.demo"
    for_statuses = (Enrollment.Status.DROPPED_OUT,)
    student_action = ("dropout_return:new", "辍学学生复学")
    printable = "辍学学生复学申请表"
    started_message = "已发起辍学学生复学 {number}。请上传监护人签字的复学申请，齐全后提交学校审核。"
    timeline_hint = "第十三条：在义务教育年限内保留学籍；复学接续原学籍"


DROPOUT_RETURN = DropoutReturn()
