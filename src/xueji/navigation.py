"""Template context every page needs: the navigation the user's role may see. It sits on top of
the apps, like the URLconf: each kind of status change adds its own entries (its ``menu``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from xueji.changes.kinds.registry import KINDS
from xueji.org import second_factor
from xueji.org.models import Role
from xueji.org.session_guard import idle_seconds


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    if not second_factor.satisfied(request):  # past the password only: nothing to go to yet
        return {"nav": [], "idle_seconds": idle_seconds()}
    items = [("home", "待办")]
    if user.role == Role.REGISTRAR and not user.registrar_on_file:  # R19.1: home says why
        return {"nav": items, "idle_seconds": idle_seconds()}
    if user.role in (Role.REGISTRAR, Role.SCHOOL_APPROVER, Role.DISTRICT_OFFICER):
        items.append(("students:search", "学生查询"))
    if user.role == Role.REGISTRAR:
        items += [
            ("students:register", "新生注册"),
            ("students:import_existing", "导入已有学籍"),
            ("exchange:import", "批量导入"),
        ]
    items += [
        (url, label) for kind in KINDS.values() for url, label, roles in kind.menu if user.role in roles
    ]
    if user.role in (Role.REGISTRAR, Role.SCHOOL_APPROVER, Role.DISTRICT_OFFICER):
        items.append(("changes:list", "学籍变动"))
    if user.role in (Role.REGISTRAR, Role.DISTRICT_OFFICER):
        items.append(("students:entry_applications", "入学申请"))
    if user.role in (Role.REGISTRAR, Role.SCHOOL_APPROVER, Role.DISTRICT_OFFICER):
        items.append(("students:promotion", "学年升级"))  # R14.2; 升学 (R6.5) from there
    if user.role in (Role.REGISTRAR, Role.SCHOOL_APPROVER, Role.DISTRICT_OFFICER, Role.DISTRICT_ADMIN):
        items.append(("org:schools", "学校与班级"))
    if user.role in (Role.SCHOOL_APPROVER, Role.DISTRICT_OFFICER):
        items.append(("org:registrars", "学籍管理员备案"))  # R19
    if user.role == Role.DISTRICT_OFFICER:
        items.append(("exports:requests", "导出审批"))  # R21.1
    if user.role == Role.AUDITOR:
        items.append(("audit:events", "审计日志"))
    if user.role == Role.DISTRICT_ADMIN or user.is_superuser:
        items.append(("admin:index", "基础数据管理"))
    if user.role == Role.SECURITY_ADMIN:
        items.append(("admin:org_user_changelist", "账号管理"))  # 三权分立: accounts and roles
    return {"nav": items, "idle_seconds": idle_seconds()}
