"""The suspension's facts (R12.1, R12.2, R12.4): one schema for the start form, the API and the
case page."""

from __future__ import annotations

from xueji.changes.kinds.facts import Fact, FactSchema
from xueji.changes.kinds.suspension.rules import ILLNESS, LEAVE, OTHER
from xueji.core.codes import GRADE_NAMES

GROUNDS = {  # R12.1
    ILLNESS: "因病需治疗、休养（达到学期教学时间三分之一以上）",
    LEAVE: "连续请假超过学期教学时间三分之一，仍不能到校",
    OTHER: "其他特殊原因",
}
CAUSES = {"illness": "因病", "personal": "因事"}  # R12.2: what a leave is for decides its evidence
GRADES = {str(grade): name for grade, name in GRADE_NAMES.items()}

FACTS = FactSchema(
    "suspension",
    (
        Fact("grade", "休学时年级", "int", choices=GRADES, entered=False, help="复学时按此年级衔接（R12.5）"),
        Fact("ground", "休学情形", "choice", GROUNDS, rule="R12.1", required=True, help="第十二条"),
        Fact("cause", "请假原因", "choice", CAUSES, rule="R12.2", help="连续请假的，选择因病或因事"),
        Fact(
            "absence_from",
            "治疗休养或请假开始日期",
            "date",
            rule="R12.1",
            help="按医嘱治疗、休养或连续请假的起止日期，用于计算占学期教学时间的比例",
        ),
        Fact("absence_to", "治疗休养或请假结束日期", "date", rule="R12.1"),
        Fact("starts_on", "休学起始日期", "date", rule="R12.4", required=True, help="休学期一般为一年"),
        Fact("ends_on", "休学期满日期", "date", entered=False, help="起始日期一年后的前一天（R12.4）"),
        Fact("share", "占本学期教学时间", entered=False, help="工作日计（R12.1）"),
        Fact(
            "reason",
            "休学原因",
            "longtext",
            rule="R12.1",
            required=True,
            required_message="请写明休学原因（第十二条）。",
            placeholder="如：因急性肾炎住院治疗，医嘱休养三个月",
        ),
        Fact("guardian_name", "申请人（监护人）", rule="R12.2", required=True, max_length=50),
        Fact("warnings", "提示（不阻止办理）", "list", entered=False, page=False),
    ),
)
START_KEYS = ("ground", "cause", "absence_from", "absence_to", "starts_on", "guardian_name", "reason")
