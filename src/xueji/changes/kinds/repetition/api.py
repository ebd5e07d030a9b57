"""The repeat year's API (mounted at /api/v1/cases): its start."""

from __future__ import annotations

from ninja import Router

from xueji.changes.api import add_start_endpoint
from xueji.changes.kinds.repetition.kind import REPETITION
from xueji.changes.kinds.repetition.schemas import START_KEYS
from xueji.changes.kinds.repetition.services import repetition_start

router = Router(tags=["学籍变动 · 留级"])
add_start_endpoint(
    router,
    REPETITION,
    repetition_start,
    keys=START_KEYS,
    summary="发起留级申请",
    description="监护人申请留级（R14.1）：学籍管理员受理，学校审核，区教育局审批；批准后下一学年升级时该生留在本年级。",
)
