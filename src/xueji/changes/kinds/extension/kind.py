"""Extension of a suspension (延长休学, R12.4): the guardian applies with a certificate, the school
reviews, the district approves; each extension runs one more year by default. More than two years
of suspension in total is flagged to the district, with the history of periods — never refused."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from xueji.changes.kinds.base import Kind
from xueji.changes.kinds.extension.schemas import FACTS
from xueji.changes.kinds.own_student import district_approval, prepare, school_review
from xueji.org.models import Role
from xueji.org.policy import Limit
from xueji.students import status
from xueji.students.models import Enrollment

if TYPE_CHECKING:
    from xueji.changes.models import Case
    from xueji.org.models import User

FLAG_TOTAL_YEARS = Limit(
    "suspension.flag_total_years", "累计休学超过此年限提请区教育局审核", "年", "R12.4", 2, 1, 9
)
CERTIFICATE = {"extension_certificate": "监护人延长休学申请及相关证明（如医院证明）"}

PREPARE = prepare("学校受理（监护人申请、证明材料）", lambda context: CERTIFICATE)
SCHOOL = school_review()
DISTRICT = district_approval()


class Extension(Kind):
    key = "extension"
    label = "延长休学"
    number_prefix = "YC"
    every_step = (PREPARE, SCHOOL, DISTRICT)
    rules = ("R12.4",)
    facts = FACTS
    documents = CERTIFICATE
    urls = "xueji.changes.kinds.extension.urls"
    api = "xueji.changes.kinds.extension.api"
    demo = "xueji.changes.kinds.extension.demo"
    for_statuses = (Enrollment.Status.SUSPENDED,)
    student_action = ("extension:new", "延长休学")
    printable = "延长休学申请表"
    started_message = "已发起延长休学 {number}。请上传监护人申请和证明材料，齐全后提交学校审核。"
    timeline_hint = "第十二条：学校审核后报区教育局审批"

    def on_complete(self, case: Case, actor: User) -> None:
        assert case.student_id is not None  # the case is about a student of this system
        status.status_period_extend(
            actor=actor,
            student=case.student_id,
            ends_on=dt.date.fromisoformat(case.facts["ends_on"]),
            reference=case.number,
        )


EXTENSION = Extension()
__all__ = ["EXTENSION", "FLAG_TOTAL_YEARS", "Role"]
