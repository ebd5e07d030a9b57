"""The skip's API (mounted at /api/v1/cases): its start."""

from __future__ import annotations

from ninja import Router

from xueji.changes.api import add_start_endpoint
from xueji.changes.kinds.skip.kind import SKIP
from xueji.changes.kinds.skip.schemas import START_KEYS
from xueji.changes.kinds.skip.services import skip_start

router = Router(tags=["学籍变动 · 跳级"])
add_start_endpoint(
    router,
    SKIP,
    skip_start,
    keys=START_KEYS,
    summary="发起跳级申请",
    description="监护人申请跳级（R14.1）：学校审核后报区教育局；跳级原则上不予办理，区教育局同意的须登记例外理由，"
    "办结后学生年级随即变更（记入变更历史），待分班。",
)
