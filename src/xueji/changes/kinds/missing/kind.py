"""A student missing or in criminal detention (下落不明报告, R15.2): the registrar reports, the
school approver sends it, the district records it (知悉备案). From then on the status shows 下落不明
from the day the student left; neither the school nor the district can cancel the record — every
start that would end it refuses citing R15.2 — except a death filing on a death certificate or a
court's declaration (R15.1). Found again, the student comes back through 下落不明学生返校.

Decision: the measures say 及时 (promptly); the report is due within 5 working days of the day the
school learned of it (a district limit), flagged when late, never refused, like R13.2's dropout
report. The filing withdraws any other open case of the student (R17.2)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from xueji.changes.kinds.base import Kind, Refusal
from xueji.changes.kinds.missing.schemas import FACTS
from xueji.changes.kinds.own_student import LEARNED, district_approval, prepare, school_review
from xueji.org.policy import Limit
from xueji.students import status
from xueji.students.models import Enrollment

if TYPE_CHECKING:
    from xueji.changes.models import Case
    from xueji.org.models import User

REPORT_DAYS = Limit(
    "missing.report_days",
    "学生下落不明、被羁押等，学校报区教育局（自获知之日起）",
    "个工作日",
    "R15.2",
    5,
    1,
    30,
)
DOCUMENTS = {"statement": "学校情况说明", "police_document": "报案回执或公安机关通知（如有）"}
STATEMENT = {"statement": DOCUMENTS["statement"]}

REFUSALS = {
    r.code: r
    for r in (
        Refusal("R15.2", "learned_in_future", "学校获知日期不能晚于今天。", "learned_on"),
        Refusal("R15.2", "left_after_learned", "离校或失去联系日期不能晚于学校获知日期。", "left_on"),
    )
}

PREPARE = prepare("学校受理（情况说明）", lambda context: STATEMENT, days=REPORT_DAYS, anchor=LEARNED)
SCHOOL = school_review(
    "学校审核（报区教育局）", days=REPORT_DAYS, anchor=LEARNED, action_label="同意并报区教育局"
)
DISTRICT = district_approval("区教育局知悉备案", action_label="已知悉，备案")


class Missing(Kind):
    key = "missing"
    label = "下落不明报告"
    number_prefix = "XL"
    every_step = (PREPARE, SCHOOL, DISTRICT)
    rules = ("R15.2", "R17.2")
    facts = FACTS
    documents = DOCUMENTS
    refusals = REFUSALS
    supersedes = True  # R17.2
    urls = "xueji.changes.kinds.missing.urls"
    api = "xueji.changes.kinds.missing.api"
    demo = "xueji.changes.kinds.missing.demo"
    for_statuses = (Enrollment.Status.ENROLLED, Enrollment.Status.SUSPENDED, Enrollment.Status.DROPPED_OUT)
    student_action = ("missing:new", "报告下落不明")
    started_message = "已发起下落不明报告 {number}。请上传学校情况说明，提交学校审核后报区教育局。"
    timeline_hint = "第十五条：学校及时报区教育局；学校和区教育局不得取消其学籍"

    def on_complete(self, case: Case, actor: User) -> None:
        """R15.2: 下落不明 from the day the student left; the record is kept."""
        assert case.student_id is not None  # the case is about a student of this system
        status.enrollment_change_status(
            actor=actor,
            student=case.student_id,
            status=Enrollment.Status.MISSING,
            starts_on=dt.date.fromisoformat(case.facts["left_on"]),
            reference=case.number,
        )


MISSING = Missing()
