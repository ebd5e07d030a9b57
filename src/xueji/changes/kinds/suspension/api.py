"""The suspension's API (mounted at /api/v1/cases): its start, made from its facts schema."""

from __future__ import annotations

from ninja import Router

from xueji.changes.api import add_start_endpoint
from xueji.changes.kinds.suspension.kind import SUSPENSION
from xueji.changes.kinds.suspension.schemas import START_KEYS
from xueji.changes.kinds.suspension.services import suspension_start

router = Router(tags=["学籍变动 · 休学复学"])

add_start_endpoint(
    router,
    SUSPENSION,
    suspension_start,
    keys=START_KEYS,
    summary="发起休学",
    description="学籍管理员为本校在读学生发起休学（R12.1–R12.4）。因病、请假的，按 absence_from–absence_to 计算"
    "占本学期教学时间（工作日）的比例：因病须 ≥ 1/3，请假须 > 1/3，不足时 422 并说明还差几个工作日。",
)
