"""API of status-change cases (mounted at /api/v1/cases), for every kind: lists, the inbox, one
case with its timeline and facts, the engine's verbs and the evidence files. Each kind adds its own
endpoints (its start, its extra verbs) in its package, mounted beside these.

Handlers translate only, like the student API: a wrong role is 403 before any lookup, so a 404
always means "not there for you" (the same for another unit's case as for a missing one); reads go
through changes.selectors, writes through the services the pages call too, and refusals come back
as ``{"code", "rule", "message", "field"}`` (422; 409 for a second open case).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict
from typing import Annotated, Any, Union

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import Field as PydanticField

from xueji.audit import actions
from xueji.audit.services import access_record
from xueji.changes import selectors, services
from xueji.changes.forms import document_choices
from xueji.changes.kinds.base import ExtraAction, Kind
from xueji.changes.kinds.registry import KINDS, kind_of
from xueji.changes.models import Case, CaseDocument
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
from xueji.core.pagination import CappedPaginator
from xueji.exchange import exports
from xueji.org.models import Role
from xueji.org.permissions import require_role
from xueji.students.rules import refuse_forbidden_status

logger = logging.getLogger(__name__)
router = Router(tags=["学籍变动"])

READERS = selectors.CASE_READERS
DECIDERS = (Role.SCHOOL_APPROVER, Role.DISTRICT_OFFICER)
MAX_PK = selectors.MAX_PK
KIND_CODES = "；".join(f"{kind.key} {kind.label}" for kind in KINDS.values())
# Each kind's facts as the API shows them, told apart by their ``kind`` (a discriminated union).
FACTS_OUT = {kind.key: kind.facts.output_schema(f"{kind.key.title()}FactsOut") for kind in KINDS.values()}
FactsOut = Annotated[Union[tuple(FACTS_OUT.values())], PydanticField(discriminator="kind")]  # type: ignore[valid-type]  # noqa: UP007


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
    kind: str = Field(title="类型代码", description=KIND_CODES)
    kind_label: str = Field(title="类型")
    state: str = Field(
        title="状态代码",
        description="draft 待提交 / open 办理中 / returned 退回修改 / completed 已办结 / rejected 未通过 / withdrawn 已撤回",
    )
    state_label: str = Field(title="状态")
    student: StudentRefOut
    school: PartyOut = Field(title="发起学校（转学：转入学校）")
    other_school: PartyOut | None = Field(title="对方学校（转学：转出学校）；系统外或没有对方时为 null")
    counterpart: str = Field(
        title="对方", description="对方学校名称，或系统外的对方（如外省转出学校）；没有时为“—”"
    )
    step_key: str = Field(title="当前环节代码")
    step_label: str = Field(title="当前环节")
    owner: str = Field(title="当前办理方")
    step_started_on: dt.date | None = Field(title="本环节开始日期")
    step_due: dt.date | None = Field(title="本环节截止日期")
    due_provisional: bool = Field(title="截止日期待定")
    late: bool = Field(title="本环节已逾期（R10.7）")
    actions: list[str] = Field(
        title="您现在可以进行的操作",
        description="submit / approve / reject / return / withdraw / upload 及该类型自有操作（如转学的 exception）的子集",
    )
    created_at: dt.datetime = Field(title="发起时间")
    closed_at: dt.datetime | None = Field(title="办结时间")
    platform_ref: str = Field(title="省平台办理编号（R17.1）", description="已办结、尚未登记的为空")
    platform_on: dt.date | None = Field(title="省平台办理日期")


class CasePageOut(Schema):
    count: int = Field(title="总数", description="最多数到 10,000；more 为 true 时实际更多")
    more: bool = Field(False, title="是否超过 10,000 件")
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


class LabelValueOut(Schema):
    label: str
    value: str


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
    # A union the registered kinds build at import time, which no checker can read.
    facts: FactsOut = Field(title="申请事实", description="按 kind 区分的该类型事实")  # type: ignore[valid-type]
    facts_display: list[LabelValueOut] = Field(title="申请事实（中文名称与值，供显示）")
    due: DueOut | None = Field(title="本环节期限", description="办理中且有截止日期时给出")
    timeline: list[TimelineStepOut] = Field(title="办理进程：每个环节及其办理记录")
    closing: list[EventOut] = Field(title="不属于任何环节的记录（如办结）")
    missing_evidence: list[MissingOut] = Field(title="本环节尚缺的材料")
    documents: list[DocumentOut] = Field(title="佐证材料")


# --------------------------------------------------------------------------- input schemas


class CommentIn(InputSchema):
    comment: str = Field("", max_length=500, title="意见", description="退回时必填")
    decision: dict[str, Scalar] | None = Field(
        None,
        title="本环节决定的事实",
        description="本环节须作出决定时（如区教育局确定复学年级 decided_grade）给出，键为事实代码",
    )
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
        "counterpart": selectors.counterpart(case),
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
        "platform_ref": case.platform_ref,
        "platform_on": case.platform_on,
    }


def _event(event: selectors.Event) -> dict[str, Any]:
    return dict(event.__dict__)


def _document(item: CaseDocument) -> dict[str, Any]:
    return {
        "id": item.pk,
        "category": item.category,
        "category_label": kind_of(item.case.kind).document_label(item.category),
        "original_name": item.original_name,
        "size": item.size,
        "sha256": item.sha256,
        "content_type": item.content_type,
        "step_key": item.step_key,
        "uploaded_by": item.uploaded_by.full_name or item.uploaded_by.username,
        "uploaded_at": item.uploaded_at,
    }


def case_detail(user: Any, case: Case) -> dict[str, Any]:
    """A case fetched through selectors.case_get, with everything the case page shows."""
    events = selectors.case_events(requested_by=user, case=case)
    timeline, closing = selectors.case_timeline(case=case, events=events)
    due = selectors.case_due(case)
    late = bool(due and due.overdue_days) or case.is_overdue
    kind = kind_of(case.kind)
    return {
        **_item(user, case, late=late),
        "facts": kind.facts.output(case.facts),
        "facts_display": [{"label": k, "value": v} for k, v in kind.facts.rows(case.facts)],
        "due": None if due is None else {**due.__dict__, "text": due.text},
        "timeline": [
            {
                "key": row.step.key,
                "label": row.step.label,
                "status": row.status,
                "status_label": row.status_label,
                "owner": row.owner,
                "working_days": row.working_days,
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


def caller(request: HttpRequest, roles: tuple[str, ...] = READERS) -> Any:
    user = auth_user(request)
    require_role(user, roles)
    return user


def _case(user: Any, case_id: int) -> Case:
    return selectors.case_get(requested_by=user, pk=case_id)


def fresh(user: Any, case: Case) -> dict[str, Any]:
    # Re-read through the selector: the response shows the case as the user now sees it.
    return case_detail(user, _case(user, case.pk))


# --------------------------------------------------------------------------- reads


KIND_FILTER = Query(
    "",
    max_length=30,
    title="类型",
    description="学籍变动类型：" + "、".join(f"{k}（{v.label}）" for k, v in KINDS.items()),
)
PAGE = Query(1, ge=1, le=100_000, title="页码")


def _kind_filter(kind: str) -> str:
    refuse_forbidden_status(kind, field="kind")  # R13.1: no expulsion kind, asked for or not
    if kind and kind not in KINDS:
        raise RuleViolation(
            rule="R2.3", code="invalid_input", field="kind", message=f"kind：应为 {'、'.join(KINDS)} 之一。"
        )
    return kind


@router.get("", response={200: CasePageOut, **READ_ERRORS}, summary="学籍变动列表")
def case_list(
    request: HttpRequest,
    state: str = Query(
        "",
        max_length=20,
        title="状态",
        description="active（全部未办结）或 draft / open / returned / completed / rejected / withdrawn / "
        "platform（已办结、尚未在省平台办理）",
    ),
    kind: str = KIND_FILTER,
    overdue: bool = Query(False, title="只看当前环节已逾期的"),
    mine: bool = Query(False, title="只看待我办理的", description="按待办顺序：逾期的在前，其余按截止日期"),
    page: int = PAGE,
    page_size: int = Query(20, ge=1, le=100, title="每页条数（最多 100）"),
) -> Any:
    """本人权限范围内的学籍变动：学校账号看到本校发起或作为对方学校的事项，区级账号看到辖区学校的事项。最新的在前。"""
    user = caller(request)
    if state and state not in selectors.STATE_FILTERS:
        raise RuleViolation(
            rule="R2.3",
            code="invalid_input",
            field="state",
            message=f"state：应为 {'、'.join(selectors.STATE_FILTERS)} 之一。",
        )
    filters = exports.CaseFilters(state=state, overdue=overdue, kind=_kind_filter(kind), mine=mine)
    rows = selectors.case_list(requested_by=user, **asdict(filters))
    paginator = CappedPaginator(rows, page_size)
    start = (page - 1) * page_size
    access_record(actor=user, action=actions.CASE_LIST, note=f"api {filters.summary()}")
    return {
        "count": paginator.count,
        "more": paginator.more,
        "page": page,
        "page_size": page_size,
        "items": [_item(user, case) for case in rows[start : start + page_size]],
    }


@router.get("/inbox", response={200: list[CaseItemOut], **READ_ERRORS}, summary="待我办理")
def inbox(
    request: HttpRequest,
    response: HttpResponse,
    page: int = PAGE,
    page_size: int = Query(selectors.INBOX_SHOWN, ge=1, le=200, title="每页条数（最多 200）"),
) -> Any:
    """当前环节轮到本人办理的事项：已逾期的在前，其余按截止日期先后（R10.7）。分页返回；全部件数在响应头
    X-Total-Count 中。"""
    user = caller(request)
    todos = selectors.inbox(requested_by=user, limit=page_size, offset=(page - 1) * page_size)
    response["X-Total-Count"] = str(selectors.inbox_count(requested_by=user))
    return [_item(user, todo.case, late=todo.late) for todo in todos]


@router.get("/{case_id}", response={200: CaseDetailOut, **READ_ERRORS}, summary="学籍变动详情")
def case_get(request: HttpRequest, case_id: int) -> Any:
    """事项的全部情况：各环节及办理记录、本环节期限（工作日）、尚缺材料和已上传材料。身份证号一律脱敏。"""
    user = caller(request)
    case = _case(user, case_id)
    access_record(actor=user, action=actions.CASE_VIEW, subject=case, school=case.school, note="api")
    return case_detail(user, case)


# --------------------------------------------------------------------------- the engine's verbs


def _verb(request: HttpRequest, case_id: int, roles: tuple[str, ...]) -> tuple[Any, Case]:
    user = caller(request, roles)
    return user, _case(user, case_id)


@router.post("/{case_id}/submit", response={200: CaseDetailOut, **WRITE_ERRORS}, summary="提交")
def submit(request: HttpRequest, case_id: int, payload: CommentIn) -> Any:
    """发起学校提交准备好（或改好）的事项：转学提交备案，进入每周二的汇总（R10.4）。材料不全 422。"""
    user, case = _verb(request, case_id, (Role.REGISTRAR,))
    return fresh(user, services.case_submit(actor=user, case=case, comment=payload.text))


@router.post("/{case_id}/approve", response={200: CaseDetailOut, **WRITE_ERRORS}, summary="同意")
def approve(request: HttpRequest, case_id: int, payload: CommentIn) -> Any:
    """当前环节的办理方同意，事项进入下一环节（最后一个环节同意即办结）。不是您的环节 403。"""
    user, case = _verb(request, case_id, DECIDERS)
    return fresh(
        user, services.case_approve(actor=user, case=case, comment=payload.text, decision=payload.decision)
    )


@router.post("/{case_id}/reject", response={200: CaseDetailOut, **WRITE_ERRORS}, summary="不同意")
def reject(request: HttpRequest, case_id: int, payload: CommentIn) -> Any:
    """当前环节的办理方不同意，事项终止。须填写理由（reason）。"""
    user, case = _verb(request, case_id, DECIDERS)
    return fresh(user, services.case_reject(actor=user, case=case, reason=payload.text))


@router.post("/{case_id}/return", response={200: CaseDetailOut, **WRITE_ERRORS}, summary="退回修改")
def return_(request: HttpRequest, case_id: int, payload: CommentIn) -> Any:
    """退回发起学校修改或补充，须写明内容（comment）；发起学校改好后重新提交。"""
    user, case = _verb(request, case_id, DECIDERS)
    return fresh(user, services.case_return(actor=user, case=case, comment=payload.text))


@router.post("/{case_id}/withdraw", response={200: CaseDetailOut, **WRITE_ERRORS}, summary="撤回")
def withdraw(request: HttpRequest, case_id: int, payload: CommentIn) -> Any:
    """发起学校的学籍管理员撤回未办结的事项。"""
    user, case = _verb(request, case_id, (Role.REGISTRAR,))
    return fresh(user, services.case_withdraw(actor=user, case=case, reason=payload.text))


class PlatformIn(InputSchema):
    reference: str = Field(max_length=50, title="省平台办理编号")
    on: dt.date = Field(title="省平台办理日期")


@router.post(
    "/{case_id}/platform", response={200: CaseDetailOut, **WRITE_ERRORS}, summary="登记省平台办理情况"
)
def platform(request: HttpRequest, case_id: int, payload: PlatformIn) -> Any:
    """R17.1：已办结的变动须在省级学籍平台同样办理；发起学校的学籍管理员登记平台编号和日期。
    未登记的列入待办（学籍变动列表 state=platform）。"""
    user, case = _verb(request, case_id, (Role.REGISTRAR,))
    return fresh(
        user, services.case_record_platform(actor=user, case=case, reference=payload.reference, on=payload.on)
    )


# --------------------------------------------------------------------------- evidence

UPLOAD_DESCRIPTION = (
    "multipart/form-data：`file` 为 PDF、JPEG 或 PNG 文件（按文件内容识别，改扩展名无效；R6.1），"
    "`category` 为该类型的材料类别（"
    + "；".join(
        f"{kind.label}：" + "，".join(f"{code} {label}" for code, label in document_choices(kind, {}))
        for kind in KINDS.values()
    )
    + "）。只有当前环节的办理方可以上传。"
)


@router.post(
    "/{case_id}/documents",
    response={201: DocumentOut, **WRITE_ERRORS},
    summary="上传佐证材料",
    description=UPLOAD_DESCRIPTION,
)
def document_upload(request: HttpRequest, case_id: int, file: File[UploadedFile], category: Form[str]) -> Any:
    user = caller(request)
    case = _case(user, case_id)
    kind = kind_of(case.kind)
    if category not in dict(document_choices(kind, {})):
        raise RuleViolation(
            rule="R17.1",
            code="bad_category",
            field="category",
            message="材料类别不正确，应为："
            + "、".join(f"{c}（{label}）" for c, label in document_choices(kind, {}))
            + "。",
        )
    item = services.case_attach(
        actor=user, case=case, file=file, original_name=_safe_name(file.name or ""), category=category
    )
    return Status(201, _document(CaseDocument.objects.select_related("uploaded_by", "case").get(pk=item.pk)))


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
    user = caller(request)
    case = _case(user, case_id)
    item = selectors.case_document_get(requested_by=user, pk=document_id, case=case)
    access_record(
        actor=user, action=actions.CASE_DOCUMENT_DOWNLOAD, subject=item, school=case.school, note="api"
    )
    return evidence_files.file_response(item)


# --------------------------------------------------------------------------- a kind's own verbs


def add_extra_action(kind_router: Router, kind: Kind, action: ExtraAction) -> None:
    """Declare a kind's own verb on a case as ``POST /cases/{case_id}/<key>`` on the kind's router
    (mounted at /cases), answering like the engine's verbs."""

    def endpoint(request: HttpRequest, case_id: int, payload: CommentIn) -> Any:
        user = caller(request, action.roles)
        case = _case(user, case_id)
        if case.kind != kind.key:
            raise RuleViolation(
                rule="R2.3", code="wrong_kind", message=f"该事项不是{kind.label}，不能进行此操作。"
            )
        return fresh(user, action.perform(actor=user, case=case, text=payload.text))

    endpoint.__name__ = f"{kind.key}_{action.key}"
    kind_router.post(
        f"/{{case_id}}/{action.key}",
        response={200: CaseDetailOut, **WRITE_ERRORS},
        summary=action.label,
        description=action.description,
        operation_id=f"{kind.key}_{action.key}",
    )(endpoint)


