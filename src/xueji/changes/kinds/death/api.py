"""The death cancellation's API (mounted at /api/v1/cases): its start."""

from __future__ import annotations

from ninja import Router

from xueji.changes.api import add_start_endpoint
from xueji.changes.kinds.death.kind import DEATH
from xueji.changes.kinds.death.schemas import START_KEYS
from xueji.changes.kinds.death.services import death_start

router = Router(tags=["学籍变动 · 注销（死亡）"])
add_start_endpoint(
    router,
    DEATH,
    death_start,
    keys=START_KEYS,
    summary="发起注销学籍（死亡）",
    description="学籍管理员凭证明材料为本校学生报注销学籍（R15.1）：自学校获知之日起 10 个工作日内，"
    "学校审核后报区教育局审批。已报下落不明的学生，只能凭死亡医学证明或法院宣告死亡判决书注销（R15.2）。",
)
