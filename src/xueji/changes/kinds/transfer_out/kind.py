"""A transfer to a school outside this deployment (转出到系统外, R10.5, R10.8): the receiving school
opens the case on its own platform; the transfer-out school records here that platform's request
(its number, the receiving school, the date) — without it the case is refused citing R10.8, as a
school never starts its own student's transfer-out —, its approver and its district decide, and on
completion the record closes here as 转出, with the archive handed over (R8.1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xueji.changes.kinds.base import Kind, Party, Step
from xueji.changes.kinds.own_student import STEP_DAYS, prepare
from xueji.changes.kinds.transfer_out.schemas import FACTS
from xueji.org.models import Role
from xueji.students import status
from xueji.students.models import Enrollment

if TYPE_CHECKING:
    from xueji.changes.models import Case
    from xueji.org.models import User

DOCUMENTS = {"receiving_request": "转入方平台的转学申请（截图或打印件）"}

PREPARE = prepare("转出学校登记对方申请", lambda context: DOCUMENTS, action_label="提交审核")
OUT_SCHOOL = Step("out_school", "转出学校核办", Party.SCHOOL, (Role.SCHOOL_APPROVER,), days=STEP_DAYS)
OUT_BUREAU = Step(
    "out_bureau", "转出地教育局审核", Party.SCHOOL_BUREAU, (Role.DISTRICT_OFFICER,), days=STEP_DAYS
)


class TransferOut(Kind):
    key = "transfer_out"
    label = "转出（系统外）"
    number_prefix = "ZC"
    every_step = (PREPARE, OUT_SCHOOL, OUT_BUREAU)
    rules = ("R10.5", "R10.8")
    open_case_rule = "R10.10"
    facts = FACTS
    documents = DOCUMENTS
    urls = "xueji.changes.kinds.transfer_out.urls"
    api = "xueji.changes.kinds.transfer_out.api"
    demo = "xueji.changes.kinds.transfer_out.demo"
    for_statuses = (Enrollment.Status.ENROLLED, Enrollment.Status.ABROAD)
    student_action = ("transfer_out:new", "转出到系统外学校")
    school_label = "转出学校"
    other_school_label = "转入学校"
    started_message = "已登记转出 {number}。请上传对方平台的转学申请，齐全后提交学校审核。"
    timeline_hint = "第十条：转入学校在其平台发起；转出学校核办、转出地教育局审核，每个环节 10 个工作日"
    # After the district's approval: the school's copy and the package it sends (R8.1).
    detail_template = "students/_archive_link.html"

    def counterpart(self, case: Case) -> str:
        return f"{case.facts.get('to_province', '')}{case.facts.get('to_school', '')}（系统外）"

    def route(self, case: Case) -> str:
        return f"{case.school.name} → {self.counterpart(case)}"  # the starting school sends

    def on_complete(self, case: Case, actor: User) -> None:
        """The record closes here as 转出 (kept, read-only for the school) after the archive's
        hand-over to the receiving school's platform (R8.1)."""
        assert case.student_id is not None  # the case is about a student of this system
        snapshot = status.enrollment_close_out(
            actor=actor, student=case.student_id, to_party=self.counterpart(case), reference=case.number
        )
        case.facts = {**case.facts, "archive_id": snapshot.pk}  # the school's copy (R8.1)


TRANSFER_OUT = TransferOut()
