"""The resumption's facts (R12.5)."""

from __future__ import annotations

from xueji.changes.kinds.facts import Fact, FactSchema
from xueji.core.codes import GRADE_NAMES

GRADES = {str(grade): name for grade, name in GRADE_NAMES.items()}

FACTS = FactSchema(
    "resumption",
    (
        Fact("resume_on", "复学日期", "date", rule="R12.5", required=True),
        Fact("ends_on", "休学期满日期", "date", entered=False),
        Fact("late", "期满后才复学（提示，不阻止）", "bool", entered=False),
        Fact("after_illness", "因病休学（须康复证明）", "bool", entered=False),
        Fact("grade", "休学时年级（按衔接建议复学年级）", "int", choices=GRADES, entered=False),
        Fact(
            "requested_grade",
            "申请复学年级",
            "int",
            choices=GRADES,
            rule="R12.5",
            minimum=1,
            maximum=9,
            help="一般按休学时的年级衔接；申请其他年级的，须区教育局决定",
        ),
        Fact(
            "decided_grade",
            "区教育局确定的复学年级",
            "int",
            choices=GRADES,
            rule="R12.5",
            minimum=1,
            maximum=9,
        ),
        Fact("guardian_name", "申请人（监护人）", rule="R12.5", required=True, max_length=50),
        Fact("reason", "说明", "longtext", rule="R12.5", placeholder="如：已康复，医院证明可正常上学"),
        Fact("warnings", "提示（不阻止办理）", "list", entered=False, page=False),
    ),
)
START_KEYS = ("resume_on", "requested_grade", "guardian_name", "reason")
