"""Suspension of study (休学, Art. 12; RULES.md R12.1–R12.4), declared as steps.

The registrar prepares the guardian's application with its evidence (R12.2) → the school approver
reviews (never the registrar) → the district approves (R12.3). On completion the student is 休学
from the stated date to the day before the same date a year later (R12.4); the record is kept; the
period's end changes nothing by itself (the daily command records it; the lists show it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xueji.changes.kinds.base import EvidenceContext, HomeCard, Kind, Refusal
from xueji.changes.kinds.own_student import district_approval, prepare, school_review
from xueji.changes.kinds.suspension.rules import ILLNESS, LEAVE, OTHER
from xueji.changes.kinds.suspension.schemas import FACTS
from xueji.org.models import Role, School
from xueji.org.policy import Limit
from xueji.students import status
from xueji.students.models import Enrollment

if TYPE_CHECKING:
    from xueji.changes.models import Case
    from xueji.org.models import User

YEARS = Limit("suspension.years", "休学期限", "年", "R12.4", 1, 1, 2)

GUARDIAN_APPLICATION = {"guardian_application": "监护人书面申请（签字的《休学申请表》）"}
INPATIENT = {"inpatient_record": "县级以上医院住院病历"}
DIAGNOSIS = {"diagnosis": "县级以上医院诊断证明"}
SUPPORTING = {"supporting_document": "相关证明材料"}
DOCUMENTS = {**GUARDIAN_APPLICATION, **INPATIENT, **DIAGNOSIS, **SUPPORTING}

REFUSALS = {
    r.code: r
    for r in (
        Refusal(
            "R12.1",
            "share_too_small",
            "按所填期间，{what}占本学期（{semester}）教学时间 {days}/{total} 个工作日，"
            "须{need}，还差 {missing} 个工作日（第十二条）。",
            "absence_to",
        ),
        Refusal(
            "R12.1",
            "period_required",
            "请填写{what}的起止日期，系统据此计算占学期教学时间的比例。",
            "absence_from",
        ),
        Refusal("R12.1", "period_order", "结束日期不能早于开始日期。", "absence_to"),
        Refusal(
            "R12.1",
            "no_semester",
            "所填开始日期不在任何学期内，请核对（学期由区教育局设置）。",
            "absence_from",
        ),
        Refusal(
            "R12.2", "cause_required", "连续请假的，请选择请假原因（因病或因事），以确定所需证明。", "cause"
        ),
    )
}


def junior_level(school: School, grade: int | None) -> bool:
    """R12.2: junior high is a junior school, or grades 7–9 of a 九年一贯制 school."""
    return school.kind == School.Kind.JUNIOR or (school.kind == School.Kind.NINE_YEAR and (grade or 0) >= 7)


def needed_evidence(context: EvidenceContext) -> dict[str, str]:
    """R12.2: the guardian's written application always; for illness a county-level-or-above
    hospital's inpatient record (primary, special education) or diagnosis certificate (junior
    high); for another special reason a supporting document."""
    facts = context.facts
    ground = facts.get("ground")
    needed = dict(GUARDIAN_APPLICATION)
    if ground == ILLNESS or (ground == LEAVE and facts.get("cause") == "illness"):
        needed.update(DIAGNOSIS if junior_level(context.school, context.grade) else INPATIENT)
    if ground == OTHER:
        needed.update(SUPPORTING)
    return needed


PREPARE = prepare("学校受理（监护人申请、佐证材料）", needed_evidence)
SCHOOL = school_review()
DISTRICT = district_approval()


class Suspension(Kind):
    key = "suspension"
    label = "休学"
    number_prefix = "XX"
    every_step = (PREPARE, SCHOOL, DISTRICT)
    rules = ("R12.2", "R12.3", "R12.4")
    facts = FACTS
    documents = DOCUMENTS
    refusals = REFUSALS
    urls = "xueji.changes.kinds.suspension.urls"
    api = "xueji.changes.kinds.suspension.api"
    demo = "xueji.changes.kinds.suspension.demo"
    menu = (("suspension:list", "休学复学", (Role.REGISTRAR, Role.SCHOOL_APPROVER, Role.DISTRICT_OFFICER)),)
    for_statuses = (Enrollment.Status.ENROLLED,)
    student_action = ("suspension:new", "办理休学")
    printable = "休学申请表"
    started_message = "已发起休学 {number}。请上传监护人签字的申请和证明材料，齐全后提交学校审核。"
    timeline_hint = "第十二条：学校审核后报区教育局审批"

    def on_complete(self, case: Case, actor: User) -> None:
        """R12.3, R12.4: the student is 休学 from the stated date for the period; the record is kept."""
        import datetime as dt

        assert case.student_id is not None  # the case is about a student of this system
        status.enrollment_change_status(
            actor=actor,
            student=case.student_id,
            status=Enrollment.Status.SUSPENDED,
            starts_on=dt.date.fromisoformat(case.facts["starts_on"]),
            ends_on=dt.date.fromisoformat(case.facts["ends_on"]),
            reference=case.number,
        )

    def home_cards(self, user: User) -> list[HomeCard]:
        from xueji.students import selectors as student_selectors

        if not user.has_role(Role.REGISTRAR, Role.SCHOOL_APPROVER, Role.DISTRICT_OFFICER):
            return []
        within = status.WARN_DAYS.value(_district(user))
        soon = student_selectors.running_periods(
            requested_by=user, status=Enrollment.Status.SUSPENDED, ending_within=within
        ).count()
        ended = student_selectors.running_periods(
            requested_by=user, status=Enrollment.Status.SUSPENDED, ended=True
        ).count()
        return [
            HomeCard(f"休学即将期满（{within} 天内）", soon, "suspension:list", "督促复学"),
            HomeCard("休学期满未复学", ended, "suspension:list", "督促复学"),
        ]


def _district(user: Any) -> Any:
    return user.jurisdiction if user.is_district_user else user.school.district


SUSPENSION = Suspension()
