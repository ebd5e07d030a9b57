"""A repeat year (留级, R14.1): never forced — only on the guardian's written application with
evidence, reviewed by the school approver and approved by the district. Approved, the student stays
in the same grade at the next promotion (the mark the promotion reads); the grade itself does not
change now, and no school can lower a grade on its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xueji.changes.kinds.base import Kind
from xueji.changes.kinds.own_student import district_approval, prepare, school_review
from xueji.changes.kinds.repetition.schemas import FACTS
from xueji.students import status
from xueji.students.models import Enrollment

if TYPE_CHECKING:
    from xueji.changes.models import Case
    from xueji.org.models import User

DOCUMENTS = {
    "guardian_application": "监护人书面申请（签字）",
    "supporting_document": "相关证明材料（病历、学业情况说明等）",
}

PREPARE = prepare("学校受理（监护人申请、证明材料）", lambda context: DOCUMENTS)
SCHOOL = school_review()
DISTRICT = district_approval()


class Repetition(Kind):
    key = "repetition"
    label = "留级"
    number_prefix = "LJ"
    every_step = (PREPARE, SCHOOL, DISTRICT)
    rules = ("R14.1",)
    facts = FACTS
    documents = DOCUMENTS
    urls = "xueji.changes.kinds.repetition.urls"
    api = "xueji.changes.kinds.repetition.api"
    demo = "xueji.changes.kinds.repetition.demo"
    for_statuses = (Enrollment.Status.ENROLLED,)
    student_action = ("repetition:new", "申请留级")
    printable = "留级申请表"
    started_message = "已发起留级申请 {number}。请上传监护人签字的申请和证明材料，齐全后提交学校审核。"
    timeline_hint = "第十四条：不得强制留级；须监护人申请、区教育局批准"

    def on_complete(self, case: Case, actor: User) -> None:
        """R14.1: the next promotion keeps the student in this grade."""
        assert case.student_id is not None  # the case is about a student of this system
        status.enrollment_mark_repeat(actor=actor, student=case.student_id, reference=case.number)


REPETITION = Repetition()
