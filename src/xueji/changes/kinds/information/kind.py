"""An information change (信息变更, R9.1): the guardian asks, with the household register, the ID
card or a police certificate; the registrar files it, the school approver reviews it; a change of
key information (name, gender, birth date, ID document type, ID number, ethnicity) then goes to the
district. It changes no status, so it may run beside a transfer or a suspension (R17.2), one
request per student at a time. The last approval applies it through the students app's one writer
(``information_change_apply``); the documents then join the student's evidence (category 二)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from xueji.changes.kinds.base import EvidenceContext, Kind, Step
from xueji.changes.kinds.information.schemas import FACTS
from xueji.changes.kinds.own_student import district_approval, prepare, school_review
from xueji.students.display import shown
from xueji.students.information_services import FIELDS, information_change_apply
from xueji.students.models import Enrollment

if TYPE_CHECKING:
    from xueji.changes.models import Case
    from xueji.org.models import User

DOCUMENTS = {
    "guardian_application": "监护人申请（签字的《学生信息变更申请表》）",
    "household": "户口簿（学生本人页等相关页）",
    "id_card": "居民身份证",
    "police": "公安机关证明",
}


def _needed(context: EvidenceContext) -> Mapping[str, str]:
    """The signed request and the proof the registrar chose (R9.1: one of the three)."""
    needed = {"guardian_application": DOCUMENTS["guardian_application"]}
    proof = str(context.facts.get("proof") or "")
    if proof in DOCUMENTS:
        needed[proof] = DOCUMENTS[proof]
    return needed


PREPARE = prepare("学校受理（监护人申请、证明材料）", _needed)
SCHOOL = school_review("学校审核（核对证明材料）")
DISTRICT = district_approval("区教育局审批（关键信息）")


class InformationChange(Kind):
    key = "information"
    label = "信息变更"
    number_prefix = "BG"
    every_step = (PREPARE, SCHOOL, DISTRICT)
    rules = ("R9.1",)
    facts = FACTS
    documents = DOCUMENTS
    status_changing = False  # R17.2: runs beside a status-changing case
    urls = "xueji.changes.kinds.information.urls"
    api = "xueji.changes.kinds.information.api"
    demo = "xueji.changes.kinds.information.demo"
    for_statuses = (
        Enrollment.Status.ENROLLED,
        Enrollment.Status.SUSPENDED,
        Enrollment.Status.ABROAD,
        Enrollment.Status.DROPPED_OUT,
        Enrollment.Status.GRADUATED,
    )
    student_action = ("information:new", "信息变更申请")
    printable = "学生信息变更申请表"
    detail_template = "information/_detail.html"
    started_message = "已登记信息变更申请 {number}。请上传监护人签字的申请表和证明材料，齐全后提交学校审核。"
    timeline_hint = "第九条：关键信息（姓名、性别、出生日期、证件类型、证件号、民族）须报区教育局批准，其他信息经学校审核后生效"
    evidence_hint = "证明材料须与变更后的信息一致；批准后归入学生档案（第二类 佐证材料）。"

    def steps(self, case: Case) -> list[Step]:
        """Key information goes on to the district; other fields take effect on school approval."""
        return [PREPARE, SCHOOL, DISTRICT] if case.facts.get("key_change") else [PREPARE, SCHOOL]

    def on_complete(self, case: Case, actor: User) -> None:
        assert case.student_id is not None  # the request is about a student of this system
        information_change_apply(
            actor=actor,
            student_id=case.student_id,
            diff=case.facts["diff"],
            reference=case.number,
            confirm_region=bool(case.facts.get("confirm_region")),
        )

    def form_rows(self, case: Case) -> list[tuple[str, str]]:
        """The printed form: one row per changed item (原 → 新), then the request's own facts."""
        changed = [
            (f"{FIELDS[field][0]}（变更）", f"原：{shown(field, old)}　→　新：{shown(field, new)}")
            for field, (old, new) in case.facts.get("diff", {}).items()
            if field in FIELDS
        ]
        return changed + self.facts.rows(case.facts)


INFORMATION = InformationChange()
