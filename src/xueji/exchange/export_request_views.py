"""「导出审批」(R21.1, Art. 21): ask for an unmasked export of a search's students, the district
officer's written decision, the approval sheet, and the requester's limited downloads."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone

from xueji.audit import actions
from xueji.audit.services import access_record
from xueji.core import clock, saved_search
from xueji.core.errors import RuleViolation
from xueji.core.web import AuthenticatedRequest, route
from xueji.exchange import export_jobs, export_request_services, exports, runner, selectors
from xueji.exchange.approval_sheet import approval_sheet
from xueji.exchange.models import ExportRequest
from xueji.org.models import Role


def _filters(request: AuthenticatedRequest) -> tuple[exports.StudentFilters, str | None] | None:
    """The search the request is for: posted from the search page, or its saved key; None when
    the key is no longer known (never "all students" in its place)."""
    if request.method == "POST" and request.POST.get("s"):
        params, key, expired = saved_search.terms(request, key=request.POST["s"])
        if expired:
            return None
    else:
        params, key, _ = saved_search.resolve(request, "exports:request_new", exports.SEARCH_TERMS)
    return exports.StudentFilters.from_params(request.user, params), key


@route("exports:request_new")
def request_new(request: AuthenticatedRequest) -> HttpResponseBase:
    """From the search page's 「申请不脱敏导出」: the form (the search's count shown), then the request."""
    user = request.user
    found = _filters(request)
    if found is None:
        messages.info(request, "这次查询已过期，请重新查询后再申请导出。")
        return redirect("students:search")
    filters, key = found
    errors: dict[str, str] = {}
    if request.method == "POST" and request.POST.get("step") == "submit":
        try:
            made = export_request_services.export_request_create(
                actor=user,
                filters=filters,
                layout=request.POST.get("layout", ""),
                purpose=request.POST.get("purpose", ""),
                recipient=request.POST.get("recipient", ""),
            )
        except RuleViolation as error:
            errors[error.field or "form"] = error.message
        else:
            messages.success(request, f"已提交导出申请 {made.number}，区教育局批准后可在此下载。")
            return redirect("exports:request", pk=made.pk)
    count = exports.student_export_rows(requested_by=user, filters=filters).count()
    context = {
        "key": key,
        "count": count,
        "summary": filters.summary() or "全部在籍学生（您权限范围内）",
        "layouts": exports.STUDENT_LAYOUTS.values(),
        "layout": request.POST.get("layout") or request.GET.get("layout") or "national",
        "posted": request.POST if errors else {},
        "errors": errors,
    }
    return render(request, "exchange/export_request_new.html", context)


@route("exports:requests")
def request_list(request: AuthenticatedRequest) -> HttpResponse:
    rows = selectors.export_requests(requested_by=request.user)
    context = {
        "pending": list(rows.filter(state=ExportRequest.State.PENDING)[:100]),
        "decided": list(rows.exclude(state=ExportRequest.State.PENDING)[:100]),
        "is_officer": request.user.role == Role.DISTRICT_OFFICER,
    }
    return render(request, "exchange/export_requests.html", context)


@route("exports:request")
def request_page(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    user = request.user
    item = selectors.export_request_get(requested_by=user, pk=pk)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            item = export_request_services.export_request_decide(
                actor=user,
                request=item,
                approve=request.POST.get("decision") == "approve",
                opinion=request.POST.get("opinion", ""),
            )
        except RuleViolation as error:
            errors[error.field or "form"] = error.message
        else:
            if item.job is not None:
                runner.start_export(item.job)
            said = "已批准，文件正在生成，申请人可在规定期限内下载。" if item.job else "已记录不批准的意见。"
            messages.success(request, f"导出申请 {item.number}：{said}")
            return redirect("exports:request", pk=item.pk)
    job = item.job
    context = {
        "item": item,
        "layout": exports.STUDENT_LAYOUTS[item.layout].title,
        "may_decide": user.role == Role.DISTRICT_OFFICER
        and item.state == ExportRequest.State.PENDING
        and item.requested_by_id != user.pk,
        "mine": item.requested_by_id == user.pk,
        "ready": job is not None and job.state == job.State.DONE and export_jobs.export_path(job).exists(),
        "job": job,
        "limit": settings.XUEJI["EXPORT_REQUEST_DOWNLOADS"],
        "expired": item.download_until is not None and clock.now() > item.download_until,
        "errors": errors,
    }
    return render(request, "exchange/export_request.html", context)


@route("exports:request_sheet")
def request_sheet(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    item = selectors.export_request_get(requested_by=user, pk=pk)
    access_record(actor=user, action=actions.EXPORT_APPROVAL_SHEET, subject=item, school=item.school)
    data = approval_sheet(
        item,
        printed_by=f"{user.unit_name} {user.full_name}",
        printed_at=timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="export-request-{item.number}.pdf"'
    return response


@route("exports:request_download")
def request_download(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    item = selectors.export_request_get(requested_by=request.user, pk=pk)
    try:
        path = export_request_services.export_request_download(actor=request.user, request=item)
    except RuleViolation as error:
        messages.error(request, error.message)
        return redirect("exports:request", pk=item.pk)
    layout = exports.STUDENT_LAYOUTS[item.layout]
    day = clock.today()
    return exports.xlsx_response(
        path.open("rb"),
        name=exports.filename(f"{layout.filename}_{item.number}", day),
        fallback=exports.filename(f"{layout.fallback}_{item.number}", day),
    )
