"""Dropout (辍学报告, R13.2, R13.3): the registrar reports it with what the school has done to bring
the student back; the school approver sends the written reports; the school records when and how
the township or street office received its copy (an outside party, with its receipt); the
district confirms in writing and keeps it. Due within 5 working days of the day the school learned
of it (Decision, a district limit), counted from that day for all the school's steps, flagged when
late, never refused. On completion the student is 辍学 from the day after the last day at school;
the record is kept and managed for the whole compulsory period (never deleted), every effort to
bring the student back goes on the follow-up log, and the return reactivates the same record.

The filing withdraws any other open case of the student (R17.2). No expulsion, forced suspension
or forced withdrawal exists anywhere (R13.1): a dropout is the school's report of a fact."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from xueji.changes.kinds.base import HomeCard, Kind, Letter, Party, Refusal, Step
from xueji.changes.kinds.dropout.schemas import FACTS
from xueji.changes.kinds.own_student import LEARNED, district_approval, prepare, school_review
from xueji.core import clock
from xueji.core.errors import RuleViolation
from xueji.core.identity import mask_id_number
from xueji.org.models import Role
from xueji.org.policy import Limit
from xueji.students import status
from xueji.students.models import Enrollment

if TYPE_CHECKING:
    from xueji.changes.models import Case
    from xueji.org.models import User

REPORT_DAYS = Limit(
    "dropout.report_days", "学生辍学后学校书面报告（自获知之日起）", "个工作日", "R13.2", 5, 1, 30
)
DOCUMENTS = {
    "efforts_record": "劝返工作记录（家访、谈话记录等）",
    "township_receipt": "乡镇人民政府（街道办事处）签收的书面报告",
}
RECEIPT = {"township_receipt": DOCUMENTS["township_receipt"]}

REFUSALS = {
    r.code: r
    for r in (
        Refusal("R13.2", "learned_in_future", "学校获知日期不能晚于今天。", "learned_on"),
        Refusal("R13.2", "attended_after_learned", "最后到校日期不能晚于学校获知日期。", "last_attended_on"),
        Refusal("R13.2", "delivered_in_future", "送达日期不能晚于今天。", "township_delivered_on"),
        Refusal(
            "R13.2", "delivered_before_learned", "送达日期不能早于学校获知日期。", "township_delivered_on"
        ),
        Refusal(
            "R13.3",
            "hukou_place_required",
            "该生为进城务工人员随迁子女：请填写户籍所在地，以便与当地教育行政部门沟通（第十三条）。",
            "hukou_place",
        ),
    )
}


def _report(case: Case, enrollment: Enrollment, *, to_township: bool) -> list[str]:
    """R13.2's written report: who, since when, what happened, what the school has done, and (to
    the street office) where the family lives, so that it can help bring the child back. The ID
    number is masked: neither recipient needs it on paper (R21.1)."""
    student, facts = enrollment.student, case.facts
    last = dt.date.fromisoformat(facts["last_attended_on"])
    learned = dt.date.fromisoformat(facts["learned_on"])
    who = (
        f"我校{enrollment.placement}学生{student.name}（{student.get_gender_display()}，"
        f"{student.birth_date:%Y年%m月%d日}出生，身份证件号 {mask_id_number(student.id_number)}）"
    )
    paragraphs = [
        f"{who}自 {last:%Y年%m月%d日} 后未到校，学校于 {learned:%Y年%m月%d日} 获知其辍学。{facts['circumstances']}",
        f"学校已采取的劝返措施：{facts['measures']}",
    ]
    address = student.current_address or student.home_address
    if to_township and address:
        paragraphs.append(f"该生现住址：{address}。")
    if facts.get("migrant"):
        paragraphs.append(
            f"该生为进城务工人员随迁子女，户籍所在地为{facts.get('hukou_place', '')}。学校将与其户籍所在地"
            "教育行政部门沟通，督促其完成义务教育阶段学习。"
        )
    ask = "请予协助，共同做好劝返复学工作。" if to_township else "请予备案。"
    paragraphs.append(
        "根据《北关区中小学学籍管理办法（暂行）》第十三条，现将该生辍学情况书面报告。我校将在义务教育年限内为其"
        f"保留学籍，继续做好劝返工作。{ask}"
    )
    return paragraphs


LETTERS = (
    Letter(
        "township",
        "关于学生辍学情况的报告",
        "乡镇（街道）",
        lambda case: str(case.facts.get("township") or "乡镇人民政府（街道办事处）"),
        lambda case, enrollment: _report(case, enrollment, to_township=True),
    ),
    Letter(
        "district",
        "关于学生辍学情况的报告",
        "区教育局",
        lambda case: f"{case.school.district.name}教育局",
        lambda case, enrollment: _report(case, enrollment, to_township=False),
    ),
)

PREPARE = prepare("学校受理（辍学情况、劝返措施）", days=REPORT_DAYS, anchor=LEARNED)
SCHOOL = school_review(
    "学校审核（书面报告乡镇（街道）、区教育局）",
    days=REPORT_DAYS,
    anchor=LEARNED,
    action_label="同意并书面报告",
)
TOWNSHIP = Step(
    "township",
    "乡镇（街道）书面报告送达（由学校登记）",
    Party.EXTERNAL,
    (Role.REGISTRAR, Role.SCHOOL_APPROVER),
    days=REPORT_DAYS,
    anchor=LEARNED,
    evidence=lambda context: RECEIPT,
    decides=("township_delivered_on", "township_delivery"),
    action_label="登记已送达",
    recorder=Party.SCHOOL,
    may_reject=False,  # the report stays on file whatever the office says: recorded, or corrected
)
DISTRICT = district_approval("区教育局书面确认", action_label="确认并存档")


class Dropout(Kind):
    key = "dropout"
    label = "辍学报告"
    number_prefix = "CX"
    every_step = (PREPARE, SCHOOL, TOWNSHIP, DISTRICT)
    rules = ("R13.2", "R13.3", "R17.2")
    facts = FACTS
    documents = DOCUMENTS
    refusals = REFUSALS
    letters = LETTERS
    supersedes = True  # R17.2
    urls = "xueji.changes.kinds.dropout.urls"
    api = "xueji.changes.kinds.dropout.api"
    demo = "xueji.changes.kinds.dropout.demo"
    for_statuses = (Enrollment.Status.ENROLLED, Enrollment.Status.SUSPENDED)
    student_action = ("dropout:new", "报告辍学")
    menu = (("dropout:list", "辍学劝返", (Role.REGISTRAR, Role.SCHOOL_APPROVER, Role.DISTRICT_OFFICER)),)
    started_message = "已发起辍学报告 {number}。请核对辍学情况和劝返措施，提交学校审核后书面报告。"
    timeline_hint = "第十三条：学校书面报告乡镇（街道）和区教育局，保留学籍并继续劝返"

    def check_decision(self, case: Case, decided: Mapping[str, Any]) -> list[RuleViolation]:
        """The street office cannot have received the report before the school learned of the
        dropout, nor after today."""
        delivered = decided.get("township_delivered_on")
        if not delivered:
            return []
        if delivered > clock.today().isoformat():
            return [REFUSALS["delivered_in_future"]()]
        if delivered < case.facts["learned_on"]:
            return [REFUSALS["delivered_before_learned"]()]
        return []

    def external_party(self, case: Case) -> str:
        return str(case.facts.get("township") or "乡镇人民政府（街道办事处）")

    def on_complete(self, case: Case, actor: User) -> None:
        """R13.2: 辍学 from the day after the last day at school; the record is kept."""
        assert case.student_id is not None  # the case is about a student of this system
        last = dt.date.fromisoformat(case.facts["last_attended_on"])
        status.enrollment_change_status(
            actor=actor,
            student=case.student_id,
            status=Enrollment.Status.DROPPED_OUT,
            starts_on=last + dt.timedelta(days=1),
            reference=case.number,
        )

    def home_cards(self, user: User) -> list[HomeCard]:
        """R13.2: dropped-out students with no effort to bring them back in the last 30 days."""
        from xueji.students import selectors as student_selectors

        if not user.has_role(Role.REGISTRAR, Role.SCHOOL_APPROVER, Role.DISTRICT_OFFICER):
            return []
        waiting = student_selectors.dropouts_without_recent_effort(requested_by=user).count()
        days = student_selectors.EFFORT_DAYS
        return [HomeCard(f"辍学学生 {days} 天内未劝返", waiting, "dropout:list", "劝返名单")]


DROPOUT = Dropout()
