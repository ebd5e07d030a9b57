"""Imports: accept a workbook, then run it through the bulk registration service in one transaction.

A job is created when the file arrives (quick checks only, so the page answers at once) and run
afterwards, in its own process for pages (``runner``) or in the terminal for the command line.
Progress goes to a small file beside the upload rather than to the database: the import's one
transaction is still open while it runs, and nothing it writes is visible before the end.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from xueji.audit import actions
from xueji.audit.masking import mask_text
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.errors import RuleViolation
from xueji.exchange import files, reader, workbooks
from xueji.exchange.models import ImportJob
from xueji.org.models import School
from xueji.org.permissions import WRITE_STUDENTS, require_role
from xueji.students import bulk, completeness
from xueji.students.models import Evidence

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]

MSG_TOO_LARGE = (
    "文件太大，导入超出了服务器为一次导入留出的内存，没有写入任何记录。"
    "请把文件按年级或班级拆成几个较小的文件分别导入。"
)
FIRST_ERRORS_SHOWN = 20  # on the result page; the report holds every one
MSG_DIED = (
    "导入进程意外终止，没有写入任何记录。文件很大时，请按年级或班级拆成几个较小的文件分别导入；"
    "如仍不成功，请联系区教育局信息管理员。"
)
MSG_CRASHED = "导入过程中出现系统错误，没有写入任何记录。请稍后重试；如仍不成功，请联系区教育局信息管理员。"


def job_dir() -> Path:
    path = Path(settings.IMPORT_DIR)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)  # personal data: ours alone (R21.1)
    return path


def import_files_purge() -> int:
    """Delete uploads, error reports, progress files and logs older than ``IMPORT_KEEP_DAYS``.

    They hold the registrars' own rows with full ID numbers. The job rows stay, with the upload's
    SHA-256 and the counts, as the record of what was imported; only the files go.
    """
    return files.delete_older_than(job_dir(), dt.timedelta(days=settings.XUEJI["IMPORT_KEEP_DAYS"]))


def upload_path(job: ImportJob) -> Path:
    return job_dir() / f"{job.pk}.xlsx"


def report_path(job: ImportJob) -> Path:
    return job_dir() / f"{job.pk}.report.xlsx"


def progress_path(job_id: int) -> Path:
    return job_dir() / f"{job_id}.progress.json"


@transaction.atomic
def import_job_create(
    *, actor: Any, school: School, data: bytes, original_name: str, valid_only: bool = False
) -> ImportJob:
    """Accept an uploaded workbook for ``school``; nothing is read into the records yet."""
    require_role(actor, WRITE_STUDENTS, school=school)
    if not data:
        chosen = "上传的文件是空的（0 字节），请选择填写好的 Excel 文件。"
        message = chosen if original_name else "请选择要导入的 Excel 文件。"
        raise RuleViolation(rule="R2.3", code="empty_file", field="file", message=message)
    if len(data) > settings.XUEJI["IMPORT_MAX_BYTES"] or not data.startswith(b"PK"):
        reader.read_workbook(data)  # raises the precise refusal (too large / not a workbook)
    import_files_purge()
    job = ImportJob.objects.create(
        school=school,
        created_by=actor,
        valid_only=valid_only,
        original_name=(Path(original_name or "upload.xlsx").name)[-200:],
        sha256=hashlib.sha256(data).hexdigest(),
    )
    upload_path(job).write_bytes(data)
    audit_record(
        actor=actor,
        action=actions.IMPORT_UPLOAD,
        subject=job,
        school=school,
        changes={"file": [None, job.original_name], "sha256": [None, job.sha256]},
        rules=["R2.3"],
        note="只导入正确的行" if valid_only else "全部导入或全部不导入",
    )
    return job


STALE_AFTER_SECONDS = 120  # a running import reports at least this often; silent longer, it died


def silent_seconds(job: ImportJob) -> float:
    """How long the job's process has said nothing (its progress file; before that, since upload).
    A process that no longer exists on this machine has said its last word: infinitely long."""
    try:
        progress = json.loads(progress_path(job.pk).read_text())
    except (OSError, ValueError):
        progress = {}
    at = float(progress.get("at") or 0)
    if progress.get("pid") and progress.get("phase") != "done" and not _alive(int(progress["pid"])):
        return float("inf")
    if at:
        return time.time() - at
    # Before the process's first report the job's creation time (the one clock's, which the demo
    # may shift) stands in, compared with the same clock.
    return (clock.now() - job.created_at).total_seconds()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another account's process: it exists
    return True


def running_imports() -> list[ImportJob]:
    """The imports running now (a silent one has died and holds no place)."""
    rows = ImportJob.objects.filter(state=ImportJob.State.RUNNING)
    return [job for job in rows if silent_seconds(job) <= STALE_AFTER_SECONDS]


def queue_place(job: ImportJob) -> int:
    """How many queued imports will start before ``job`` (0: it starts next)."""
    return ImportJob.objects.filter(state=ImportJob.State.QUEUED, created_at__lt=job.created_at).count()


def _claim(job_id: int) -> bool:
    """Start a queued job if its school runs no other import and fewer than ``IMPORT_MAX_RUNNING``
    run in all (an import holds a process and much memory; a school's second import waits for its
    first, whose records it may need). The school's row lock makes one school's claims take turns."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id, state=ImportJob.State.QUEUED).first()
        if job is None:
            return False  # already run (or running) elsewhere: a job never runs twice
        list(School.objects.select_for_update().filter(pk=job.school_id))
        running = running_imports()
        if (
            any(r.school_id == job.school_id for r in running)
            or len(running) >= settings.XUEJI["IMPORT_MAX_RUNNING"]
        ):
            return False  # stays queued; the import that finishes starts it (import_jobs_drain)
        ImportJob.objects.filter(pk=job_id).update(state=ImportJob.State.RUNNING)
        return True


