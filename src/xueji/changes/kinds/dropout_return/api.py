"""The return of a dropped-out student's API (mounted at /api/v1/cases): its start."""

from __future__ import annotations

from ninja import Router

from xueji.changes.api import add_start_endpoint
from xueji.changes.kinds.dropout_return.kind import DROPOUT_RETURN
from xueji.changes.kinds.dropout_return.schemas import START_KEYS
from xueji.changes.kinds.dropout_return.services import dropout_return_start

router = Router(tags=["学籍变动 · 辍学学生复学"])
add_start_endpoint(
    router,
    DROPOUT_RETURN,
    dropout_return_start,
    keys=START_KEYS,
    summary="发起辍学学生复学",
    description="辍学学生返回本校（R13.2）：接续原学籍，按辍学时年级恢复在读，学校审核后报区教育局知悉。"
    "到其他学校就读的，由该校办理转学。",
)