# --------------------------------------------------------------------------- a kind's start for the school's own student


def add_start_endpoint(
    kind_router: Router,
    kind: Kind,
    service: Any,
    *,
    keys: tuple[str, ...],
    summary: str,
    description: str,
) -> None:
    """Declare ``POST /cases/<kind>`` on the kind's router: ``student_id`` (a student of the
    registrar's school) and the kind's entered facts, as its facts schema says (the same codes and
    limits as the form); 201 with the case, 422 for a refusal, 409 for a second open case."""
    from xueji.students import selectors as student_selectors

    body = kind.facts.input_schema(
        f"{kind.key.title().replace('_', '')}In",
        keys,
        student_id=(int, Field(..., ge=1, le=MAX_PK, title="学生 id", description="本校在籍学生")),
    )

    def endpoint(request: HttpRequest, payload: Any) -> Any:
        user = caller(request, (Role.REGISTRAR,))
        facts = payload.model_dump()
        student = student_selectors.student_get(requested_by=user, pk=facts.pop("student_id"))
        return Status(201, fresh(user, service(actor=user, student=student, facts=facts)))

    endpoint.__name__ = f"{kind.key}_start"
    endpoint.__annotations__ = {"request": HttpRequest, "payload": body, "return": Any}
    kind_router.post(
        f"/{kind.key}",
        response={201: CaseDetailOut, **WRITE_ERRORS},
        summary=summary,
        description=description,
        operation_id=f"{kind.key}_start",
    )(endpoint)
