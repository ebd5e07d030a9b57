"""「学籍管理员备案」(R19.1, R19.2): the school's approver files its registrars, the district
officer records the training and acknowledges or returns; both read who held the post and when."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpResponseBase
from django.shortcuts import redirect, render

from xueji.audit import actions
from xueji.audit.services import access_record
from xueji.core import clock, evidence
from xueji.core.errors import RuleViolation
from xueji.core.web import AuthenticatedRequest, route
from xueji.org import registrar_services, selectors
from xueji.org.models import RegistrarFiling, Role

HISTORY_ROWS = 200


@route("org:registrars")
def registrars(request: AuthenticatedRequest) -> HttpResponseBase:
    user = request.user
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            said = _act(request)
        except RuleViolation as error:
            field = "document" if error.field == "file" else error.field  # the upload's checks say "file"
            errors[field or "form"] = error.message
            messages.error(request, error.message)
        else:
            messages.success(request, said)
            return redirect("org:registrars")
    filings = selectors.registrar_filings(requested_by=user)
    accounts = list(selectors.registrar_accounts(requested_by=user))
    context = {
        "pending": list(filings.filter(state=RegistrarFiling.State.FILED)),
        "history": filings.exclude(state=RegistrarFiling.State.FILED)[:HISTORY_ROWS],
        "accounts": accounts,
        "fileable": [a for a in accounts if getattr(a, "live", None) not in ("active", "filed")],
        "is_approver": user.role == Role.SCHOOL_APPROVER,
        "errors": errors,
        "posted": request.POST if errors else {},
        "today": clock.today(),
    }
    access_record(
        actor=user, action=actions.REGISTRAR_LIST, school=user.school, note="学籍管理员备案"
    )  # R21.1
    return render(request, "org/registrars.html", context)


def _act(request: AuthenticatedRequest) -> str:
    user, post = request.user, request.POST
    action = post.get("action")
    if action == "file":
        accounts = {str(a.pk): a for a in selectors.registrar_accounts(requested_by=user)}
        account = accounts.get(post.get("user", ""))
        if account is None:
            raise RuleViolation(
                rule="R19.1", code="user", field="user", message="请选择要报备的本校学籍管理员账号。"
            )
        upload = request.FILES.get("document")
        filing = registrar_services.registrar_file(
            actor=user,
            user=account,
            full_name=post.get("full_name", ""),
            phone=post.get("phone", ""),
            document=upload,
            document_name=(upload.name or "") if upload else "",
            replaces=accounts.get(post.get("replaces", "")),
        )
        return f"已向区教育局报备{filing.full_name}，区教育局登记培训并确认后即可上岗。"
    filing = _filing(request, post.get("filing"))
    if action == "acknowledge":
        trained_on = _date(post.get("trained_on"))
        filing = registrar_services.registrar_acknowledge(actor=user, filing=filing, trained_on=trained_on)
        said = f"已确认：{filing.full_name}在{filing.school.name}上岗。"
        if filing.replaces is not None:
            said += f"原学籍管理员{filing.replaces.full_name}已离岗，账号已停用。"
        return said
    if action == "return":
        filing = registrar_services.registrar_return(actor=user, filing=filing, reason=post.get("reason", ""))
        return f"已退回{filing.school.name}对{filing.full_name}的报备，学校将看到退回理由。"
    raise Http404


def _filing(request: AuthenticatedRequest, pk: str | None) -> RegistrarFiling:
    try:
        return selectors.registrar_filings(requested_by=request.user).get(pk=int(pk or ""))
    except (ValueError, RegistrarFiling.DoesNotExist):
        raise Http404 from None


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return None


@route("org:registrar_document")
def registrar_document(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    filing = _filing(request, str(pk))
    if not filing.storage_name:
        raise Http404
    access_record(
        actor=request.user, action=actions.REGISTRAR_DOCUMENT_DOWNLOAD, subject=filing, school=filing.school
    )
    filing.original_name = filing.document_name  # type: ignore[attr-defined]  # file_response's name
    return evidence.file_response(filing, inline=True)
