"""Pages of the spreadsheet import: templates, upload, a job's progress and its error report."""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from xueji.audit.services import access_record
from xueji.core import clock
from xueji.core.errors import RuleViolation
from xueji.core.web import route
from xueji.exchange import layouts, runner, selectors, services, workbooks

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@route("exchange:import")
def import_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        data = upload.read(settings.XUEJI["IMPORT_MAX_BYTES"] + 1) if upload else b""
        try:
            job = services.import_job_create(
                actor=user,
                school=user.school,
                data=data,
                original_name=upload.name if upload else "",
                valid_only=request.POST.get("mode") == "valid_only",
            )
        except RuleViolation as exc:
            error = exc.message
        else:
            runner.start(job)
            return redirect("exchange:job", pk=job.pk)
    jobs = selectors.import_jobs(requested_by=user)[:10]
    return render(
        request,
        "exchange/import.html",
        {"jobs": jobs, "error": error, "layouts": layouts.LAYOUTS.values(), "limits": settings.XUEJI},
    )


@route("exchange:template")
def template_download(request: HttpRequest, kind: str) -> HttpResponse:
    layout = layouts.LAYOUTS.get(kind)
    if layout is None:
        raise Http404
    buffer = io.BytesIO()
    workbooks.write_template(layout, buffer)
    buffer.seek(0)
    name = f"{layout.title}导入模板.xlsx"
    return FileResponse(buffer, as_attachment=True, filename=name, content_type=XLSX)


@route("exchange:job")
def job_page(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.import_job_get(requested_by=request.user, pk=pk)
    return render(request, "exchange/job.html", {"job": job, "status": selectors.import_job_progress(job)})


@route("exchange:job_status")
def job_status(request: HttpRequest, pk: int) -> JsonResponse:
    job = selectors.import_job_get(requested_by=request.user, pk=pk)
    return JsonResponse(selectors.import_job_progress(job))


@route("exchange:job_report")
def job_report(request: HttpRequest, pk: int) -> FileResponse:
    job = selectors.import_job_get(requested_by=request.user, pk=pk)
    path = services.report_path(job)
    if not job.has_report or not path.exists():
        raise Http404
    # The report holds the registrar's own rows (personal data): its download is logged (R21.1).
    access_record(actor=request.user, action="import.report_download", subject=job, school=job.school)
    name = f"{Path(job.original_name).stem}_错误报告_{clock.today():%Y%m%d}.xlsx"
    response = FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type=XLSX)
    response["X-Content-Type-Options"] = "nosniff"
    return response
