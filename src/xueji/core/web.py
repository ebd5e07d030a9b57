"""The page layer's one permission map (route name → roles) and the decorator that enforces it.

Every named page route must appear in ROUTE_ROLES (a test walks the URLconf to keep it so). The
apps' routes are listed here; a kind of status change declares its own pages' roles where it
declares the page (``route(name, roles=…)``), which adds them to the same map.
Anonymous users are sent to the login page; a logged-in user without the role gets 403; objects
outside the user's scope are the selectors' 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.views import defaults

from xueji.org.models import Role, User

REG, APPR, OFF, ADM, AUD = (
    Role.REGISTRAR,
    Role.SCHOOL_APPROVER,
    Role.DISTRICT_OFFICER,
    Role.DISTRICT_ADMIN,
    Role.AUDITOR,
)
SEC = Role.SECURITY_ADMIN
EVERYONE = (REG, APPR, OFF, ADM, SEC, AUD)

ROUTE_ROLES: dict[str, tuple[str, ...]] = {
    "home": EVERYONE,
    "manual": EVERYONE,  # 帮助
    "manual_role": EVERYONE,
    "org:schools": (REG, APPR, OFF, ADM),
    "org:school": (REG, APPR, OFF, ADM),
    "org:registrars": (APPR, OFF),  # R19
    "org:registrar_document": (APPR, OFF),
    "students:search": (REG, APPR, OFF),
    "students:possible_duplicates": (REG, APPR, OFF),  # R6.2
    "students:roster": (REG, APPR, OFF),  # 花名册 of a class or a grade
    # R14.2: the promotion's page (the district's officer sees which schools have promoted); the
    # registrar makes next year's classes and submits, the school approver confirms or sends back.
    "students:promotion": (REG, APPR, OFF),
    "students:promotion_classes": (REG,),
    "students:promotion_print": (REG, APPR, OFF),
    "students:promotion_submit": (REG,),
    "students:promotion_decide": (APPR,),
    # R6.5: 升学 — a junior-high school's registrar enrolls a graduate; a primary school's sees its
    # graduates; either school and the district read a 升学 record and its snapshot.
    "students:continuing": (REG,),
    "students:placement": (REG,),  # R4.1: 分班, several students at once
    "students:continuing_record": (REG, APPR, OFF),
    "students:export": (REG, APPR, OFF),
    "students:detail": (REG, APPR, OFF),
    "students:register": (REG,),
    "students:import_existing": (REG,),
    "students:validate": (REG,),
    "students:edit": (REG,),
    "students:place": (REG,),
    "students:card": (REG, APPR),
    "students:archives": (REG, APPR, OFF),
    "archive:student": (REG, APPR, OFF),
    "archive:add": (REG,),
    "archive:edit": (REG,),
    "archive:paper_record": (REG,),
    "archive:paper": (REG, APPR, OFF),
    "archive:receipts": (REG, APPR, OFF),
    "exchange:archive": (REG,),
    "exchange:archive_template": (REG,),
    "exchange:evidence": (REG,),
    "students:archive": (REG, APPR, OFF),
    "students:archive_verify": (REG, APPR, OFF),
    "students:archive_package": (REG, APPR),
    "students:class_cards": (REG, APPR),
    "students:evidence_upload": (REG,),
    "students:evidence_download": (REG, APPR, OFF),
    # R12.6, R13.3: the school's registrar or the district's officer logs an urging or a contact.
    "students:follow_up": (REG, OFF),
    "students:entry_applications": (REG, OFF),
    "students:entry_application_new": (REG,),
    "students:entry_application_decide": (OFF,),
    "audit:events": (AUD,),
    # Spreadsheet import: the school's registrar, who answers for the records (R2.2).
    "exchange:import": (REG,),
    "exchange:template": (REG,),
    # R6.5: the district's 升学 assignment list.
    "exchange:continuing": (OFF,),
    "exchange:continuing_template": (OFF,),
    "exchange:job": (REG,),
    "exchange:job_status": (REG,),
    "exchange:job_report": (REG,),
    "exports:list": (REG, APPR, OFF),
    "exports:job": (REG, APPR, OFF),
    "exports:job_status": (REG, APPR, OFF),
    "exports:download": (REG, APPR, OFF),
    "exports:requests": (REG, APPR, OFF),  # R21.1: export requests and the district's decision
    "exports:request_new": (REG, APPR, OFF),
    "exports:request": (REG, APPR, OFF),
    "exports:request_sheet": (REG, APPR, OFF),
    "exports:request_download": (REG, APPR, OFF),
    # Status-change cases: read by the parties' schools and bureaus; who may act on the current
    # step is the engine's question (services.may_act), these only keep out roles that never act.
    "changes:list": (REG, APPR, OFF),
    "changes:export": (REG, APPR, OFF),
    "changes:detail": (REG, APPR, OFF),
    "changes:submit": (REG,),
    # A registrar acts at a step too where the kind says so (the school records the street
    # office's receipt of a dropout report, R13.2); the engine decides each case.
    "changes:approve": (REG, APPR, OFF),
    "changes:reject": (REG, APPR, OFF),
    "changes:return": (REG, APPR, OFF),
    "changes:withdraw": (REG,),
    # A kind's own verb on a case (its roles are the kind's: changes.views.extra_action).
    "changes:action": (REG, APPR, OFF),
    "changes:document_upload": (REG, APPR, OFF),
    "changes:document_remove": (REG, APPR, OFF),
    "changes:document": (REG, APPR, OFF),
    "changes:print": (REG, APPR, OFF),
    "changes:letter": (REG, APPR, OFF),
    "changes:platform": (REG,),  # R17.1: the starting school's registrar
}
PUBLIC_ROUTES = {"login", "logout"}
# Every logged-in account's own pages (its password, its tokens), superusers' too: guarded by login
# alone (org.account_views).
ACCOUNT_ROUTES = {
    "account",
    "account_password",
    "account_keepalive",
    "account_otp",
    "account_tokens_revoke",
    "account_token_revoke",
}


class AuthenticatedRequest(HttpRequest):
    """The request a ``route``-guarded view receives: the guard has sent anonymous users to the
    login page, so its user is a logged-in ``User`` (a type for the checker; the object is the
    same HttpRequest)."""

    user: User


def permission_map() -> dict[str, tuple[str, ...]]:
    """The whole map: the apps' routes above and every kind's own pages, which join it when the
    URLconf is loaded (their views declare their roles)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (loading the URLconf imports every view)
    return dict(ROUTE_ROLES)


