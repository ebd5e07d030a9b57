"""The information change's API (mounted at /api/v1/cases): its start."""

from __future__ import annotations

from ninja import Router

from xueji.changes.api import add_start_endpoint
from xueji.changes.kinds.information.kind import INFORMATION
from xueji.changes.kinds.information.schemas import START_KEYS
from xueji.changes.kinds.information.services import information_start

router = Router(tags=["学籍变动 · 信息变更"])
add_start_endpoint(
    router,
    INFORMATION,
    information_start,
    keys=START_KEYS,
    summary="发起信息变更申请",
    description="监护人凭户口簿、身份证或公安机关证明申请变更学生基础信息（R9.1）：changes 中只填要变更的字段（代码或名称），"
    "学籍管理员受理，学校审核；涉及姓名、性别、出生日期、证件类型、证件号、民族的，再报区教育局审批。批准后即时生效，"
    "材料归入学生档案。变更后的身份证件号已被他人使用的返回 409。",
)
