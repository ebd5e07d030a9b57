"""The return of a dropped-out student: the facts."""

from __future__ import annotations

from xueji.changes.kinds.facts import Fact, FactSchema
from xueji.core.codes import GRADE_NAMES

GRADES = {str(grade): name for grade, name in GRADE_NAMES.items()}

FACTS = FactSchema(
    "dropout_return",
    (
        Fact("grade", "复学年级", "int", choices=GRADES, entered=False, help="按辍学时年级衔接"),
        Fact("returns_on", "返校日期", "date", rule="R13.2", required=True),
        Fact("guardian_name", "申请人（监护人）", rule="R13.2", required=True, max_length=50),
        Fact(
            "description",
            "说明",
            "longtext",
            rule="R13.2",
            placeholder="如：经多次家访劝返，家长同意送孩子返校",
        ),
    ),
)
START_KEYS = ("returns_on", "guardian_name", "description")
