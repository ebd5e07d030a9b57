"""The missing-student report's facts (R15.2)."""

from __future__ import annotations

from xueji.changes.kinds.facts import Fact, FactSchema

CIRCUMSTANCES = {
    "missing": "失踪、下落不明",
    "detained": "被刑事拘留等依法限制人身自由",
    "other": "其他原因离校、无法联系",
}

FACTS = FactSchema(
    "missing",
    (
        Fact(
            "learned_on",
            "学校获知日期",
            "date",
            rule="R15.2",
            required=True,
            help="应及时上报区教育局：办理时限从这一天算起（区教育局规定）",
        ),
        Fact("left_on", "离校或失去联系日期", "date", rule="R15.2", required=True),
        Fact("circumstance", "情形", "choice", CIRCUMSTANCES, rule="R15.2", required=True),
        Fact(
            "description",
            "情况说明",
            "longtext",
            rule="R15.2",
            required=True,
            required_message="请写明学生离校的经过和学校已采取的措施（第十五条）。",
            placeholder="如：11 月 16 日放学后未回家，家长已向派出所报案，学校配合查找",
        ),
        Fact("police_reference", "报案回执或公安机关通知编号", rule="R15.2", max_length=60),
    ),
)
START_KEYS = ("learned_on", "left_on", "circumstance", "description", "police_reference")
