"""Large student exports as jobs: requested on the search page, written by a process of their own.

A district's 国家学籍表 takes minutes to write (xlsxwriter writes some 100,000 cells a second);
waited for in the request, it would hold a web worker that long and be cut off by any proxy in
front. So an export above ``EXPORT_INLINE_MAX_ROWS`` rows becomes a job: the page shows its
progress and then the download. The job re-reads the search with the requester's scope when it
runs, writes through the same ``exports.students_export`` (masking, formula safety, the R21.1
access log), and its file is kept ``EXPORT_KEEP_HOURS`` hours, then deleted.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import OperationalError, transaction
from django.http import Http404

from xueji.audit import actions
from xueji.audit.services import audit_record, masked_query
from xueji.core import clock, db_locks
from xueji.core.errors import RuleViolation
from xueji.exchange import exports, files
from xueji.exchange.models import ExportJob
from xueji.org.permissions import READ_STUDENTS, require_role

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 1.0  # progress reaches the database at most this often
MSG_CRASHED = "导出过程中出现系统错误，未生成文件。请稍后重新导出；如仍不成功，请联系区教育局信息管理员。"
MSG_SCHOOL_GONE = "所选学校已不在您的管辖范围内，未导出。请重新查询后再导出。"


def export_dir() -> Path:
    path = Path(settings.EXPORT_DIR)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)  # personal data: ours alone (R21.1)
    return path


def approved_dir() -> Path:
    """The files of approved export requests: kept for their download period, not the jobs' hours."""
    path = Path(settings.EXPORT_APPROVED_DIR)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def export_path(job: ExportJob) -> Path:
    return (export_dir() if job.masked else approved_dir()) / f"{job.pk}.xlsx"


def _part_path(job: ExportJob) -> Path:
    return export_path(job).with_suffix(".xlsx.part")


def scope_of(user: Any) -> str:
    """The records a user's scope covered, stored with a job: a moved user no longer sees it."""
    if user.is_school_user:
        return f"school:{user.school_id}"
    return f"area:{user.jurisdiction.scope_prefix}" if user.jurisdiction_id else ""


def keep_for() -> dt.timedelta:
    return dt.timedelta(hours=settings.XUEJI["EXPORT_KEEP_HOURS"])


def is_expired(job: ExportJob) -> bool:
    """A finished export's file is offered for ``EXPORT_KEEP_HOURS`` hours, then deleted."""
    return job.finished_at is not None and job.finished_at < clock.now() - keep_for()


@transaction.atomic
def export_job_create(*, actor: Any, filters: exports.StudentFilters, layout: str) -> ExportJob:
    """Queue an export of the students ``filters`` select; nothing is read yet."""
    require_role(actor, READ_STUDENTS)
    if layout not in exports.STUDENT_LAYOUTS:
        raise RuleViolation(rule="R21.1", code="unknown_layout", message="没有这种导出格式，请从页面上选择。")
    export_files_purge()
    job = ExportJob.objects.create(
        created_by=actor,
        scope=scope_of(actor),
        layout=layout,
        filters=filters_to_json(filters),
        summary=filters.summary()[:300],
    )
    audit_record(
        actor=actor,
        action=actions.EXPORT_REQUEST,
        subject=job,
        school=filters.school or _own_school(actor),
        changes={"layout": [None, layout]},
        rules=["R21.1"],
        note=f"{exports.STUDENT_LAYOUTS[layout].title}；条件：{job.summary}",
    )
    return job


def export_job_run(job_id: int) -> ExportJob:
    """Run a queued export once; the file appears under its final name only when complete. On
    SQLite its writes wait for another writer (an import's long transaction) instead of failing."""
    with db_locks.lock_wait(settings.XUEJI["EXPORT_LOCK_WAIT_SECONDS"]):
        return _run(job_id)


