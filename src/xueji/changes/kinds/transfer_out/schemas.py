"""A transfer out of this deployment (R10.5, R10.8): what the transfer-out school records of the
request the receiving school made on its own platform."""

from __future__ import annotations

from xueji.changes.kinds.facts import Fact, FactSchema

SCOPES = {"intra_province": "省内转学", "cross_province": "跨省转学"}

FACTS = FactSchema(
    "transfer_out",
    (
        Fact(
            "platform_request",
            "转入方平台的转学申请编号",
            rule="R10.8",
            required=True,
            max_length=50,
            required_message="学校不得为本校学生办理转出（第十条）：须由转入学校在其学籍平台发起转学。"
            "请录入对方平台的转学申请编号。",
        ),
        Fact("to_province", "转入学校所在省份", rule="R10.5", required=True, max_length=30),
        Fact(
            "to_school",
            "转入学校",
            rule="R10.8",
            required=True,
            max_length=100,
            required_message="请填写发起转学的转入学校（第十条：转学由转入学校发起）。",
        ),
        Fact("requested_on", "对方发起日期", "date", rule="R10.5", required=True),
        Fact("scope", "省内/跨省", "choice", SCOPES, entered=False),
        Fact("grade", "年级（平级转学）", "int", entered=False),
        Fact("reason", "转学原因", "longtext", rule="R10.5", placeholder="如：随父母户籍迁往郑州市金水区"),
    ),
)
START_KEYS = ("platform_request", "to_province", "to_school", "requested_on", "reason")
