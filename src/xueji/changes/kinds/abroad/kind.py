"""Study abroad or outside the mainland (出国（境）学习, R12.7): handled at the current school with
valid documents — the registrar prepares, the school approver decides, the district is informed
(it sees the case and the student on its lists; it does not approve). The record stays here with
the status 出国（境）, open-ended, until the student returns into compulsory education."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from xueji.changes.kinds.abroad.schemas import FACTS
from xueji.changes.kinds.base import HomeCard, Kind
from xueji.changes.kinds.own_student import prepare, school_review
from xueji.org.models import Role
from xueji.students import status
from xueji.students.models import Enrollment

if TYPE_CHECKING:
    from xueji.changes.models import Case
    from xueji.org.models import User

DOCUMENTS = {
    "guardian_application": "监护人申请",
    "travel_document": "护照或往来港澳台通行证",
    "study_proof": "境外学校录取或就读证明（如有）",
}
REQUIRED = {k: DOCUMENTS[k] for k in ("guardian_application", "travel_document")}

PREPARE = prepare("学校受理（监护人申请、有效证件）", lambda context: REQUIRED)
SCHOOL = school_review("学校审核（报区教育局知悉）", action_label="同意并报区教育局")


class Abroad(Kind):
    key = "abroad"
    label = "出国（境）学习"
    number_prefix = "CG"
    every_step = (PREPARE, SCHOOL)
    rules = ("R12.7",)
    facts = FACTS
    documents = DOCUMENTS
    urls = "xueji.changes.kinds.abroad.urls"
    api = "xueji.changes.kinds.abroad.api"
    demo = "xueji.changes.kinds.abroad.demo"
    for_statuses = (Enrollment.Status.ENROLLED,)
    student_action = ("abroad:new", "出国（境）学习")
    started_message = "已发起出国（境）学习 {number}。请上传监护人申请和有效证件，齐全后提交学校审核。"
    timeline_hint = "第十二条：在现就读学校办理，学校审核后报区教育局知悉"

    def on_complete(self, case: Case, actor: User) -> None:
        assert case.student_id is not None  # the case is about a student of this system
        status.enrollment_change_status(
            actor=actor,
            student=case.student_id,
            status=Enrollment.Status.ABROAD,
            starts_on=dt.date.fromisoformat(case.facts["leaves_on"]),
            reference=case.number,
        )

    def home_cards(self, user: User) -> list[HomeCard]:
        """The district is informed (R12.7): the abroad filings of its schools in the last 30 days."""
        if not user.has_role(Role.DISTRICT_OFFICER):
            return []
        from xueji.changes import selectors as case_selectors
        from xueji.core import clock

        recent = case_selectors.case_list(requested_by=user, state="completed", kind=self.key).filter(
            closed_at__gte=clock.now() - dt.timedelta(days=30)
        )
        return [HomeCard("近 30 天出国（境）学习备案", recent.count(), "changes:list", "查看学籍变动")]


ABROAD = Abroad()
