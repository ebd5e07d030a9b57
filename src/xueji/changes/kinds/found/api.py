"""The return of a missing student's API (mounted at /api/v1/cases): its start."""

from __future__ import annotations

from ninja import Router

from xueji.changes.api import add_start_endpoint
from xueji.changes.kinds.found.kind import FOUND
from xueji.changes.kinds.found.schemas import START_KEYS
from xueji.changes.kinds.found.services import found_start

router = Router(tags=["学籍变动 · 下落不明学生返校"])
add_start_endpoint(
    router,
    FOUND,
    found_start,
    keys=START_KEYS,
    summary="发起下落不明学生返校",
    description="已报下落不明或被羁押的学生返校（R15.2）：接续原学籍，按离校时年级恢复在读，学校审核后报区教育局知悉。",
)
