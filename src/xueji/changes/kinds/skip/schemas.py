"""The skip's facts (R14.1)."""

from __future__ import annotations

from xueji.changes.kinds.facts import Fact, FactSchema
from xueji.core.codes import GRADE_NAMES

GRADES = {str(grade): name for grade, name in GRADE_NAMES.items()}

FACTS = FactSchema(
    "skip",
    (
        Fact("grade", "现年级", "int", choices=GRADES, entered=False),
        Fact(
            "requested_grade",
            "申请就读年级",
            "int",
            choices=GRADES,
            rule="R14.1",
            required=True,
            minimum=2,
            maximum=9,
        ),
        Fact(
            "reason",
            "申请理由",
            "longtext",
            rule="R14.1",
            required=True,
            required_message="请写明监护人申请跳级的理由（第十四条）。",
        ),
        Fact("guardian_name", "申请人（监护人）", rule="R14.1", required=True, max_length=50),
        Fact(
            "exception_reason",
            "区教育局同意跳级的理由（例外）",
            "longtext",
            rule="R14.1",
            help="跳级原则上不予办理；区教育局同意的，须登记理由（第十四条）",
        ),
    ),
)
START_KEYS = ("requested_grade", "reason", "guardian_name")
