"""The user manual (帮助): one page per role, in Chinese, reachable from every page's bar; its
pictures are screenshots of the demo (``docs/manual/screenshots.py`` takes them again)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from xueji.core.web import AuthenticatedRequest, route
from xueji.org.models import Role

# The role a manual page is for, and its title; the order is the index's.
PAGES = {
    "registrar": "学籍管理员",
    "school_approver": "学校审核人",
    "district_officer": "区教育局学籍干部",
    "district_admin": "区系统管理员",
    "security_admin": "区安全管理员",
    "auditor": "审计员",
}


@route("manual", unfiled=True)
def manual(request: AuthenticatedRequest) -> HttpResponse:
    """「帮助」 from the bar: the manual of the user's own role (every role's from the index)."""
    role = request.user.role
    if role in PAGES and not request.GET.get("all"):
        return redirect("manual_role", role=role)
    return render(request, "manual/index.html", {"pages": PAGES.items()})


@route("manual_role", unfiled=True)
def manual_role(request: AuthenticatedRequest, role: str) -> HttpResponse:
    if role not in PAGES:
        raise Http404
    return render(
        request,
        f"manual/{role}.html",
        {"role": role, "title": PAGES[role], "pages": PAGES.items(), "own": request.user.role == role},
    )


assert set(PAGES) == set(Role.values), "every role has its manual page"
