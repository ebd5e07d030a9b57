"""Pages of the spreadsheet exchange: import (templates, upload, progress, error report) and large exports."""

from __future__ import annotations

import base64
import datetime as dt
import io
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from xueji.archive.kinds import KINDS as ARCHIVE_KINDS
from xueji.audit import actions
from xueji.audit.services import access_record
from xueji.core import clock
from xueji.core.errors import RuleViolation
from xueji.core.web import AuthenticatedRequest, route
from xueji.exchange import (
    archive_import_services,
    assignment_services,
    evidence_import_services,
    export_jobs,
    exports,
    layouts,
    runner,
    selectors,
    services,
    workbooks,
)
from xueji.students import completeness, progression_services
from xueji.students.models import Evidence

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@route("exchange:import")
def import_page(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        data = upload.read(settings.XUEJI["IMPORT_MAX_BYTES"] + 1) if upload else b""
        assert user.school is not None  # a registrar's account always names its school
        try:
            job = services.import_job_create(
                actor=user,
                school=user.school,
                data=data,
                original_name=(upload.name or "") if upload else "",
                valid_only=request.POST.get("mode") == "valid_only",
            )
        except RuleViolation as exc:
            error = exc.message
        else:
            runner.start(job)
            return redirect("exchange:job", pk=job.pk)
    services.import_files_purge()
    jobs = [
        (job, selectors.import_job_progress(job)) for job in selectors.import_jobs(requested_by=user)[:10]
    ]
    return render(
        request,
        "exchange/import.html",
        {"jobs": jobs, "error": error, "layouts": layouts.LAYOUTS.values(), "limits": settings.XUEJI},
    )


@route("exchange:template")
def template_download(request: AuthenticatedRequest, kind: str) -> FileResponse:
    layout = layouts.LAYOUTS.get(kind)
    if layout is None:
        raise Http404
    buffer = io.BytesIO()
    workbooks.write_template(layout, buffer)
    buffer.seek(0)
    name = f"{layout.title}导入模板.xlsx"
    return FileResponse(buffer, as_attachment=True, filename=name, content_type=XLSX)


@route("exchange:job")
def job_page(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = selectors.import_job_get(requested_by=request.user, pk=pk)
    context = {
        "job": job,
        "status": selectors.import_job_progress(job),
        "keep_days": settings.XUEJI["IMPORT_KEEP_DAYS"],
        "first_errors_shown": services.FIRST_ERRORS_SHOWN,
    }
    return render(request, "exchange/job.html", context)


@route("exchange:job_status")
def job_status(request: AuthenticatedRequest, pk: int) -> JsonResponse:
    job = selectors.import_job_get(requested_by=request.user, pk=pk)
    return JsonResponse(selectors.import_job_progress(job))


@route("exchange:job_report")
def job_report(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    job = selectors.import_job_get(requested_by=request.user, pk=pk)
    if not job.has_report:
        raise Http404
    try:
        file = services.report_path(job).open("rb")
    except FileNotFoundError:  # deleted after IMPORT_KEEP_DAYS: the job page says so
        return redirect("exchange:job", pk=job.pk)
    # The report holds the registrar's own rows (personal data): its download is logged (R21.1).
    access_record(actor=request.user, action=actions.IMPORT_REPORT_DOWNLOAD, subject=job, school=job.school)
    name = f"{Path(job.original_name).stem}_错误报告_{clock.today():%Y%m%d}.xlsx"
    response = FileResponse(file, as_attachment=True, filename=name, content_type=XLSX)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --------------------------------------------------------------------------- large exports


@route("exports:list")
def export_list(request: AuthenticatedRequest) -> HttpResponse:
    export_jobs.export_files_purge()
    jobs = list(selectors.export_jobs_of(requested_by=request.user)[:20])
    rows = [(job, selectors.export_job_progress(job)) for job in jobs]
    return render(
        request, "exchange/exports.html", {"rows": rows, "keep_hours": settings.XUEJI["EXPORT_KEEP_HOURS"]}
    )


@route("exports:job")
def export_job_page(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    export_jobs.export_files_purge()
    job = selectors.export_job_get(requested_by=request.user, pk=pk)
    context = {
        "job": job,
        "status": selectors.export_job_progress(job),
        "layout": exports.STUDENT_LAYOUTS[job.layout].title,
        "keep_hours": settings.XUEJI["EXPORT_KEEP_HOURS"],
    }
    return render(request, "exchange/export_job.html", context)


@route("exports:job_status")
def export_job_status(request: AuthenticatedRequest, pk: int) -> JsonResponse:
    job = selectors.export_job_get(requested_by=request.user, pk=pk)
    return JsonResponse(selectors.export_job_progress(job))


@route("exports:download")
def export_download(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    job = selectors.export_job_get(requested_by=request.user, pk=pk)
    if not selectors.export_job_progress(job)["ready"]:
        return redirect("exports:job", pk=job.pk)  # the page says why: still running, failed or expired
    try:
        file = export_jobs.export_path(job).open("rb")
    except FileNotFoundError:  # purged a moment ago
        return redirect("exports:job", pk=job.pk)
    # The file leaves the system once more with every download: logged like the export (R21.1).
    access_record(actor=request.user, action=actions.EXPORT_DOWNLOAD, subject=job, note=f"导出 #{job.pk}")
    layout = exports.STUDENT_LAYOUTS[job.layout]
    day = timezone.localdate(job.finished_at)
    return exports.xlsx_response(
        file,
        name=exports.filename(layout.filename, day),
        fallback=exports.filename(layout.fallback, day),
    )


# --------------------------------------------------------------------------- 升学 assignment (R6.5)


@route("exchange:continuing")
def continuing(request: AuthenticatedRequest) -> HttpResponse:
    """The district's 升学 list: download the template (this district's receiving schools in its
    dropdown), upload the filled list; all or nothing, the reasons beside the rows."""
    user = request.user
    context: dict[str, Any] = {"entry_date": progression_services.intake_day(clock.today())}
    if request.method == "POST":
        upload = request.FILES.get("file")
        data = upload.read(settings.XUEJI["IMPORT_MAX_BYTES"] + 1) if upload else b""
        try:
            entry_date = _date(request.POST.get("entry_date", ""))
            context["entry_date"] = entry_date
            result = assignment_services.assignments_import(
                actor=user,
                data=data,
                original_name=(upload.name or "") if upload else "",
                entry_date=entry_date,
            )
        except RuleViolation as exc:
            context["error"] = exc.for_people
        else:
            context["result"] = result
            if result.refused:
                context["report"] = base64.b64encode(result.report).decode()
    return render(request, "exchange/continuing.html", context)


@route("exchange:continuing_template")
def continuing_template(request: AuthenticatedRequest) -> FileResponse:
    data = assignment_services.assignment_template(actor=request.user)
    return FileResponse(
        io.BytesIO(data), as_attachment=True, filename="升学分配名单模板.xlsx", content_type=XLSX
    )


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise RuleViolation(
            rule="R6.5", code="entry_date", field="entry_date", message="请填写入学日期，如 2027-09-01。"
        ) from None


@route("exchange:archive")
def archive_records(request: AuthenticatedRequest) -> HttpResponse:
    """Archive records of categories (三)–(六) in bulk: choose the kind, download its template,
    upload the filled file; all or nothing, the reasons beside the rows (R7.2)."""
    user = request.user
    if user.school is None:
        raise Http404
    key = request.POST.get("kind") or request.GET.get("kind") or "academic"
    kind = ARCHIVE_KINDS.get(key) or ARCHIVE_KINDS["academic"]
    context: dict[str, Any] = {"kinds": ARCHIVE_KINDS.values(), "kind": kind}
    if request.method == "POST":
        upload = request.FILES.get("file")
        data = upload.read(settings.XUEJI["IMPORT_MAX_BYTES"] + 1) if upload else b""
        try:
            result = archive_import_services.archive_import(
                actor=user,
                school=user.school,
                kind=kind,
                data=data,
                original_name=(upload.name or "") if upload else "",
            )
        except RuleViolation as exc:
            context["error"] = exc.for_people
        else:
            context["result"] = result
            if result.refused:
                context["report"] = base64.b64encode(result.report).decode()
    return render(request, "exchange/archive.html", context)


@route("exchange:archive_template")
def archive_template(request: AuthenticatedRequest, kind: str) -> FileResponse:
    if kind not in ARCHIVE_KINDS:
        raise Http404
    declared = ARCHIVE_KINDS[kind]
    data = archive_import_services.archive_template(actor=request.user, kind=declared)
    return FileResponse(
        io.BytesIO(data),
        as_attachment=True,
        filename=f"学籍档案-{declared.label}模板.xlsx",
        content_type=XLSX,
    )


# The categories a registrar uploads for students; a case's and an archive record's documents
# arrive with their case or record.
_UPLOAD_CATEGORIES = [
    (c.value, c.label)
    for c in Evidence.Category
    if c not in (Evidence.Category.CASE, Evidence.Category.ARCHIVE)
]


@route("exchange:evidence")
def evidence_upload(request: AuthenticatedRequest) -> HttpResponse:
    """R5.1: a class's proofs (户口簿 scans) in one ZIP, each file named by its student's number."""
    user = request.user
    if user.school is None:
        raise Http404
    category = request.POST.get("category") or "household"
    context: dict[str, Any] = {
        "categories": _UPLOAD_CATEGORIES,
        "category": category,
        "required": [str(Evidence.Category(c).label) for c in completeness.required(user.school.district)],
        "max_files": evidence_import_services.MAX_FILES,
    }
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = "请选择要上传的 ZIP 压缩包。"
        else:
            try:
                context["result"] = evidence_import_services.evidence_import(
                    actor=user,
                    school=user.school,
                    upload=upload,
                    category=category,
                    description=request.POST.get("description", "").strip(),
                )
            except RuleViolation as exc:
                context["error"] = exc.message
    return render(request, "exchange/evidence.html", context)
