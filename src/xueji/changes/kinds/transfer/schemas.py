"""The transfer's facts (R10.1, R10.3, R10.5, R10.9, R10.11, R11.1): one schema for the start
forms, the API and the case page."""

from __future__ import annotations

from xueji.changes.kinds.facts import Fact, FactSchema
from xueji.core.codes import GRADE_NAMES

GROUNDS = {  # R10.1
    "household_moved": "随父母或其他法定监护人户籍迁移",
    "preferential": "符合优抚政策",
    "migrant_child": "进城务工人员随迁子女到流入地就学",
}
NATURES = {"returning": "返市生", "migrant": "进城务工子女", "other": "其他"}  # R10.3
SCOPES = {"intra_province": "省内转学", "cross_province": "跨省转学"}
RECORD_MOVES = {"1": "学籍转入新学校", "0": "学籍保留在原学校"}  # R11.1
GRADES = {str(grade): name for grade, name in GRADE_NAMES.items()}

EXTERNAL = Fact(
    "external",
    "系统外转出方",
    "group",
    rule="R10.5",
    help="学籍不在本系统（外省）时填写",
    page=False,
    members=(
        Fact("name", "学生姓名", max_length=50),
        Fact("id_number", "身份证号", max_length=30, masked=True),
        Fact("province", "转出学校所在省份", max_length=30),
        Fact("school", "转出学校", max_length=100),
        Fact("grade", "现就读年级", max_length=2, help="1–9"),
    ),
)

FACTS = FactSchema(
    "transfer",
    (
        Fact("grade", "年级（平级转学）", "int", choices=GRADES, entered=False, help="R10.11"),
        Fact("grounds", "转学理由", "choice", GROUNDS, rule="R10.1", required=True, help="第十条"),
        Fact("nature", "转学性质", "choice", NATURES, rule="R10.3", required=True),
        Fact(
            "scope",
            "省内/跨省",
            "choice",
            SCOPES,
            rule="R10.5",
            required_message="请选择省内转学或跨省转学。",
            help="系统内学籍按两校所在省自动判断；仅系统外学籍填写",
        ),
        Fact(
            "reason",
            "转学原因",
            "longtext",
            rule="R10.5",
            required=True,
            required_message="请简要注明转学原因（第十条）。",
            placeholder="如：随父母户籍迁入北关区，现住红旗路社区",
        ),
        Fact(
            "record_moves",
            "学籍去向",
            "bool",
            RECORD_MOVES,
            rule="R11.1",
            help="特殊教育学校与普通学校之间转学时必填（第十一条）",
        ),
        EXTERNAL,
        Fact("class_id", "拟编入班级 id", "int", entered=False, page=False),
        Fact(
            "needs_exception",
            "北关区区内转学，须区教育局登记例外（R10.9）",
            "bool",
            entered=False,
            page=False,
        ),
        Fact(
            "outside_window",
            "超出省内转学办理时间，须区教育局登记例外（R10.7）",
            "bool",
            entered=False,
            page=False,
        ),
        Fact("next_window", "下一次办理时间", entered=False, page=False),
        Fact("exception_reason", "已登记的例外理由", entered=False, page=False),
        Fact("exception_by", "登记例外的学籍干部", entered=False, shown=False),
        Fact("warnings", "提示（不阻止办理）", "list", entered=False, page=False),
    ),
)
