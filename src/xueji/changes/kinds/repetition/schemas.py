"""The repeat year's facts (R14.1)."""

from __future__ import annotations

from xueji.changes.kinds.facts import Fact, FactSchema
from xueji.core.codes import GRADE_NAMES

GRADES = {str(grade): name for grade, name in GRADE_NAMES.items()}

FACTS = FactSchema(
    "repetition",
    (
        Fact("grade", "留级年级", "int", choices=GRADES, entered=False, help="下一学年仍在本年级"),
        Fact(
            "reason",
            "申请理由",
            "longtext",
            rule="R14.1",
            required=True,
            required_message="请写明监护人申请留级的理由（第十四条）。",
            placeholder="如：因病缺课较多，监护人申请下一学年仍就读本年级",
        ),
        Fact("guardian_name", "申请人（监护人）", rule="R14.1", required=True, max_length=50),
    ),
)
START_KEYS = ("reason", "guardian_name")
