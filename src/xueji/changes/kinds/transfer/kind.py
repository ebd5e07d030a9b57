"""The transfer between schools (Art. 10, 11; RULES.md R10.1–R10.11, R11.1), declared as steps.

Chain (R10.5, the provincial platform's order): the transfer-in school prepares the case → the
district files it on the Tuesday batch (R10.4) → transfer-in school review → transfer-in bureau →
transfer-out school → transfer-out bureau. One bureau supervising both schools acts once, last; a
school in another province is an external party whose decision the district officer records.
Every step after filing has 10 working days from the day it became that party's turn (R10.7).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings

from xueji.changes.kinds.base import EvidenceContext, ExtraAction, HomeCard, Kind, Party, Refusal, Step
from xueji.changes.kinds.transfer.schemas import FACTS
from xueji.core.calendar import first_working_day_from
from xueji.org.models import Role
from xueji.org.policy import Limit
from xueji.students import status

if TYPE_CHECKING:
    from xueji.changes.models import Case
    from xueji.org.models import User

# Evidence each ground and nature needs, as defaults the district may change in settings
# (XUEJI["TRANSFER_EVIDENCE"]). Never a 学籍证明: records are verified online (R10.6).
DEFAULT_EVIDENCE = {
    "always": {"transfer_application": "监护人转学申请"},
    "household_moved": {"household_migration": "户籍迁移证明"},
    "preferential": {"preferential_certificate": "优抚政策证明"},
    "migrant_child": {"residence_proof": "居住证明", "parents_work_proof": "父母务工证明"},
    "returning": {"household_register": "户口簿"},
    "migrant": {"residence_proof": "居住证明", "parents_work_proof": "父母务工证明"},
    "other": {},
    "external_confirmation": {"external_confirmation": "外省转出确认材料"},
    "exchange_confirmation": {"exchange_confirmation": "省级平台跨省交换确认材料"},
}
DOCUMENT_LABELS = {code: label for group in DEFAULT_EVIDENCE.values() for code, label in group.items()}

STEP_DAYS = Limit("transfer.step_days", "转学每个环节办理时限", "个工作日", "R10.7", 10, 1, 60)
ONLINE_DAYS = Limit(
    "transfer.online_days", "转学网上办理总时限（自区教育局同意备案起）", "个工作日", "R10.7", 10, 1, 60
)
WINDOW_MONTHS = Limit("transfer.window_months", "省内转学办理时间（开学后）", "个月", "R10.7", 2, 1, 6)

REFUSALS = {
    r.code: r
    for r in (
        Refusal(
            "R10.8",
            "own_student",
            "该学生是本校学生。转学由转入学校发起，学校不得为本校学生办理转出（第十条第四款：不得责令学生转学）。",
            "student",
        ),
        Refusal(
            "R10.11",
            "suspended",
            "该学生正在休学，休学期间不能转学。请先办理复学，再办理转学。",
            "student",
        ),
        Refusal(
            "R10.11", "not_enrolled", "该学生学籍状态为“{status}”，只有在读学生可以办理转学。", "student"
        ),
        Refusal(
            "R10.11",
            "grade_not_offered",
            "{school}不设{grade}年级。转学须平级转入（原年级 {grade}），请核对。",
            "grade",
        ),
        Refusal(
            "R10.3",
            "grade_full",
            "本校{grade}年级学位已满（{enrolled}/{seats}），不能接收转学（第十条：根据学位情况审验）。",
            "grade",
        ),
        Refusal("R10.3", "class_mismatch", "请选择本校{grade}年级的班级。", "school_class"),
        Refusal(
            "R10.3", "class_full", "{name}已满（{enrolled}/{capacity}），请选择其他班级。", "school_class"
        ),
        Refusal(
            "R10.7",
            "outside_window",
            "省内转学一般在新学期开学后两个月内办理，现已超出办理时间（第十条第三款）。"
            "确有特殊情况的，须由区教育局学籍干部登记例外理由后才能提交备案；"
            "否则请在下一次办理时间（{next_window}）提交。",
            "scope",
        ),
        Refusal(
            "R10.9",
            "within_district",
            "为防止择校和大班额，北关区区域内学校原则上不转学（第十条第五款）。"
            "确有特殊情况的，须由区教育局学籍干部登记例外理由后才能提交备案。",
            "school",
        ),
        Refusal("R10.9", "no_exception_needed", "该转学不需要例外批准。"),
        Refusal("R10.9", "reason_required", "请写明例外批准的理由。", "comment"),
        Refusal(
            "R11.1",
            "record_moves_required",
            "特殊教育学校与普通学校之间转学，学籍可以转入新学校，也可以保留在原学校，请选择（第十一条）。",
            "record_moves",
        ),
        Refusal(
            "R10.5",
            "external_required",
            "本系统中未找到该学生，请填写转出方信息：{missing}。",
            "external",
        ),
        Refusal("R10.11", "external_grade", "请填写学生现就读年级（1–9）。", "grade"),
        Refusal(
            "R6.2",
            "external_held",
            "该身份证件号的学生已在本系统建有学籍，不能按“系统外学生”发起转学，否则会重复建立学籍"
            "（第六条）。请返回「转学核验」，按户口簿核对姓名后用身份证件号重新核验；"
            "学生如已在本校就读，无需转学。",
            "id_number",
            conflict=True,
        ),
        Refusal(
            "R10.3",
            "not_verified",
            "请先按身份证号和姓名核验该学生的学籍（第十条：转入学校在线核验学籍），核验后 24 小时内可以发起转学。",
            "student_id",
        ),
        Refusal(
            "R10.3",
            "student_or_external",
            "请给出核验得到的 student_id，或（学籍不在本系统时）转出方信息 external，二者选一。",
            "student_id",
        ),
        Refusal(
            "R10.3",
            "class_not_found",
            "所选班级不存在或不属于本校，请重新选择班级（第十条：根据学位情况审验）。",
            "class_id",
        ),
    )
}


def evidence_table() -> Mapping[str, Mapping[str, str]]:
    return settings.XUEJI.get("TRANSFER_EVIDENCE") or DEFAULT_EVIDENCE


def start_evidence(context: EvidenceContext) -> dict[str, str]:
    """What the transfer-in school needs before it can file the case (R10.2, R10.3)."""
    table = evidence_table()
    needed: dict[str, str] = dict(table.get("always", {}))
    needed.update(table.get(context.facts.get("grounds", ""), {}))
    needed.update(table.get(context.facts.get("nature", ""), {}))
    return needed


def external_evidence(context: EvidenceContext) -> dict[str, str]:
    return dict(evidence_table().get("external_confirmation", {}))


def exchange_evidence(context: EvidenceContext) -> dict[str, str]:
    return dict(evidence_table().get("exchange_confirmation", {}))


def filing_day(ready: dt.date, district: Any) -> tuple[dt.date, bool, str]:
    """R10.4: filings are collected on Tuesdays; a Tuesday that is no working day moves on to the
    next working day. A case ready on a Tuesday joins that day's batch."""
    tuesday = ready + dt.timedelta(days=(1 - ready.weekday()) % 7)
    day = first_working_day_from(tuesday, district=district)
    return day.date, day.provisional, day.warning