def import_jobs_drain(first_id: int, *, execute: Callable[[int], ImportJob] | None = None) -> ImportJob:
    """Run ``first_id`` if it may start, then every queued import that may start after it, oldest
    first; returns the first job as it ended (or still queued). ``execute`` runs a claimed job's
    work (the import process hands it to a capped process of its own); by default, right here."""
    first = import_job_run(first_id, execute=execute)
    while True:
        waiting = ImportJob.objects.filter(state=ImportJob.State.QUEUED).order_by("created_at", "pk")
        busy = {r.school_id for r in running_imports()}
        ready = next((job for job in waiting[:50] if job.school_id not in busy), None)
        if ready is None or import_job_run(ready.pk, execute=execute).state == ImportJob.State.QUEUED:
            return first  # nothing may start now: the next import to finish looks again


def import_job_run(
    job_id: int, *, progress: Progress | None = None, execute: Callable[[int], ImportJob] | None = None
) -> ImportJob:
    """Run a queued job once, when its turn has come: read, check every row, write all (or the
    valid rows) in one transaction."""
    claimed = _claim(job_id)
    if claimed and execute is not None:
        return execute(job_id)
    job = ImportJob.objects.select_related("school__district", "created_by").get(pk=job_id)
    if not claimed:
        return job  # run elsewhere, or waiting for its turn
    return import_job_execute(job_id, progress=progress)


def import_job_execute(job_id: int, *, progress: Progress | None = None) -> ImportJob:
    """The work of a claimed (running) job. Whatever goes wrong ends the job in words; only the
    process's own death does not (import_job_settle, run by the process that started it)."""
    job = ImportJob.objects.select_related("school__district", "created_by").get(pk=job_id)
    tracker = _Tracker(job.pk, progress)
    tracker("read", 0, 0)
    try:
        read = reader.read_workbook(upload_path(job).read_bytes())
    except RuleViolation as exc:
        return _finish_failed(job, exc.message, tracker)
    except MemoryError:  # the process's cap (exchange.memory), reached while reading
        read = None
    if read is None:  # outside the handler: the memory the reading held is free again
        return _finish_failed(job, MSG_TOO_LARGE, tracker)
    try:
        return _run(job, read, tracker)
    except RuleViolation as exc:  # e.g. a record registered by someone else while we ran
        return _finish_failed(job, exc.message, tracker)
    except MemoryError:
        read = None
        return _finish_failed(job, MSG_TOO_LARGE, tracker)
    except Exception:
        log.exception("import job %s crashed", job.pk)
        return _finish_failed(job, MSG_CRASHED, tracker)


def import_job_settle(job_id: int) -> ImportJob:
    """After the process that ran the job is gone: a job it left running died with it (its one
    transaction rolled back, so nothing was written); say so on the job."""
    job = ImportJob.objects.select_related("school__district", "created_by").get(pk=job_id)
    if job.state != ImportJob.State.RUNNING:
        return job
    return _finish_failed(job, MSG_DIED, _Tracker(job.pk, None))


