"""The study abroad's API (mounted at /api/v1/cases): its start."""

from __future__ import annotations

from ninja import Router

from xueji.changes.api import add_start_endpoint
from xueji.changes.kinds.abroad.kind import ABROAD
from xueji.changes.kinds.abroad.schemas import START_KEYS
from xueji.changes.kinds.abroad.services import abroad_start

router = Router(tags=["学籍变动 · 出国（境）"])
add_start_endpoint(
    router,
    ABROAD,
    abroad_start,
    keys=START_KEYS,
    summary="发起出国（境）学习",
    description="学籍管理员为本校在读学生办理出国（境）学习（R12.7）：学校审核后办结，区教育局知悉。",
)