SCHOOL_STAFF = (Role.SCHOOL_APPROVER,)
OFFICER = (Role.DISTRICT_OFFICER,)

PREPARE = Step(
    "prepare",
    "转入学校受理（核验、审验材料）",
    Party.SCHOOL,
    (Role.REGISTRAR,),
    evidence=start_evidence,
    action_label="提交备案",
)
FILING = Step(
    "filing",
    "区教育局备案（每周二汇总）",
    Party.SCHOOL_BUREAU,
    OFFICER,
    due=filing_day,
    action_label="同意备案",
)
IN_SCHOOL = Step(
    "in_school", "转入学校审核", Party.SCHOOL, SCHOOL_STAFF, days=STEP_DAYS, starts_case_clock=True
)
IN_BUREAU = Step("in_bureau", "转入地教育局审核", Party.SCHOOL_BUREAU, OFFICER, days=STEP_DAYS)
OUT_SCHOOL = Step("out_school", "转出学校核办", Party.OTHER_SCHOOL, SCHOOL_STAFF, days=STEP_DAYS)
OUT_BUREAU = Step("out_bureau", "转出地教育局审核", Party.OTHER_BUREAU, OFFICER, days=STEP_DAYS)
ONE_BUREAU = Step("bureau", "区教育局审核（转入转出同属本局）", Party.SCHOOL_BUREAU, OFFICER, days=STEP_DAYS)
EXTERNAL = Step(
    "external",
    "外省转出方确认（省级交换，由区教育局据材料登记）",
    Party.EXTERNAL,
    OFFICER,
    days=STEP_DAYS,
    evidence=external_evidence,
    action_label="登记外省已确认",
)
# R10.5: every cross-province transfer passes the provincial platforms' exchange, also between two
# schools that are both in this deployment; the district records it with the platform's evidence.
EXCHANGE = Step(
    "exchange",
    "省级平台跨省交换（由区教育局据材料登记）",
    Party.EXTERNAL,
    OFFICER,
    days=STEP_DAYS,
    evidence=exchange_evidence,
    action_label="登记交换已完成",
)


