"""Skipping a grade (跳级, R14.1): refused unless a district officer records an exception with its
reason. The guardian applies, the registrar files it with the evidence, the school approver
reviews; the district's step is that exception — approving it needs the reason in writing, and
without it the district rejects. Approved, the grade changes now through the students app's one
writer (with history), and the student waits for a class of the new grade (待分班)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xueji.changes.kinds.base import Kind, Refusal
from xueji.changes.kinds.own_student import district_approval, prepare, school_review
from xueji.changes.kinds.skip.schemas import FACTS
from xueji.students import status
from xueji.students.models import Enrollment

if TYPE_CHECKING:
    from xueji.changes.models import Case
    from xueji.org.models import User

DOCUMENTS = {
    "guardian_application": "监护人书面申请（签字）",
    "assessment": "学业水平和身心发展情况说明",
}

REFUSALS = {
    r.code: r
    for r in (
        Refusal("R14.1", "not_higher", "申请就读年级须高于现年级（{grade}年级）。", "requested_grade"),
        Refusal("R14.1", "grade_not_offered", "{school}不设{grade}年级，请核对。", "requested_grade"),
    )
}

PREPARE = prepare("学校受理（监护人申请、情况说明）", lambda context: DOCUMENTS)
SCHOOL = school_review()
DISTRICT = district_approval(
    "区教育局审批（例外，须登记理由）", decides=("exception_reason",), action_label="登记例外并同意"
)


class Skip(Kind):
    key = "skip"
    label = "跳级"
    number_prefix = "TJ"
    every_step = (PREPARE, SCHOOL, DISTRICT)
    rules = ("R14.1",)
    facts = FACTS
    documents = DOCUMENTS
    refusals = REFUSALS
    urls = "xueji.changes.kinds.skip.urls"
    api = "xueji.changes.kinds.skip.api"
    demo = "xueji.changes.kinds.skip.demo"
    for_statuses = (Enrollment.Status.ENROLLED,)
    student_action = ("skip:new", "申请跳级")
    started_message = "已发起跳级申请 {number}。请上传监护人申请和情况说明，齐全后提交学校审核。"
    timeline_hint = "第十四条：跳级原则上不予办理，区教育局同意的须登记例外理由"

    def on_complete(self, case: Case, actor: User) -> None:
        assert case.student_id is not None  # the case is about a student of this system
        status.enrollment_set_grade(
            actor=actor,
            student=case.student_id,
            grade=int(case.facts["requested_grade"]),
            rule="R14.1",
            reference=case.number,
        )


SKIP = Skip()
