"""The transfer's own API (mounted at /api/v1/cases beside the generic case endpoints): online
verification, the start of a transfer, and the district's exception (R10.3, R10.5, R10.9)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from xueji.changes.api import MAX_PK, CaseDetailOut, add_extra_action, caller, fresh
from xueji.changes.kinds.transfer import selectors
from xueji.changes.kinds.transfer.kind import REFUSALS, TRANSFER
from xueji.changes.kinds.transfer.schemas import FACTS
from xueji.changes.kinds.transfer.services import transfer_start, transfer_verify
from xueji.core.api_support import READ_ERRORS, WRITE_ERRORS, InputSchema
from xueji.org import selectors as org_selectors
from xueji.org.models import Role, SchoolClass, User

router = Router(tags=["学籍变动 · 转学"])


class VerifyOut(Schema):
    found: bool = Field(title="是否找到", description="身份证号与姓名均一致时才算找到")
    student_id: int | None = Field(None, title="学生 id（发起转学时使用，24 小时内有效）")
    name: str | None = Field(None, title="姓名")
    school: str | None = Field(None, title="就读学校")
    grade: int | None = Field(None, title="年级")
    status: str | None = Field(None, title="学籍状态")
    masked_id: str | None = Field(None, title="身份证号（脱敏）")
    own_student: bool = Field(False, title="是否本校学生（本校学生不能由本校发起转学，R10.8）")


class VerifyIn(InputSchema):
    id_number: str = Field(max_length=50, title="身份证号")
    name: str = Field(max_length=50, title="学生姓名")


# The facts schema makes the body: the same codes, labels and limits as the form and the case page.
TransferIn = FACTS.input_schema(
    "TransferIn",
    ("grounds", "nature", "reason", "scope", "record_moves", "external"),
    student_id=(
        int | None,
        Field(
            None,
            ge=1,
            le=MAX_PK,
            title="学生 id",
            description="由核验接口返回；须本人 24 小时内核验过（R10.3）",
        ),
    ),
    class_id=(int | None, Field(None, title="拟编入班级 id（本校、该年级）")),
)


def _class_for(user: User, class_id: int | None) -> SchoolClass | None:
    if class_id is None:
        return None
    found = None
    if 0 < class_id <= MAX_PK:
        assert user.school is not None  # the caller is a registrar, whose account names the school
        found = org_selectors.class_list(requested_by=user, school=user.school).filter(pk=class_id).first()
    if found is None:
        raise REFUSALS["class_not_found"]()
    return found


@router.post(
    "/transfer/verify", response={200: VerifyOut, **READ_ERRORS}, summary="转学核验（按身份证号和姓名）"
)
def verify(request: HttpRequest, payload: VerifyIn) -> Any:
    """转入学校按身份证号和姓名在线核验学生学籍（R10.3；R10.6：不需要学籍证明）。两者都一致才算找到，
    只返回办理所需的信息。找到后 24 小时内可用返回的 student_id 发起转学。只有学籍管理员可以核验。"""
    user = caller(request, (Role.REGISTRAR,))
    found = transfer_verify(requested_by=user, id_number=payload.id_number, name=payload.name)
    if found is None:
        return {"found": False}
    enrollment = selectors.verified_enrollment(
        selectors.verified_student(requested_by=user, pk=found.student_id)
    )
    return {"found": True, **found.__dict__, "own_student": enrollment.school_id == user.school_id}


@router.post("/transfer", response={201: CaseDetailOut, **WRITE_ERRORS}, summary="发起转学")
def transfer_open(request: HttpRequest, payload: TransferIn) -> Any:  # type: ignore[valid-type]
    """转入学校发起转学（R10.2）：系统内学籍给出核验得到的 student_id，系统外（外省）学籍给出 external
    （姓名、身份证号、省份、学校、年级）和 scope。规则不允许时 422，该学生已有未办结的变动时 409（R10.10）。"""
    user = caller(request, (Role.REGISTRAR,))
    body = payload.model_dump()  # type: ignore[attr-defined]
    if (body["student_id"] is None) == (body["external"] is None):
        raise REFUSALS["student_or_external"]()
    facts: dict[str, Any] = {key: body[key] for key in ("grounds", "nature", "reason")}
    if body["record_moves"] is not None:
        facts["record_moves"] = body["record_moves"]
    student = None
    if body["student_id"] is not None:
        student = selectors.verified_student(requested_by=user, pk=body["student_id"])
    else:
        facts["scope"] = body["scope"]
        facts["external"] = {k: str(v).strip() for k, v in body["external"].items() if v not in (None, "")}
    case = transfer_start(
        actor=user, student=student, facts=facts, school_class=_class_for(user, body["class_id"])
    )
    return Status(201, fresh(user, case))


for _action in TRANSFER.extra_actions():
    add_extra_action(router, TRANSFER, _action)