def exception_subject(facts: Mapping[str, Any]) -> str:
    """What a district exception allows: a transfer within Beiguan (R10.9), one outside the
    window (R10.7), or both."""
    parts = [
        label
        for key, label in (("needs_exception", "区内转学"), ("outside_window", "超出办理时间"))
        if facts.get(key)
    ]
    return "、".join(parts) or "转学"


def _exception_allowed(user: Any, case: Case) -> bool:
    return bool(
        (case.facts.get("needs_exception") or case.facts.get("outside_window"))
        and not case.facts.get("exception_reason")
        and case.school.district.code.startswith(user.jurisdiction.scope_prefix)
    )


def _grant_exception(*, actor: User, case: Case, text: str) -> Case:
    from xueji.changes.kinds.transfer.services import transfer_grant_exception

    return transfer_grant_exception(actor=actor, case=case, reason=text)


class Transfer(Kind):
    key = "transfer"
    label = "转学"
    number_prefix = "ZX"
    every_step = (
        PREPARE,
        FILING,
        IN_SCHOOL,
        IN_BUREAU,
        EXCHANGE,
        OUT_SCHOOL,
        OUT_BUREAU,
        ONE_BUREAU,
        EXTERNAL,
    )
    rules = ("R10.5", "R10.7")
    open_case_rule = "R10.10"  # a student has at most one open transfer
    case_days = ONLINE_DAYS
    facts = FACTS
    documents = DOCUMENT_LABELS
    refusals = REFUSALS
    urls = "xueji.changes.kinds.transfer.urls"
    api = "xueji.changes.kinds.transfer.api"
    demo = "xueji.changes.kinds.transfer.demo"
    menu = (
        ("transfer:verify", "转学", (Role.REGISTRAR,)),
        ("transfer:batches", "转学备案", (Role.DISTRICT_OFFICER,)),
    )
    start = ("transfer:verify", "发起转学", (Role.REGISTRAR,))
    school_label = "转入学校"
    other_school_label = "转出学校"
    detail_template = "transfer/_detail.html"
    started_message = (
        "已发起转学 {number}。请上传佐证材料的扫描件或照片，齐全后点击「提交备案」（每周二汇总报区教育局）。"
    )
    withdraw_hint = "撤回后事项终止，不能恢复；如需转学须重新发起。"
    timeline_hint = "第十条：备案后每个环节应在轮到之日起 10 个工作日内办结"
    evidence_hint = "不需要也不得要求学籍证明（第十条，教政法函〔2019〕12号）"

    def steps(self, case: Case) -> list[Step]:
        head = [PREPARE, FILING, IN_SCHOOL]
        if case.other_school is None:  # the transfer-out school is outside this deployment
            return [*head, IN_BUREAU, EXTERNAL]
        if case.other_school.district_id == case.school.district_id:
            return [*head, OUT_SCHOOL, ONE_BUREAU]
        if case.facts.get("scope") == "cross_province":
            return [*head, IN_BUREAU, EXCHANGE, OUT_SCHOOL, OUT_BUREAU]
        return [*head, IN_BUREAU, OUT_SCHOOL, OUT_BUREAU]

    def check_submit(self, case: Case) -> None:
        # R10.9: within Beiguan, and R10.7: outside the window, only with a district officer's
        # recorded exception.
        if case.facts.get("exception_reason"):
            return
        if case.facts.get("needs_exception"):
            raise REFUSALS["within_district"]()
        if case.facts.get("outside_window"):
            raise REFUSALS["outside_window"](next_window=case.facts.get("next_window", "下学期开学后"))

    def on_complete(self, case: Case, actor: User) -> None:
        """R10.10: the record moves to the new school in the completing transaction; the old
        school keeps the hand-over's read-only copy (R8.1); the transfer-in registrar then places
        the student in a class (待分班)."""
        if case.student_id is None:
            return  # a record from another province arrives through "import an existing record"
        if case.facts.get("record_moves") is False:
            return  # R11.1: the record stays at the old school
        _new, snapshot = status.enrollment_move(
            actor=actor,
            student=case.student_id,
            to_school=case.school,
            school_class=_class_of(case),
            reference=case.number,
        )
        case.facts = {**case.facts, "archive_id": snapshot.pk}  # the old school's copy (R8.1)

    def extra_actions(self) -> tuple[ExtraAction, ...]:
        return (
            ExtraAction(
                key="exception",
                label="登记例外",
                roles=OFFICER,
                perform=_grant_exception,
                allowed=_exception_allowed,
                prompt="例外理由（必填：区内转学见第十条第五款，超出办理时间见第十条第三款）",
                done="已登记例外，发起学校现在可以提交备案。",
                description="R10.9：北关区区域内学校原则上不转学；R10.7：省内转学一般在开学后两个月内办理。"
                "确有特殊情况的，区教育局学籍干部登记例外理由（reason）后，发起学校才能提交备案。",
            ),
        )

    def home_cards(self, user: User) -> list[HomeCard]:
        if not user.has_role(Role.DISTRICT_OFFICER):
            return []
        from xueji.changes.kinds.transfer.selectors import filing_batches

        waiting = sum(len(cases) for _, cases in filing_batches(requested_by=user))
        return [HomeCard("待备案转学（每周二汇总）", waiting, "transfer:batches", "转学备案汇总表")]

    def student_label(self, case: Case) -> tuple[str, str]:
        external = case.facts.get("external") or {}
        return external.get("name", ""), external.get("id_number", "")

    def counterpart(self, case: Case) -> str:
        """Where the record comes from: the other school, or the external party described."""
        if case.other_school is not None:
            return case.other_school.name
        where = _external_where(case)
        return f"{where}（系统外）" if where else "—"

    def external_party(self, case: Case) -> str:
        if case.other_school_id:  # the provincial exchange between two schools both here
            return "省级学籍平台"
        return _external_where(case) or "外省转出方"


def _external_where(case: Case) -> str:
    external = case.facts.get("external") or {}
    return f"{external.get('province', '')}{external.get('school', '')}"


def _class_of(case: Case) -> Any:
    from xueji.org.models import SchoolClass

    class_id = case.facts.get("class_id")
    return SchoolClass.objects.filter(pk=class_id).first() if class_id else None


TRANSFER = Transfer()
