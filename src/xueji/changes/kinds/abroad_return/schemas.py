"""Return from abroad into compulsory education at this school (R12.7): the facts."""

from __future__ import annotations

from xueji.changes.kinds.facts import Fact, FactSchema
from xueji.core.codes import GRADE_NAMES

GRADES = {str(grade): name for grade, name in GRADE_NAMES.items()}

FACTS = FactSchema(
    "abroad_return",
    (
        Fact("returns_on", "回国（境）入学日期", "date", rule="R12.7", required=True),
        Fact("grade", "出国（境）时年级", "int", choices=GRADES, entered=False),
        Fact(
            "proposed_grade",
            "按衔接建议的年级",
            "int",
            choices=GRADES,
            entered=False,
            help="出国（境）时年级加上离开的学年数",
        ),
        Fact(
            "decided_grade", "区教育局确定的年级", "int", choices=GRADES, rule="R12.7", minimum=1, maximum=9
        ),
        Fact("guardian_name", "申请人（监护人）", rule="R12.7", required=True, max_length=50),
        Fact(
            "reason", "说明", "longtext", rule="R12.7", placeholder="如：随父母回国，在境外已完成四年级学习"
        ),
    ),
)
START_KEYS = ("returns_on", "guardian_name", "reason")
