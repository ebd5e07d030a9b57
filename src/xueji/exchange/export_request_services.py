"""Export requests (R21.1, Art. 21): nothing leaves the system unmasked without the district's
written approval.

- ``export_request_create``: a registrar, approver or officer asks for the students a search selects,
  unmasked, in a layout, saying why and for whom; the row count is fixed in the request.
- ``export_request_decide``: a district officer of the requester's district (never the requester)
  approves or refuses, in writing; an approval queues the file's job, unmasked and watermarked with
  the request's number and requester, read with the requester's own scope.
- ``export_request_download``: the requester downloads the file, at most ``EXPORT_REQUEST_DOWNLOADS``
  times within ``EXPORT_REQUEST_HOURS`` hours of the approval; each download is logged, the last
  one deletes the file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction

from xueji.audit import actions
from xueji.audit.services import audit_record, masked_query
from xueji.core import clock
from xueji.core.errors import RuleViolation
from xueji.exchange import export_jobs, exports
from xueji.exchange.models import ExportJob, ExportRequest
from xueji.org.models import Role
from xueji.org.permissions import READ_STUDENTS, require_role


def _refuse(code: str, message: str, field: str | None = None) -> RuleViolation:
    return RuleViolation(rule="R21.1", code=code, field=field, message=message)


def _district_code(user: Any) -> str:
    return user.school.district.code if user.is_school_user else user.jurisdiction.code


@transaction.atomic
def export_request_create(
    *, actor: Any, filters: exports.StudentFilters, layout: str, purpose: str, recipient: str
) -> ExportRequest:
    require_role(actor, READ_STUDENTS)
    if layout not in exports.STUDENT_LAYOUTS:
        raise _refuse("unknown_layout", "请选择导出格式：名单或国家学籍表。", "layout")
    purpose, recipient = purpose.strip(), recipient.strip()
    if len(purpose) < 6:
        raise _refuse(
            "purpose", "请写明用途（至少 6 个字），如「与全国学籍系统核对本学期新生信息」。", "purpose"
        )
    if len(recipient) < 2:
        raise _refuse("recipient", "请写明数据提供给哪个单位，如「安阳市教育局」。", "recipient")
    count = exports.student_export_rows(requested_by=actor, filters=filters).count()
    if count == 0:
        raise _refuse("no_rows", "当前查询条件下没有学生，无需申请导出。请先查询出要导出的学生。")
    if count > exports.MAX_ROWS:
        raise _refuse("export_too_large", exports.MSG_TOO_MANY_ROWS)
    request = ExportRequest.objects.create(
        requested_by=actor,
        school=actor.school if actor.is_school_user else None,
        district_code=_district_code(actor),
        purpose=purpose[:300],
        recipient=recipient[:100],
        layout=layout,
        filters=export_jobs.filters_to_json(filters),
        summary=filters.summary()[:300],
        rows=count,
    )
    audit_record(
        actor=actor,
        action=actions.EXPORT_APPROVAL_REQUEST,
        subject=request,
        school=request.school,
        changes={"state": [None, request.state], "rows": [None, count]},
        rules=["R21.1"],
        note=f"{exports.STUDENT_LAYOUTS[layout].title}；{count} 名学生；用途：{purpose}；接收：{recipient}"[
            :300
        ],
    )
    return request


def watermark_of(request: ExportRequest) -> str:
    requester = request.requested_by
    return (
        f"导出申请 {request.number} · {requester.unit_name} {requester.full_name} · "
        f"提供给 {request.recipient} · 区教育局批准，不得转作他用"
    )[:200]


@transaction.atomic
def export_request_decide(
    *, actor: Any, request: ExportRequest, approve: bool, opinion: str
) -> ExportRequest:
    require_role(actor, (Role.DISTRICT_OFFICER,))
    request = (
        ExportRequest.objects.select_for_update(of=("self",))
        .select_related("requested_by")
        .get(pk=request.pk)
    )
    if not request.district_code.startswith(actor.jurisdiction.scope_prefix):
        raise PermissionDenied("该申请不在您的管辖范围内。")
    if request.requested_by_id == actor.pk:
        raise _refuse("own_request", "不能审批自己的导出申请：请由区教育局另一位学籍干部审批。")
    if request.state != ExportRequest.State.PENDING:
        raise _refuse("decided", "这份申请已经审批过了，请刷新页面。")
    opinion = opinion.strip()
    if len(opinion) < 2:
        raise _refuse("opinion", "请填写审批意见（批准或不批准都须书面意见，记入审批单）。", "opinion")
    request.state = ExportRequest.State.APPROVED if approve else ExportRequest.State.REFUSED
    request.decided_by, request.decided_at, request.opinion = actor, clock.now(), opinion[:300]
    if approve:
        request.download_until = request.decided_at + dt.timedelta(
            hours=settings.XUEJI["EXPORT_REQUEST_HOURS"]
        )
        request.job = ExportJob.objects.create(
            created_by=request.requested_by,
            scope=export_jobs.scope_of(request.requested_by),
            layout=request.layout,
            filters=request.filters,
            summary=request.summary,
            masked=False,
            watermark=watermark_of(request),
        )
    # The query has done its work in the request: the job holds it now (and masks it when done).
    request.filters = {**request.filters, "q": masked_query(str(request.filters.get("q") or ""))}
    request.save()
    audit_record(
        actor=actor,
        action=actions.EXPORT_APPROVAL_DECIDE,
        subject=request,
        school=request.school,
        changes={"state": [ExportRequest.State.PENDING, request.state]},
        rules=["R21.1"],
        note=opinion,
    )
    return request


@transaction.atomic
def export_request_download(*, actor: Any, request: ExportRequest) -> Path:
    """The file's path for one more logged download, or a refusal that says why not."""
    request = ExportRequest.objects.select_for_update(of=("self",)).select_related("job").get(pk=request.pk)
    if request.requested_by_id != actor.pk:
        raise PermissionDenied("只有申请人可以下载批准导出的文件。")
    job = request.job
    if request.state != ExportRequest.State.APPROVED or job is None:
        raise _refuse("not_approved", "这份申请尚未批准，不能下载。")
    limit = settings.XUEJI["EXPORT_REQUEST_DOWNLOADS"]
    if request.downloads >= limit:
        raise _refuse("downloads_used", f"已下载 {limit} 次，达到批准的次数。如仍需要，请重新申请。")
    if request.download_until is not None and clock.now() > request.download_until:
        raise _refuse("download_expired", "已超过批准的下载期限，文件已删除。如仍需要，请重新申请。")
    if job.state != ExportJob.State.DONE:
        raise _refuse("not_ready", "文件还在生成中，请稍候刷新。" if not job.is_final else job.message)
    path = export_jobs.export_path(job)
    if not path.exists():
        raise _refuse("file_gone", "文件已不在服务器上（超过保存期限）。如仍需要，请重新申请。")
    request.downloads += 1
    request.save(update_fields=["downloads"])
    audit_record(
        actor=actor,
        action=actions.EXPORT_DOWNLOAD,
        subject=request,
        school=request.school,
        changes={"downloads": [request.downloads - 1, request.downloads]},
        rules=["R21.1"],
        note=f"导出申请 {request.number}，第 {request.downloads}/{limit} 次下载",
    )
    return path
