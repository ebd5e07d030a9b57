"""The return from abroad's API (mounted at /api/v1/cases): its start."""

from __future__ import annotations

from ninja import Router

from xueji.changes.api import add_start_endpoint
from xueji.changes.kinds.abroad_return.kind import ABROAD_RETURN
from xueji.changes.kinds.abroad_return.schemas import START_KEYS
from xueji.changes.kinds.abroad_return.services import abroad_return_start

router = Router(tags=["学籍变动 · 出国（境）"])
add_start_endpoint(
    router,
    ABROAD_RETURN,
    abroad_return_start,
    keys=START_KEYS,
    summary="发起回国（境）复学",
    description="学籍管理员为本校出国（境）学习的学生办理回国（境）复学（R12.7）：接续原学籍，"
    "年级按衔接建议，由区教育局审批时在 decision 中给出 decided_grade。",
)
