"""The transfer out of this deployment's API (mounted at /api/v1/cases): its start."""

from __future__ import annotations

from ninja import Router

from xueji.changes.api import add_start_endpoint
from xueji.changes.kinds.transfer_out.kind import TRANSFER_OUT
from xueji.changes.kinds.transfer_out.schemas import START_KEYS
from xueji.changes.kinds.transfer_out.services import transfer_out_start

router = Router(tags=["学籍变动 · 转学"])
add_start_endpoint(
    router,
    TRANSFER_OUT,
    transfer_out_start,
    keys=START_KEYS,
    summary="登记转出到系统外学校",
    description="转入学校在本系统以外的平台发起转学后，转出学校录入对方的申请编号、转入学校和日期（R10.8："
    "学校不得为本校学生办理转出，缺少对方申请时 422）；学校核办、区教育局审核后学籍转出。",
)