def route(
    name: str, *, roles: tuple[str, ...] | None = None, unfiled: bool = False
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Guard a view with the roles ROUTE_ROLES gives its route name (or ``roles``, which a kind's
    own page declares and which join the map). ``unfiled``: the page also opens for a registrar
    not (yet) on file (R19.1), to tell it why it cannot act — the home page."""
    if roles is not None:
        assert ROUTE_ROLES.setdefault(name, roles) == roles, f"{name} declared twice"
    roles = ROUTE_ROLES[name]

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            user = request.user
            if unfiled and user.is_active and (user.role in roles or user.is_superuser):
                # The home page: a registrar not on file learns why it cannot act (R19.1), and a
                # superuser (who has no role) finds its work, instead of a 403 with no way out.
                return view(request, *args, **kwargs)
            if not user.has_role(*roles):
                said = request.user.refusal(*roles) if hasattr(request.user, "refusal") else ""
                raise PermissionDenied(said or "您的角色无权访问此页面。")
            return view(request, *args, **kwargs)

        guarded.route_name = name  # type: ignore[attr-defined]
        return guarded

    return decorator


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404: a JSON body under /api/ (clients parse it), the Chinese page everywhere else."""
    if request.path.startswith("/api/"):
        body = {
            "code": "not_found",
            "rule": None,
            "message": "没有这个接口地址，请对照 /api/v1/docs 核对。",
            "field": None,
        }
        return JsonResponse(body, status=404)
    return defaults.page_not_found(request, exception)
