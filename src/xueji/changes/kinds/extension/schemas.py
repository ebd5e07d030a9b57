"""The extension's facts (R12.4)."""

from __future__ import annotations

from xueji.changes.kinds.facts import Fact, FactSchema

FACTS = FactSchema(
    "extension",
    (
        Fact("current_ends_on", "原休学期满日期", "date", entered=False),
        Fact("ends_on", "延长后期满日期", "date", entered=False, help="再延长一年（R12.4）"),
        Fact("total", "累计休学", entered=False),
        Fact("over_limit", "累计休学超过规定年限，提请区教育局重点审核", "bool", entered=False, page=False),
        Fact(
            "reason",
            "延长休学原因",
            "longtext",
            rule="R12.4",
            required=True,
            required_message="请写明延长休学的原因（第十二条）。",
            placeholder="如：仍在康复期，医院建议继续休养",
        ),
        Fact("guardian_name", "申请人（监护人）", rule="R12.4", required=True, max_length=50),
        Fact("warnings", "提示（不阻止办理）", "list", entered=False, page=False),
    ),
)
START_KEYS = ("guardian_name", "reason")
