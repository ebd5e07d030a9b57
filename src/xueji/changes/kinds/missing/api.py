"""The missing-student report's API (mounted at /api/v1/cases): its start."""

from __future__ import annotations

from ninja import Router

from xueji.changes.api import add_start_endpoint
from xueji.changes.kinds.missing.kind import MISSING
from xueji.changes.kinds.missing.schemas import START_KEYS
from xueji.changes.kinds.missing.services import missing_start

router = Router(tags=["学籍变动 · 下落不明"])
add_start_endpoint(
    router,
    MISSING,
    missing_start,
    keys=START_KEYS,
    summary="发起下落不明报告",
    description="学生失踪、被刑事拘留等原因离校的，学籍管理员报告（R15.2）：学校审核后报区教育局知悉备案。"
    "学籍保留，学校和区教育局不得取消。",
)
