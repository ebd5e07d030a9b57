"""Study abroad or outside the mainland (R12.7): the facts."""

from __future__ import annotations

from xueji.changes.kinds.facts import Fact, FactSchema

FACTS = FactSchema(
    "abroad",
    (
        Fact(
            "destination",
            "前往国家（地区）",
            rule="R12.7",
            required=True,
            max_length=50,
            placeholder="如：新加坡、香港特别行政区",
        ),
        Fact("school_abroad", "境外就读学校", rule="R12.7", max_length=100),
        Fact("leaves_on", "出国（境）日期", "date", rule="R12.7", required=True),
        Fact("guardian_name", "申请人（监护人）", rule="R12.7", required=True, max_length=50),
        Fact("reason", "说明", "longtext", rule="R12.7", placeholder="如：随父母工作外派，赴新加坡就读"),
    ),
)
START_KEYS = ("destination", "school_abroad", "leaves_on", "guardian_name", "reason")