@transaction.atomic
def _run(job: ImportJob, read: reader.ReadResult, tracker: _Tracker) -> ImportJob:
    result = bulk.students_bulk_import(
        actor=job.created_by,
        school=job.school,
        kind=read.layout.kind,
        rows=read.rows,
        valid_only=job.valid_only,
        progress=tracker,
        source=f"导入任务 #{job.pk}（{job.original_name}）",
    )
    job.kind = read.layout.kind
    job.total_rows = len(read.rows)
    refused = bool(result.invalid) and not job.valid_only
    job.imported = 0 if refused else result.imported
    job.present = result.present
    job.invalid = result.invalid
    job.state = ImportJob.State.REFUSED if refused else ImportJob.State.DONE
    job.message = _summary(job, read, result)
    job.has_report = bool(result.invalid)
    if job.has_report:
        _write_report(job, read, result)
    _finish(job)
    tracker("done", job.total_rows, job.total_rows)
    return job


def _summary(job: ImportJob, read: reader.ReadResult, result: bulk.BulkResult) -> str:
    parts = [f"共 {job.total_rows} 行"]
    if job.state == ImportJob.State.REFUSED:
        parts.append(f"{job.invalid} 行有错误，按“全部导入或全部不导入”未写入任何记录")
    else:
        parts.append(f"导入 {job.imported} 行")
        if job.invalid:
            parts.append(f"{job.invalid} 行有错误未导入")
        if result.incomplete:
            parts.append(
                f"其中 {result.incomplete} 名学生的国家学籍表必填项（★）尚未填全，须在入学后一个月内补齐（第五条），"
                "可在待办中查看"
            )
        if job.imported and completeness.required(job.school.district):
            needs = "、".join(
                str(Evidence.Category(c).label) for c in completeness.required(job.school.district)
            )
            parts.append(f"每名学生还须上传{needs}扫描件（第五条），可用“佐证材料批量上传”一次上传一个班")
    if job.present:
        parts.append(f"{job.present} 行本校已有、未重复导入")
    if read.ignored_headers:
        parts.append(f"未识别的列已忽略：{'、'.join(read.ignored_headers[:5])}")
    return "；".join(parts)[:500]


def _write_report(job: ImportJob, read: reader.ReadResult, result: bulk.BulkResult) -> None:
    rows: list[workbooks.ReportRow] = []
    job.first_errors = []
    labels = {c.key: c.header for c in read.layout.columns}
    for cells, outcome in zip(read.cells, result.outcomes, strict=True):
        if job.valid_only and outcome.status != bulk.INVALID:
            continue  # the valid rows are in; return only the rest, to fix and import again
        row = workbooks.ReportRow(values=cells, line=outcome.line, result=_RESULT_TEXT[outcome.status])
        reasons = []
        for error in outcome.errors:
            key = reader.key_of_field(error.field)
            if key:
                row.bad_keys.add(key)
            where = f"【{labels[key]}】" if key in labels else ""
            reasons.append(f"{where}{error.for_people}")
            if len(job.first_errors) < FIRST_ERRORS_SHOWN:
                job.first_errors.append(
                    {
                        "line": outcome.line,
                        "column": labels.get(key, "") if key else "",
                        "reason": mask_text(error.for_people),
                    }
                )
        row.reasons = "\n".join(reasons) or outcome.note
        rows.append(row)
    buffer = io.BytesIO()
    workbooks.write_report(read.layout, rows, buffer)
    report_path(job).write_bytes(buffer.getvalue())


_RESULT_TEXT = {bulk.IMPORTED: "可导入", bulk.PRESENT: "已存在（跳过）", bulk.INVALID: "有错误"}


@transaction.atomic
def _finish_failed(job: ImportJob, message: str, tracker: _Tracker) -> ImportJob:
    job.state = ImportJob.State.FAILED
    job.message = message[:500]
    _finish(job)
    tracker("done", 0, 0)
    return job


def _finish(job: ImportJob) -> None:
    """Record the job's outcome, in the transaction that wrote (or did not write) its rows."""
    job.finished_at = clock.now()
    job.save()
    audit_record(
        actor=job.created_by,
        action=actions.IMPORT_RUN,
        subject=job,
        school=job.school,
        changes={"state": [ImportJob.State.RUNNING, job.state], "imported": [None, job.imported]},
        rules=["R2.3"],
        note=job.message,
    )


class _Tracker:
    """Writes the job's progress to its file (at most a few times a second) and to a caller's bar."""

    def __init__(self, job_id: int, progress: Progress | None):
        self.path = progress_path(job_id)
        self.progress = progress
        self.last = 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(phase, done, total)
        now = time.time()
        if now - self.last < 0.2 and phase != "done" and done != total:
            return
        self.last = now
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(
            json.dumps({"phase": phase, "done": done, "total": total, "at": now, "pid": os.getpid()})
        )
        os.replace(tmp, self.path)  # readers never see half a file
