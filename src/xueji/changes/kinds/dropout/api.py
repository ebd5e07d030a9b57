"""The dropout report's API (mounted at /api/v1/cases): its start."""

from __future__ import annotations

from ninja import Router

from xueji.changes.api import add_start_endpoint
from xueji.changes.kinds.dropout.kind import DROPOUT
from xueji.changes.kinds.dropout.schemas import START_KEYS
from xueji.changes.kinds.dropout.services import dropout_start

router = Router(tags=["学籍变动 · 辍学"])
add_start_endpoint(
    router,
    DROPOUT,
    dropout_start,
    keys=START_KEYS,
    summary="发起辍学报告",
    description="学籍管理员报告本校学生辍学（R13.2）：自学校获知之日起 5 个工作日内，学校审核后书面报告乡镇人民政府"
    "（街道办事处）和区教育局，学校登记送达情况，区教育局书面确认。学籍保留，继续劝返。",
)
