"""The REST API under /api/v1/: OpenAPI at /api/v1/openapi.json, interactive docs at /api/v1/docs.

Every endpoint except POST /auth/token needs ``Authorization: Bearer <token>``. Errors are JSON
``{"code", "rule", "message", "field"}`` (see xueji.core.api_support).
"""

import importlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from ninja import NinjaAPI

from xueji.changes.api import router as cases_router
from xueji.changes.kinds.registry import KINDS
from xueji.core.api_support import ReadableJSONRenderer, StrictParser, install_error_handlers
from xueji.org.api import BearerToken, auth_router, schools_router
from xueji.students.api import router as students_router
from xueji.students.school_year_api import router as school_year_router

DESCRIPTION = """
北关区中小学电子学籍管理系统的接口。

* 认证：先用 `POST /api/v1/auth/token` 以账号密码换取令牌，之后每个请求带
  `Authorization: Bearer <令牌>`。
* 权限：与网页相同。账号只能看到本校（学校账号）或本区县（区级账号）的数据；
  范围外的对象与不存在的对象一样返回 404；角色无权的操作返回 403。
* 错误：统一为 JSON `{"code", "rule", "message", "field"}`，`rule` 为《学籍管理办法》规则编号；
  多个字段出错时另有 `errors` 列表。规则不允许 422，重复建籍等冲突 409，输入格式有误 422（`invalid_input`）。
"""


def docs_guard(view: Callable[..., Any]) -> Callable[..., Any]:
    """In production the interactive docs and the schema are for logged-in users only: they map
    every endpoint of a system holding every child's record (R21.1)."""

    @wraps(view)
    def guarded(request: Any, *args: Any, **kwargs: Any) -> Any:
        if settings.ENV == "production" and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return guarded


api = NinjaAPI(
    title="学籍管理系统 API",
    version="1",
    description=DESCRIPTION,
    auth=BearerToken(),
    parser=StrictParser(),
    renderer=ReadableJSONRenderer(),
    docs_decorator=docs_guard,
)
install_error_handlers(api)
api.add_router("/auth", auth_router)
api.add_router("/schools", schools_router)
api.add_router("/students", students_router)
api.add_router("/school-year", school_year_router)
# Each kind's own endpoints (its start, its verbs) under /cases, before the generic /cases/{id}.
for kind in KINDS.values():
    if kind.api:
        api.add_router("/cases", importlib.import_module(kind.api).router)
api.add_router("/cases", cases_router)
