"""The information change's facts (R9.1): the requested values (one optional entry per field of the
student's own, blank = unchanged), the proof, the reason and who asks; what the service derives
(the change as old → new, whether key information changes) is stored beside them."""

from __future__ import annotations

from xueji.changes.kinds.facts import Fact, FactSchema
from xueji.students import validation

PROOFS = {"household": "户口簿", "id_card": "居民身份证", "police": "公安机关证明"}

REQUESTED = tuple(
    Fact(field, label, max_length=200, rule="R9.1")
    for field, (label, _clean) in validation.STUDENT_FIELDS.items()
)

FACTS = FactSchema(
    "information",
    (
        Fact(
            "changes",
            "变更后的信息",
            "group",
            members=REQUESTED,
            shown=False,
            page=False,
            help="只填写要变更的项目（代码或名称均可），未填写的项目不变",
        ),
        Fact("lines", "变更内容", "list", entered=False, page=False, help="原值 → 新值；身份证件号脱敏"),
        Fact("diff", "变更（原值、新值）", entered=False, shown=False, page=False),
        # The change as the case page shows it: [label, old, new, key?], values as people read them.
        Fact("table", "变更对照", entered=False, shown=False, page=False),
        Fact(
            "key_change",
            "涉及关键信息",
            "bool",
            choices={"1": "是（报区教育局审批）", "0": "否（学校审核后生效）"},
            entered=False,
        ),
        Fact(
            "proof",
            "证明材料",
            "choice",
            choices=PROOFS,
            rule="R9.1",
            required=True,
            required_message="请选择证明材料：户口簿、居民身份证或公安机关证明（第九条）。",
        ),
        Fact(
            "reason",
            "变更原因",
            "longtext",
            rule="R9.1",
            required=True,
            required_message="请写明变更原因（第九条）。",
            placeholder="如：登记时姓名录入错误，应以户口簿为准",
        ),
        Fact("guardian_name", "申请人（监护人）", rule="R9.1", required=True, max_length=50),
        Fact("confirm_region", "确认地区码无误", "bool", shown=False, page=False),
        Fact("warnings", "提示（不阻止办理）", "list", entered=False, page=False),
    ),
)
START_KEYS = ("changes", "proof", "reason", "guardian_name", "confirm_region")
