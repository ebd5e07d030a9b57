"""API of status-change cases (mounted at /api/v1/cases): lists, the inbox, one case with its
timeline, the transfer's verification and start, the engine's verbs and the evidence files.

Handlers translate only, like the student API: a wrong role is 403 before any lookup, so a 404
always means "not there for you" (the same for another unit's case as for a missing one); reads go
through changes.selectors, writes through the services the pages call too, and refusals come back
as ``{"code", "rule", "message", "field"}`` (422; 409 for a second open case).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from xueji.audit.services import access_record
from xueji.changes import selectors, services
from xueji.changes.forms import document_choices, document_label
from xueji.changes.kinds import kind_of
from xueji.changes.kinds.transfer import GROUNDS, NATURES, SCOPES
from xueji.changes.models import Case, CaseDocument
from xueji.changes.transfer import transfer_grant_exception, transfer_start, transfer_verify
from xueji.core import evidence as evidence_files
from xueji.core.api_support import (
    FILE_DOWNLOAD_DOC,
    READ_ERRORS,
    WRITE_ERRORS,
    InputSchema,
    Scalar,
    auth_user,
)
from xueji.core.errors import RuleViolation
from xueji.org import selectors as org_selectors
from xueji.org.models import Role, SchoolClass
from xueji.org.permissions import require_role

logger = logging.getLogger(__name__)
router = Router(tags=["学籍变动"])

READERS = selectors.CASE_READERS
DECIDERS = (Role.SCHOOL_APPROVER, Role.DISTRICT_OFFICER)
MAX_PK = selectors.MAX_PK
MSG_CLASS = "所选班级不存在或不属于本校，请重新选择班级（第十条：根据学位情况审验）。"


# --------------------------------------------------------------------------- output schemas


class PartyOut(Schema):
    code: str = Field(title="学校标识码")
    name: str = Field(title="学校名称")


class StudentRefOut(Schema):
    id: int | None = Field(title="学生 id", description="学籍不在本系统（外省）时为 null")
    name: str = Field(title="姓名")
    masked_id: str = Field(title="身份证号（一律脱敏，R21.1）")


class DueOut(Schema):
    date: dt.date = Field(title="本环节截止日期")
    remaining: int = Field(title="剩余工作日")
    overdue_days: int = Field(title="已逾期工作日")
    text: str = Field(title="说明", description="如“剩余 3 个工作日”“已逾期 2 个工作日”")
    provisional: bool = Field(
        title="截止日期待定", description="该年法定节假日安排尚未录入，按周一至周五推算"
    )
    warning: str = Field(title="提示")


class CaseItemOut(Schema):
    id: int
    number: str = Field(title="编号")
    kind: str = Field(title="类型代码", description="transfer 转学")
    kind_label: str = Field(title="类型")
    state: str = Field(
        title="状态代码",
        description="draft 待提交 / open 办理中 / returned 退回修改 / completed 已办结 / rejected 未通过 / withdrawn 已撤回",
    )
    state_label: str = Field(title="状态")
    student: StudentRefOut
    school: PartyOut = Field(title="发起学校（转学：转入学校）")
    other_school: PartyOut | None = Field(title="对方学校（转学：转出学校）；系统外时为 null")
    from_school: str = Field(title="转出方", description="对方学校名称，或系统外转出学校（省份 + 学校）")
    step_key: str = Field(title="当前环节代码")
    step_label: str = Field(title="当前环节")
    owner: str = Field(title="当前办理方")
    step_started_on: dt.date | None = Field(title="本环节开始日期")
    step_due: dt.date | None = Field(title="本环节截止日期")
    due_provisional: bool = Field(title="截止日期待定")
    late: bool = Field(title="本环节已逾期（R10.7）")
    actions: list[str] = Field(
        title="您现在可以进行的操作",
        description="submit / approve / reject / return / withdraw / exception / upload 的子集",
    )
    created_at: dt.datetime = Field(title="发起时间")
    closed_at: dt.datetime | None = Field(title="办结时间")


class CasePageOut(Schema):
    count: int = Field(title="总数")
    page: int
    page_size: int
    items: list[CaseItemOut]


class EventOut(Schema):
    at: dt.datetime = Field(title="时间")
    actor: str = Field(title="办理人", description="系统自动标记时为“系统”")
    unit: str = Field(title="办理人所在单位")
    step_key: str = Field(title="环节代码")
    action: str = Field(title="操作代码")
    action_label: str = Field(title="操作")
    comment: str = Field(title="意见")


class TimelineStepOut(Schema):
    key: str = Field(title="环节代码")
    label: str = Field(title="环节")
    status: str = Field(
        title="进度", description="done 已完成 / current 当前环节 / stopped 终止于此 / future 待办"
    )
    status_label: str
    owner: str = Field(title="办理方")
    working_days: int | None = Field(title="办理时限（工作日）")
    events: list[EventOut]


class ExternalOut(Schema):
    name: str = Field("", title="学生姓名")
    id_number: str = Field("", title="身份证号（脱敏）")
    province: str = Field("", title="转出省份")
    school: str = Field("", title="转出学校")
    grade: str = Field("", title="年级")


class FactsOut(Schema):
    grade: int | None = Field(title="年级（平级转学）")
    grounds: str = Field(title="转学理由代码")
    grounds_label: str = Field(title="转学理由（R10.1）")
    nature: str = Field(title="转学性质代码")
    nature_label: str = Field(title="转学性质（R10.3）")
    scope: str = Field(title="省内/跨省代码")
    scope_label: str = Field(title="省内/跨省")
    reason: str = Field(title="转学原因")
    class_id: int | None = Field(title="拟编入班级 id")
    record_moves: bool | None = Field(title="学籍是否转入新学校（R11.1；仅涉及特殊教育学校时）")
    needs_exception: bool = Field(title="北关区区内转学，须区教育局登记例外（R10.9）")
    exception_reason: str | None = Field(title="已登记的例外理由")
    warnings: list[str] = Field(title="提示（不阻止办理）")
    external: ExternalOut | None = Field(title="系统外转出方")


class MissingOut(Schema):
    category: str = Field(title="材料类别代码")
    label: str = Field(title="材料类别")


class DocumentOut(Schema):
    id: int
    category: str = Field(title="材料类别代码")
    category_label: str = Field(title="材料类别")
    original_name: str = Field(title="文件名")
    size: int = Field(title="大小（字节）")
    sha256: str
    content_type: str
    step_key: str = Field(title="上传时的环节")
    uploaded_by: str = Field(title="上传人")
    uploaded_at: dt.datetime = Field(title="上传时间")


class CaseDetailOut(CaseItemOut):
    facts: FactsOut
    due: DueOut | None = Field(title="本环节期限", description="办理中且有截止日期时给出")
    timeline: list[TimelineStepOut] = Field(title="办理进程：每个环节及其办理记录")
    closing: list[EventOut] = Field(title="不属于任何环节的记录（如办结）")
    missing_evidence: list[MissingOut] = Field(title="本环节尚缺的材料")
    documents: list[DocumentOut] = Field(title="佐证材料")


class VerifyOut(Schema):
    found: bool = Field(title="是否找到", description="身份证号与姓名均一致时才算找到")
    student_id: int | None = Field(None, title="学生 id（发起转学时使用，24 小时内有效）")
    name: str | None = Field(None, title="姓名")
    school: str | None = Field(None, title="就读学校")
    grade: int | None = Field(None, title="年级")
    status: str | None = Field(None, title="学籍状态")
    masked_id: str | None = Field(None, title="身份证号（脱敏）")
    own_student: bool = Field(False, title="是否本校学生（本校学生不能由本校发起转学，R10.8）")


# --------------------------------------------------------------------------- input schemas


class VerifyIn(InputSchema):
    id_number: str = Field(max_length=50, title="身份证号")
    name: str = Field(max_length=50, title="学生姓名")


class ExternalIn(InputSchema):
    """A student whose record is outside this system (another province, usually)."""

    name: Scalar = Field(None, title="学生姓名")
    id_number: Scalar = Field(None, title="身份证号")
    province: Scalar = Field(None, title="转出学校所在省份")
    school: Scalar = Field(None, title="转出学校")
    grade: Scalar = Field(None, title="现就读年级（1–9）")


class TransferIn(InputSchema):
    student_id: int | None = Field(
        None, ge=1, le=MAX_PK, title="学生 id", description="由核验接口返回；须本人 24 小时内核验过（R10.3）"
    )
    external: ExternalIn | None = Field(None, title="系统外学籍的转出方信息（与 student_id 二选一）")
    grounds: Scalar = Field(
        None, title="转学理由", description="、".join(f"{k} {v}" for k, v in GROUNDS.items())
    )
    nature: Scalar = Field(
        None, title="转学性质", description="、".join(f"{k} {v}" for k, v in NATURES.items())
    )
    reason: Scalar = Field(None, title="转学原因（简要说明）")
    scope: Scalar = Field(
        None,
        title="省内/跨省（仅系统外学籍）",
        description="、".join(f"{k} {v}" for k, v in SCOPES.items()) + "；系统内学籍按两校所在省自动判断",
    )
    class_id: int | None = Field(None, title="拟编入班级 id（本校、该年级）")
    record_moves: bool | None = Field(
        None,
        title="学籍是否转入新学校",
        description="涉及特殊教育学校时必填（R11.1）：true 转入、false 保留在原学校",
    )


class CommentIn(InputSchema):
    comment: str = Field("", max_length=500, title="意见", description="退回时必填")
    reason: str = Field(
        "", max_length=500, title="理由", description="不同意、登记例外时必填；可用 comment 代替"
    )

    @property
    def text(self) -> str:
        return self.reason or self.comment


# --------------------------------------------------------------------------- building responses


def _party(school: Any) -> dict[str, str] | None:
    return {"code": school.code, "name": school.name} if school is not None else None


def _item(user: Any, case: Case, late: bool | None = None) -> dict[str, Any]:
    step = selectors.current_step(case)
    if late is None:
        late = bool(getattr(case, "late", case.is_overdue))
    return {
        "id": case.pk,
        "number": case.number,
        "kind": case.kind,
        "kind_label": kind_of(case.kind).label,
        "state": case.state,
        "state_label": case.get_state_display(),
        "student": {
            "id": case.student_id,
            "name": selectors.student_name(case),
            "masked_id": selectors.student_masked_id(case),
        },
        "school": _party(case.school),
        "other_school": _party(case.other_school),
        "from_school": selectors.from_school_name(case),
        "step_key": case.step_key,
        "step_label": step.label if step and case.is_open else "",
        "owner": selectors.owner_label(case, step) if step and case.is_open else "",
        "step_started_on": case.step_started_on if case.is_open else None,
        "step_due": case.step_due if case.is_open else None,
        "due_provisional": case.due_provisional and case.is_open,
        "late": late and case.is_open,
        "actions": sorted(selectors.case_actions(requested_by=user, case=case)),
        "created_at": case.created_at,
        "closed_at": case.closed_at,
    }


def _event(event: selectors.Event) -> dict[str, Any]:
    return dict(event.__dict__)


def _document(item: CaseDocument) -> dict[str, Any]:
    return {
        "id": item.pk,
        "category": item.category,
        "category_label": document_label(item.category),
        "original_name": item.original_name,
        "size": item.size,
        "sha256": item.sha256,
        "content_type": item.content_type,
        "step_key": item.step_key,
        "uploaded_by": item.uploaded_by.full_name or item.uploaded_by.username,
        "uploaded_at": item.uploaded_at,
    }


def _facts(case: Case) -> dict[str, Any]:
    facts = case.facts
    external = facts.get("external")
    if external:
        external = {**external, "id_number": selectors.student_masked_id(case)}
    exception = facts.get("exception") or {}
    return {
        "grade": facts.get("grade"),
        "grounds": facts.get("grounds", ""),
        "grounds_label": GROUNDS.get(facts.get("grounds", ""), ""),
        "nature": facts.get("nature", ""),
        "nature_label": NATURES.get(facts.get("nature", ""), ""),
        "scope": facts.get("scope", ""),
        "scope_label": SCOPES.get(facts.get("scope", ""), ""),
        "reason": facts.get("reason", ""),
        "class_id": facts.get("class_id"),
        "record_moves": facts.get("record_moves"),
        "needs_exception": bool(facts.get("needs_exception")),
        "exception_reason": exception.get("reason"),
        "warnings": list(facts.get("warnings", [])),
        "external": external,
    }


def case_detail(user: Any, case: Case) -> dict[str, Any]:
    """A case fetched through selectors.case_get, with everything the case page shows."""
    events = selectors.case_events(requested_by=user, case=case)
    timeline, closing = selectors.case_timeline(case=case, events=events)
    due = selectors.case_due(case)
    late = bool(due and due.overdue_days) or case.is_overdue
    return {
        **_item(user, case, late=late),
        "facts": _facts(case),
        "due": None if due is None else {**due.__dict__, "text": due.text},
        "timeline": [
            {
                "key": row.step.key,
                "label": row.step.label,
                "status": row.status,
                "status_label": row.status_label,
                "owner": row.owner,
                "working_days": row.step.working_days,
                "events": [_event(e) for e in row.events],
            }
            for row in timeline
        ],
        "closing": [_event(e) for e in closing],
        "missing_evidence": [
            {"category": code, "label": label} for code, label in selectors.missing_evidence(case).items()
        ],
        "documents": [_document(d) for d in selectors.case_documents(requested_by=user, case=case)],
    }


# --------------------------------------------------------------------------- lookups


def _caller(request: HttpRequest, roles: tuple[str, ...] = READERS) -> Any:
    user = auth_user(request)
    require_role(user, roles)
    return user


def _case(user: Any, case_id: int) -> Case:
    return selectors.case_get(requested_by=user, pk=case_id)


def _fresh(user: Any, case: Case) -> dict[str, Any]:
    # Re-read through the selector: the response shows the case as the user now sees it.
    return case_detail(user, _case(user, case.pk))


def _class_for(user: Any, class_id: int | None) -> SchoolClass | None:
    if class_id is None:
        return None
    found = None
    if 0 < class_id <= MAX_PK:
        found = org_selectors.class_list(requested_by=user, school=user.school).filter(pk=class_id).first()
    if found is None:
        raise RuleViolation(rule="R10.3", code="class_not_found", field="class_id", message=MSG_CLASS)
    return found


# --------------------------------------------------------------------------- reads


@router.get("", response={200: CasePageOut, **READ_ERRORS}, summary="学籍变动列表")
def case_list(
    request: HttpRequest,
    state: str = Query(
        "",
        max_length=20,
        title="状态",
        description="active（全部未办结）或 draft / open / returned / completed / rejected / withdrawn",
    ),
    overdue: bool = Query(False, title="只看当前环节已逾期的"),
    page: int = Query(1, ge=1, le=100_000, title="页码"),
    page_size: int = Query(20, ge=1, le=100, title="每页条数（最多 100）"),
) -> Any:
    """本人权限范围内的学籍变动：学校账号看到本校发起或作为对方学校的事项，区级账号看到辖区学校的事项。最新的在前。"""
    user = _caller(request)
    if state and state not in selectors.STATE_FILTERS:
        raise RuleViolation(
            rule="R2.3",
            code="invalid_input",
            field="state",
            message=f"state：应为 {'、'.join(selectors.STATE_FILTERS)} 之一。",
        )
    rows = selectors.case_list(requested_by=user, state=state, overdue=overdue)
    start = (page - 1) * page_size
    access_record(actor=user, action="case.list", note=f"api state={state} overdue={int(overdue)}")
    return {
        "count": rows.count(),
        "page": page,
        "page_size": page_size,
        "items": [_item(user, case) for case in rows[start : start + page_size]],
    }


@router.get("/inbox", response={200: list[CaseItemOut], **READ_ERRORS}, summary="待我办理")
def inbox(request: HttpRequest) -> Any:
    """当前环节轮到本人办理的事项：已逾期的在前，其余按截止日期先后（R10.7）。"""
    user = _caller(request)
    return [_item(user, todo.case, late=todo.late) for todo in selectors.inbox(requested_by=user)]


# --------------------------------------------------------------------------- the transfer's start
# Declared before /{case_id}: Django tries URL patterns in order, and "transfer" would match it.


@router.post(
    "/transfer/verify", response={200: VerifyOut, **READ_ERRORS}, summary="转学核验（按身份证号和姓名）"
)
def verify(request: HttpRequest, payload: VerifyIn) -> Any:
    """转入学校按身份证号和姓名在线核验学生学籍（R10.3；R10.6：不需要学籍证明）。两者都一致才算找到，
    只返回办理所需的信息。找到后 24 小时内可用返回的 student_id 发起转学。只有学籍管理员可以核验。"""
    user = _caller(request, (Role.REGISTRAR,))
    found = transfer_verify(requested_by=user, id_number=payload.id_number, name=payload.name)
    if found is None:
        return {"found": False}
    enrollment = selectors.verified_enrollment(
        selectors.verified_student(requested_by=user, pk=found.student_id)
    )
    return {"found": True, **found.__dict__, "own_student": enrollment.school_id == user.school_id}


@router.post("/transfer", response={201: CaseDetailOut, **WRITE_ERRORS}, summary="发起转学")
def transfer_open(request: HttpRequest, payload: TransferIn) -> Any:
    """转入学校发起转学（R10.2）：系统内学籍给出核验得到的 student_id，系统外（外省）学籍给出 external
    （姓名、身份证号、省份、学校、年级）和 scope。规则不允许时 422，该学生已有未办结的变动时 409（R10.10）。"""
    user = _caller(request, (Role.REGISTRAR,))
    if (payload.student_id is None) == (payload.external is None):
        raise RuleViolation(
            rule="R10.3",
            code="student_or_external",
            field="student_id",
            message="请给出核验得到的 student_id，或（学籍不在本系统时）转出方信息 external，二者选一。",
        )
    facts: dict[str, Any] = {
        "grounds": payload.grounds,
        "nature": payload.nature,
        "reason": payload.reason,
    }
    if payload.record_moves is not None:
        facts["record_moves"] = payload.record_moves
    student = None
    if payload.student_id is not None:
        student = selectors.verified_student(requested_by=user, pk=payload.student_id)
    else:
        assert payload.external is not None
        facts["scope"] = payload.scope
        facts["external"] = {
            k: str(v).strip() for k, v in payload.external.model_dump().items() if v not in (None, "")
        }
    case = transfer_start(
        actor=user, student=student, facts=facts, school_class=_class_for(user, payload.class_id)
    )
    return Status(201, _fresh(user, case))


@router.get("/{case_id}", response={200: CaseDetailOut, **READ_ERRORS}, summary="学籍变动详情")
def case_get(request: HttpRequest, case_id: int) -> Any:
    """事项的全部情况：各环节及办理记录、本环节期限（工作日）、尚缺材料和已上传材料。身份证号一律脱敏。"""
    user = _caller(request)
    case = _case(user, case_id)
    access_record(actor=user, action="case.view", subject=case, school=case.school, note="api")
    return case_detail(user, case)


# --------------------------------------------------------------------------- the engine's verbs


def _verb(request: HttpRequest, case_id: int, roles: tuple[str, ...]) -> tuple[Any, Case]:
    user = _caller(request, roles)
    return user, _case(user, case_id)


@router.post("/{case_id}/submit", response={200: CaseDetailOut, **WRITE_ERRORS}, summary="提交")
def submit(request: HttpRequest, case_id: int, payload: CommentIn) -> Any:
    """发起学校提交准备好（或改好）的事项：转学提交备案，进入每周二的汇总（R10.4）。材料不全 422。"""
    user, case = _verb(request, case_id, (Role.REGISTRAR,))
    return _fresh(user, services.case_submit(actor=user, case=case, comment=payload.text))


@router.post("/{case_id}/approve", response={200: CaseDetailOut, **WRITE_ERRORS}, summary="同意")
def approve(request: HttpRequest, case_id: int, payload: CommentIn) -> Any:
    """当前环节的办理方同意，事项进入下一环节（最后一个环节同意即办结）。不是您的环节 403。"""
    user, case = _verb(request, case_id, DECIDERS)
    return _fresh(user, services.case_approve(actor=user, case=case, comment=payload.text))


@router.post("/{case_id}/reject", response={200: CaseDetailOut, **WRITE_ERRORS}, summary="不同意")
def reject(request: HttpRequest, case_id: int, payload: CommentIn) -> Any:
    """当前环节的办理方不同意，事项终止。须填写理由（reason）。"""
    user, case = _verb(request, case_id, DECIDERS)
    return _fresh(user, services.case_reject(actor=user, case=case, reason=payload.text))


@router.post("/{case_id}/return", response={200: CaseDetailOut, **WRITE_ERRORS}, summary="退回修改")
def return_(request: HttpRequest, case_id: int, payload: CommentIn) -> Any:
    """退回发起学校修改或补充，须写明内容（comment）；发起学校改好后重新提交。"""
    user, case = _verb(request, case_id, DECIDERS)
    return _fresh(user, services.case_return(actor=user, case=case, comment=payload.text))


@router.post("/{case_id}/withdraw", response={200: CaseDetailOut, **WRITE_ERRORS}, summary="撤回")
def withdraw(request: HttpRequest, case_id: int, payload: CommentIn) -> Any:
    """发起学校的学籍管理员撤回未办结的事项。"""
    user, case = _verb(request, case_id, (Role.REGISTRAR,))
    return _fresh(user, services.case_withdraw(actor=user, case=case, reason=payload.text))


@router.post(
    "/{case_id}/exception", response={200: CaseDetailOut, **WRITE_ERRORS}, summary="登记区内转学例外"
)
def exception(request: HttpRequest, case_id: int, payload: CommentIn) -> Any:
    """R10.9：北关区区域内学校原则上不转学；确有特殊情况的，区教育局学籍干部登记例外理由（reason）后，
    发起学校才能提交备案。"""
    user, case = _verb(request, case_id, (Role.DISTRICT_OFFICER,))
    return _fresh(user, transfer_grant_exception(actor=user, case=case, reason=payload.text))


# --------------------------------------------------------------------------- evidence

UPLOAD_DESCRIPTION = (
    "multipart/form-data：`file` 为 PDF、JPEG 或 PNG 文件（按文件内容识别，改扩展名无效；R6.1），"
    "`category` 为材料类别（"
    + "，".join(f"{code} {label}" for code, label in document_choices({}))
    + "）。只有当前环节的办理方可以上传。"
)


@router.post(
    "/{case_id}/documents",
    response={201: DocumentOut, **WRITE_ERRORS},
    summary="上传佐证材料",
    description=UPLOAD_DESCRIPTION,
)
def document_upload(request: HttpRequest, case_id: int, file: File[UploadedFile], category: Form[str]) -> Any:
    user = _caller(request)
    case = _case(user, case_id)
    if category not in dict(document_choices({})):
        raise RuleViolation(
            rule="R17.1",
            code="bad_category",
            field="category",
            message="材料类别不正确，应为："
            + "、".join(f"{c}（{label}）" for c, label in document_choices({}))
            + "。",
        )
    item = services.case_attach(
        actor=user, case=case, file=file, original_name=_safe_name(file.name or ""), category=category
    )
    return Status(201, _document(CaseDocument.objects.select_related("uploaded_by").get(pk=item.pk)))


def _safe_name(name: str) -> str:
    return "".join(ch for ch in name if ch.isprintable()).strip() or "upload"


@router.get(
    "/{case_id}/documents/{document_id}/download",
    response=READ_ERRORS,
    summary="下载佐证材料",
    openapi_extra=FILE_DOWNLOAD_DOC,
)
def document_download(request: HttpRequest, case_id: int, document_id: int) -> Any:
    """以附件形式下载原文件，文件名为上传时的文件名。"""
    user = _caller(request)
    case = _case(user, case_id)
    item = selectors.case_document_get(requested_by=user, pk=document_id, case=case)
    access_record(actor=user, action="case.document.download", subject=item, school=case.school, note="api")
    return evidence_files.file_response(item)
