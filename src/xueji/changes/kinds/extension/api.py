"""The extension's API (mounted at /api/v1/cases): its start."""

from __future__ import annotations

from ninja import Router

from xueji.changes.api import add_start_endpoint
from xueji.changes.kinds.extension.kind import EXTENSION
from xueji.changes.kinds.extension.schemas import START_KEYS
from xueji.changes.kinds.extension.services import extension_start

router = Router(tags=["学籍变动 · 休学复学"])
add_start_endpoint(
    router,
    EXTENSION,
    extension_start,
    keys=START_KEYS,
    summary="发起延长休学",
    description="学籍管理员为本校休学学生发起延长休学（R12.4）：再延长一年；累计超过两年的提示区教育局。",
)
