"""The resumption's API (mounted at /api/v1/cases): its start."""

from __future__ import annotations

from ninja import Router

from xueji.changes.api import add_start_endpoint
from xueji.changes.kinds.resumption.kind import RESUMPTION
from xueji.changes.kinds.resumption.schemas import START_KEYS
from xueji.changes.kinds.resumption.services import resumption_start

router = Router(tags=["学籍变动 · 休学复学"])
add_start_endpoint(
    router,
    RESUMPTION,
    resumption_start,
    keys=START_KEYS,
    summary="发起复学",
    description="学籍管理员为本校休学学生发起复学（R12.5）。requested_grade 省略时按休学时年级衔接；"
    "申请其他年级的，增加区教育局确定年级环节（审批时在 decision 中给出 decided_grade）。期满后复学只提示。",
)