def _run(job_id: int) -> ExportJob:
    claimed = ExportJob.objects.filter(pk=job_id, state=ExportJob.State.QUEUED).update(
        state=ExportJob.State.RUNNING, heartbeat_at=clock.now()
    )
    job = ExportJob.objects.select_related("created_by").get(pk=job_id)
    if not claimed:
        return job  # already run (or running) elsewhere: a job never runs twice
    export_files_purge()
    part = _part_path(job)
    try:
        filters = _filters_from_json(job)
        rows = exports.student_export_rows(requested_by=job.created_by, filters=filters)
        job.total = rows.count()
        if job.total > exports.MAX_ROWS:  # refused now, not after minutes of writing
            raise RuleViolation(rule="R21.1", code="export_too_large", message=exports.MSG_TOO_MANY_ROWS)
        ExportJob.objects.filter(pk=job.pk).update(total=job.total)
        with part.open("wb") as out:
            count = exports.students_export(
                requested_by=job.created_by,
                filters=filters,
                layout=job.layout,
                out=out,
                progress=_Heartbeat(job.pk),
                unmasked_for=job.watermark if not job.masked else "",
            )
        os.replace(part, export_path(job))  # never a half-written file under the offered name
    except Http404:
        return _finish(job, ExportJob.State.FAILED, MSG_SCHOOL_GONE)
    except RuleViolation as exc:
        return _finish(job, ExportJob.State.FAILED, exc.message)
    except Exception:
        log.exception("export job %s crashed", job.pk)
        return _finish(job, ExportJob.State.FAILED, MSG_CRASHED)
    finally:
        part.unlink(missing_ok=True)  # a failed job's partial file holds personal data
    job.done = job.total = count
    masked = "身份证件号、学籍号和电话已脱敏" if job.masked else f"未脱敏（{job.watermark}）"
    return _finish(job, ExportJob.State.DONE, f"共 {count} 名学生；{masked}")


@transaction.atomic
def _finish(job: ExportJob, state: str, message: str) -> ExportJob:
    job.state = state
    job.message = message[:500]
    job.finished_at = clock.now()
    # The query text has done its work: keep it masked, as the summary and the logs keep it.
    job.filters = {**job.filters, "q": masked_query(str(job.filters.get("q") or ""))}
    job.save(update_fields=["state", "message", "finished_at", "done", "total", "filters"])
    audit_record(
        actor=job.created_by,
        action=actions.EXPORT_RUN,
        subject=job,
        school=_own_school(job.created_by),
        changes={"state": [ExportJob.State.RUNNING, state]},
        rules=["R21.1"],
        note=job.message,
    )
    return job


def _own_school(user: Any) -> Any:
    # A registrar's events belong to the school's district; an officer's to the jurisdiction.
    return user.school if user.is_school_user else None


def export_files_purge() -> int:
    """Delete every file of the export folder older than ``EXPORT_KEEP_HOURS``: finished exports,
    leftovers of jobs that died, their logs.

    Run whenever an export is requested, run or looked at. The job rows stay (the record of who
    exported what); only the personal data goes.
    """
    request_period = dt.timedelta(hours=settings.XUEJI["EXPORT_REQUEST_HOURS"])
    removed = files.delete_older_than(export_dir(), keep_for())
    if Path(settings.EXPORT_APPROVED_DIR).exists():
        removed += files.delete_older_than(approved_dir(), request_period)
    return removed


class _Heartbeat:
    """Writes the rows done to the job (at most once a second): the page's bar, and proof of life."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.last = 0.0

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if now - self.last < HEARTBEAT_SECONDS:
            return
        self.last = now
        try:
            with db_locks.lock_wait(0):  # progress is news, not a record: never wait for it
                ExportJob.objects.filter(pk=self.job_id).update(done=done, heartbeat_at=clock.now())
        except OperationalError:  # another writer holds SQLite: the next beat will tell
            log.info("export job %s: progress not written, the database is busy", self.job_id)


def filters_to_json(filters: exports.StudentFilters) -> dict[str, Any]:
    """The filters as the search page's terms, which ``StudentFilters.from_params`` reads back."""
    return {
        "q": filters.q,
        "school": filters.school.pk if filters.school is not None else None,
        "grade": filters.grade,
        "class": filters.school_class.pk if filters.school_class is not None else None,
        "status": filters.status,
        "gender": filters.gender,
        "incomplete": filters.incomplete,
        "overdue": filters.overdue,
        "unplaced": filters.unplaced,
    }


def _filters_from_json(job: ExportJob) -> exports.StudentFilters:
    # Read as the page reads its terms: a school no longer in the requester's scope is a 404
    # (the job fails in words), a class no longer the school's is ignored.
    data = {k: v for k, v in job.filters.items() if v is not None}
    return exports.StudentFilters.from_params(job.created_by, data)
