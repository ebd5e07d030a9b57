"""The account's own pages: who it is, its API tokens (revocable), its recent logins, and its
password (R21.1). Open to every logged-in account, superusers included."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from xueji.audit import actions
from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.core.errors import RuleViolation
from xueji.core.web import AuthenticatedRequest
from xueji.org import account_services, second_factor
from xueji.org.auth_guard import client_ip
from xueji.org.models import ApiToken

LOGIN_ACTIONS = (actions.LOGIN, actions.LOGIN_FAILED, actions.LOGIN_LOCKED)


def _logged_in(view: Any) -> Any:
    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return guarded


@_logged_in
def account_page(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    tokens = ApiToken.objects.filter(user=user).order_by("-created_at")[:20]
    logins = AuditEvent.objects.filter(
        subject_type="User", subject_id=str(user.pk), action__in=LOGIN_ACTIONS
    )[:10]
    return render(request, "org/account.html", {"tokens": tokens, "logins": logins, "now": clock.now()})


@_logged_in
@require_POST
def token_revoke(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    token = get_object_or_404(ApiToken, pk=pk, user=user) if pk is not None else None
    ended = account_services.tokens_revoke(actor=user, user=user, token=token, reason="本人撤销")
    messages.success(request, f"已撤销 {ended} 个令牌，使用它们的程序须重新获取令牌。")
    return redirect("account")


@_logged_in
def password_page(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    errors: dict[str, str] = {}
    if request.method == "POST":
        new, again = request.POST.get("new_password", ""), request.POST.get("new_password2", "")
        if new != again:
            errors["new_password2"] = "两次输入的新密码不一致。"
        else:
            try:
                account_services.password_change(
                    user=user,
                    old_password=request.POST.get("old_password", ""),
                    new_password=new,
                )
            except RuleViolation as exc:
                errors[exc.field or "new_password"] = exc.message
            else:
                update_session_auth_hash(request, user)  # stay logged in here
                messages.success(request, "密码已修改。原有的接口令牌已全部撤销。")
                return redirect("account")
    return render(request, "org/password.html", {"errors": errors, "forced": user.must_change_password})


@_logged_in
@require_POST
def keepalive(request: HttpRequest) -> HttpResponse:
    """ "继续使用" on the idle warning: a request the user made, so the session stays (session_guard)."""
    return HttpResponse(status=204)


@_logged_in
def second_factor_page(request: AuthenticatedRequest) -> HttpResponse:
    """两步验证: set up the app at the first login that needs it, else give the code."""
    user = request.user
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    if second_factor.satisfied(request) and second_factor.confirmed_device(user) is not None:
        return redirect(next_url)
    error = ""
    if second_factor.confirmed_device(user) is None:  # enrolment
        if request.method == "POST":
            try:
                codes = second_factor.enrol_confirm(
                    request=request, user=user, code=request.POST.get("code", "")
                )
            except RuleViolation as exc:
                error = exc.message
            else:
                return render(request, "org/otp_codes.html", {"codes": codes, "next": next_url})
        device = second_factor.enrol_start(user=user)
        secret, uri, qr = second_factor.provisioning(device, user)
        context = {"secret": secret, "uri": uri, "qr": mark_safe(qr), "error": error, "next": next_url}  # noqa: S308 (our own SVG)  # nosec B308 B703
        return render(request, "org/otp_enrol.html", context)
    if request.method == "POST":
        if second_factor.verify(request=request, code=request.POST.get("code", "")):
            return redirect(next_url)
        second_factor.audit_record_outside(user, actions.OTP_FAILED, note=client_ip(request))
        error = second_factor.MSG_BAD_CODE
    return render(request, "org/otp_verify.html", {"error": error, "next": next_url})
