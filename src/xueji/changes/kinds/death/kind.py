"""Death (注销学籍（死亡）, R15.1): the registrar files the cancellation with proof, the school
approver sends it to the district, the district approves. The report is due within 10 working days
of the day the school learned of the death, counted from that day whenever the filing starts (a
late filing is flagged, never refused). The filing withdraws any other open case of the student
(R17.2). The record stays, marked 死亡, read-only, and leaves the current counts.

A student reported missing or detained can only be cancelled this way, and only on a death
certificate or a court's declaration of death (R15.2)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from xueji.changes.kinds.base import EvidenceContext, Kind, Refusal
from xueji.changes.kinds.death.schemas import FACTS, PROOFS
from xueji.changes.kinds.own_student import LEARNED, district_approval, prepare, school_review
from xueji.org.policy import Limit
from xueji.students import status
from xueji.students.models import Enrollment

if TYPE_CHECKING:
    from xueji.changes.models import Case
    from xueji.org.models import User

REPORT_DAYS = Limit(
    "death.report_days", "学生死亡后学校报区教育局注销学籍（自获知之日起）", "个工作日", "R15.1", 10, 1, 30
)
DOCUMENTS = {**PROOFS, "statement": "学校情况说明"}

REFUSALS = {
    r.code: r
    for r in (
        Refusal(
            "R15.2",
            "missing_needs_certificate",
            "该学生已报下落不明或被依法羁押，学校和区教育局不得取消其学籍（第十五条）；"
            "只有凭死亡医学证明或人民法院宣告死亡的判决书才能注销。",
            "proof",
        ),
        Refusal("R15.1", "learned_in_future", "学校获知日期不能晚于今天。", "learned_on"),
        Refusal("R15.1", "died_after_learned", "死亡日期不能晚于学校获知日期。", "died_on"),
        Refusal("R15.1", "died_before_birth", "死亡日期不能早于学生的出生日期（{birth}）。", "died_on"),
    )
}


def needed_evidence(context: EvidenceContext) -> dict[str, str]:
    """R15.1: the proof the filing names."""
    proof = context.facts.get("proof")
    return {proof: DOCUMENTS[proof]} if proof in PROOFS else {}


# Both school steps count from the day the school learned of it: the report must reach the
# district within the 10 working days, however the school shares them.
PREPARE = prepare("学校受理（死亡证明）", needed_evidence, days=REPORT_DAYS, anchor=LEARNED)
SCHOOL = school_review(
    "学校审核（报区教育局注销）", days=REPORT_DAYS, anchor=LEARNED, action_label="同意并报区教育局"
)
DISTRICT = district_approval("区教育局审批注销", action_label="同意注销")


class Death(Kind):
    key = "death"
    label = "注销学籍（死亡）"
    number_prefix = "SW"
    every_step = (PREPARE, SCHOOL, DISTRICT)
    rules = ("R15.1", "R15.2", "R17.2")
    facts = FACTS
    documents = DOCUMENTS
    refusals = REFUSALS
    supersedes = True  # R17.2
    urls = "xueji.changes.kinds.death.urls"
    api = "xueji.changes.kinds.death.api"
    demo = "xueji.changes.kinds.death.demo"
    for_statuses = (
        Enrollment.Status.ENROLLED,
        Enrollment.Status.SUSPENDED,
        Enrollment.Status.DROPPED_OUT,
        Enrollment.Status.ABROAD,
        Enrollment.Status.MISSING,
    )
    student_action = ("death:new", "注销学籍（死亡）")
    printable = "学生死亡注销学籍报告表"
    started_message = "已发起注销学籍（死亡） {number}。请上传证明材料，齐全后提交学校审核。"
    withdraw_hint = "撤回后事项终止；此前因本事项终止的其他事项不会恢复。"
    timeline_hint = "第十五条：学校凭相关证明在获知之日起 10 个工作日内报区教育局注销"

    def on_complete(self, case: Case, actor: User) -> None:
        """R15.1: the record is kept, marked 死亡 from the day of death; nothing is deleted."""
        assert case.student_id is not None  # the case is about a student of this system
        status.enrollment_change_status(
            actor=actor,
            student=case.student_id,
            status=Enrollment.Status.DECEASED,
            starts_on=dt.date.fromisoformat(case.facts["died_on"]),
            reference=case.number,
        )


DEATH = Death()
