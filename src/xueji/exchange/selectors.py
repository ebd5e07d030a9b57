"""Reads of exchange jobs: imports scoped to the school that ran them, exports to the user who asked."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from xueji.core import clock
from xueji.exchange import export_jobs, services
from xueji.exchange.models import ExportJob, ExportRequest, ImportJob
from xueji.exchange.services import progress_path, report_path
from xueji.org.models import Role

# A running import reports several times a second; this long without a word means its process
# is gone (killed, or the server restarted), and its transaction was rolled back with it.
STALE_AFTER_SECONDS = services.STALE_AFTER_SECONDS
PHASES = {"read": "读取文件", "validate": "逐行检查", "write": "写入学籍", "done": "完成"}


def import_jobs(*, requested_by: Any) -> QuerySet[ImportJob]:
    if not requested_by.is_authenticated or not requested_by.is_school_user:
        return ImportJob.objects.none()
    return ImportJob.objects.filter(school_id=requested_by.school_id).select_related("created_by")


def import_job_get(*, requested_by: Any, pk: Any) -> ImportJob:
    try:
        return import_jobs(requested_by=requested_by).select_related("school").get(pk=int(pk))
    except (ImportJob.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404 from exc


def import_job_progress(job: ImportJob) -> dict[str, Any]:
    """State, phase and percentage; a job whose process died shows as interrupted."""
    try:
        progress = json.loads(progress_path(job.pk).read_text())
    except (OSError, ValueError):
        progress = {}
    phase = progress.get("phase", "read")
    done, total = int(progress.get("done", 0)), int(progress.get("total", 0))
    # Waiting for its turn (another import of the school, or the machine's limit) is not dying.
    ahead = None
    if job.state == ImportJob.State.QUEUED and services.running_imports():
        ahead = services.queue_place(job)
    interrupted = not job.is_final and ahead is None and services.silent_seconds(job) > STALE_AFTER_SECONDS
    # Reading counts as the first 5 %, checking up to 40 %, writing the rest.
    if job.is_final:
        percent = 100
    elif phase == "validate" and total:
        percent = 5 + int(35 * done / total)
    elif phase == "write" and total:
        percent = 40 + int(59 * done / total)
    else:
        percent = 2 if phase == "read" else 0
    label, tone = _outcome(job, interrupted)
    if ahead is not None:
        label = f"排队等待：正在进行其他导入{f'，前面还有 {ahead} 个' if ahead else '，下一个就是本次'}"
    return {
        "id": job.pk,
        "state": "interrupted" if interrupted else job.state,
        "state_label": label,
        "tone": tone,
        "final": job.is_final or interrupted,
        "phase": phase,
        "phase_label": PHASES.get(phase, ""),
        "done": done,
        "total": total,
        "percent": percent,
        "message": job.message,
        "first_errors": job.first_errors if job.is_final else [],
        "total_rows": job.total_rows,
        "imported": job.imported,
        "present": job.present,
        "invalid": job.invalid,
        "has_report": job.has_report and report_path(job).exists(),
        "report_expired": job.has_report and not report_path(job).exists(),
    }


def _outcome(job: ImportJob, interrupted: bool) -> tuple[str, str]:
    """What the registrar reads first, and the bar's colour: ok, warn, bad, or run (still going)."""
    if interrupted:
        return "已中断，未写入任何记录，请重新上传", "bad"
    if job.state == ImportJob.State.DONE:
        if job.invalid and job.imported:
            return f"部分导入：{job.imported} 行已导入，{job.invalid} 行有错误", "warn"
        if job.invalid:
            return f"没有导入新记录：{job.invalid} 行有错误，其余本校已有", "warn"
        if not job.imported and job.present:
            return "无新增：文件中的学生本校都已有学籍", "ok"
        return job.get_state_display(), "ok"
    if job.state in (ImportJob.State.REFUSED, ImportJob.State.FAILED):
        return job.get_state_display(), "bad"
    return job.get_state_display(), "run"


# --------------------------------------------------------------------------- export jobs


def export_jobs_of(*, requested_by: Any) -> QuerySet[ExportJob]:
    """A user's own exports, made within the scope the user still has: the file holds what that
    scope showed, for that user only (one moved to another school no longer sees the old ones)."""
    if not requested_by.is_authenticated:
        return ExportJob.objects.none()
    # An approved request's unmasked file is reached through its request only (download limits).
    return ExportJob.objects.filter(
        created_by=requested_by, scope=export_jobs.scope_of(requested_by), masked=True
    )


def export_requests(*, requested_by: Any) -> QuerySet[ExportRequest]:
    """R21.1: a requester's own export requests; a district officer's, those of its district."""
    user = requested_by
    rows = ExportRequest.objects.select_related("requested_by", "decided_by", "school", "job")
    if not user.is_authenticated or not user.is_active:
        return rows.none()
    if user.role == Role.DISTRICT_OFFICER:
        return rows.filter(district_code__startswith=user.jurisdiction.scope_prefix)
    if user.role in (Role.REGISTRAR, Role.SCHOOL_APPROVER):
        return rows.filter(requested_by=user)
    return rows.none()


def export_request_get(*, requested_by: Any, pk: Any) -> ExportRequest:
    try:
        return export_requests(requested_by=requested_by).get(pk=int(pk))
    except (ExportRequest.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404 from exc


def export_job_get(*, requested_by: Any, pk: Any) -> ExportJob:
    try:
        return export_jobs_of(requested_by=requested_by).get(pk=int(pk))
    except (ExportJob.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404 from exc


def export_job_progress(job: ExportJob) -> dict[str, Any]:
    """State and percentage as the export page shows them; a job whose process died is interrupted."""
    last_word = job.heartbeat_at or job.created_at
    interrupted = not job.is_final and (clock.now() - last_word).total_seconds() > STALE_AFTER_SECONDS
    expired = export_jobs.is_expired(job)
    ready = job.state == ExportJob.State.DONE and not expired and export_jobs.export_path(job).exists()
    if interrupted:
        label, tone = "已中断，未生成文件，请重新导出", "bad"
    elif job.state == ExportJob.State.DONE:
        label, tone = ("文件已过期删除，请重新导出", "warn") if not ready else ("已完成，可以下载", "ok")
    elif job.state == ExportJob.State.FAILED:
        label, tone = job.get_state_display(), "bad"
    else:
        label, tone = job.get_state_display(), "run"
    percent = 100 if job.is_final else (min(99, int(100 * job.done / job.total)) if job.total else 1)
    return {
        "id": job.pk,
        "state": "interrupted" if interrupted else job.state,
        "state_label": label,
        "tone": tone,
        "final": job.is_final or interrupted,
        "done": job.done,
        "total": job.total,
        "percent": percent,
        "message": job.message,
        "ready": ready,
    }
