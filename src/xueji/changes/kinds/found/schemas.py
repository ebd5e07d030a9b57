"""The return of a missing student: the facts."""

from __future__ import annotations

from xueji.changes.kinds.facts import Fact, FactSchema
from xueji.core.codes import GRADE_NAMES

GRADES = {str(grade): name for grade, name in GRADE_NAMES.items()}

FACTS = FactSchema(
    "found",
    (
        Fact("grade", "返校年级", "int", choices=GRADES, entered=False, help="按离校时年级衔接"),
        Fact("returns_on", "返校日期", "date", rule="R15.2", required=True),
        Fact(
            "description",
            "情况说明",
            "longtext",
            rule="R15.2",
            required=True,
            required_message="请写明学生找到或解除羁押、返校的情况。",
            placeholder="如：已由公安机关找回，经家长申请于 12 月 7 日返校",
        ),
    ),
)
START_KEYS = ("returns_on", "description")
