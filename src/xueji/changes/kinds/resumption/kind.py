"""Resumption after a suspension (复学, R12.5): during the suspension, at its end or after it (a
late one is flagged, never refused). The guardian applies — after an illness with a county-level
or above hospital's certificate of recovery —, the school reviews, the district approves. The grade
follows continuity (the grade the student stopped in); asking for another adds the district's
grade decision to the steps. On completion the student is 在读 again, waiting for a class (待分班)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xueji.changes.kinds.base import EvidenceContext, Party, Step
from xueji.changes.kinds.own_student import STEP_DAYS, BackInSchool, district_approval, prepare, school_review
from xueji.changes.kinds.resumption.schemas import FACTS
from xueji.org.models import Role
from xueji.students.models import Enrollment

if TYPE_CHECKING:
    from xueji.changes.models import Case

APPLICATION = {"resumption_application": "监护人复学申请（签字的《复学申请表》）"}
RECOVERY = {"recovery_certificate": "县级以上医院康复证明"}


def needed_evidence(context: EvidenceContext) -> dict[str, str]:
    return {**APPLICATION, **(RECOVERY if context.facts.get("after_illness") else {})}


PREPARE = prepare("学校受理（监护人申请、证明材料）", needed_evidence)
SCHOOL = school_review()
GRADE = Step(
    "grade",
    "区教育局确定复学年级",
    Party.SCHOOL_BUREAU,
    (Role.DISTRICT_OFFICER,),
    days=STEP_DAYS,
    decides=("decided_grade",),
    action_label="确定年级",
)
DISTRICT = district_approval()


def resumed_grade(facts: dict) -> int:
    """The grade the student resumes in: the district's decision, else the one by continuity."""
    return int(facts.get("decided_grade") or facts["grade"])


class Resumption(BackInSchool):
    key = "resumption"
    label = "复学"
    number_prefix = "FX"
    every_step = (PREPARE, SCHOOL, GRADE, DISTRICT)
    back_on = "resume_on"
    back_rule = "R12.5"
    rules = ("R12.5",)
    facts = FACTS
    documents = {**APPLICATION, **RECOVERY}
    urls = "xueji.changes.kinds.resumption.urls"
    api = "xueji.changes.kinds.resumption.api"
    demo = "xueji.changes.kinds.resumption.demo"
    for_statuses = (Enrollment.Status.SUSPENDED,)
    student_action = ("resumption:new", "办理复学")
    printable = "复学申请表"
    started_message = "已发起复学 {number}。请上传监护人申请（因病休学的还需康复证明），齐全后提交学校审核。"
    timeline_hint = "第十二条：学校审核后报区教育局审批；申请其他年级的由区教育局确定"

    def steps(self, case: Case) -> list[Step]:
        other_grade = case.facts.get("requested_grade") not in (None, case.facts.get("grade"))
        return [PREPARE, SCHOOL, GRADE, DISTRICT] if other_grade else [PREPARE, SCHOOL, DISTRICT]

    def back_grade(self, case: Case) -> int:
        return resumed_grade(case.facts)  # R12.5: by continuity, or as the district decided


RESUMPTION = Resumption()
