"""API of the school year (R14.2, R6.5): each school's promotion standing and preview, the
registrar's submission, the approver's confirmation or return, and 升学 of one graduate.

As everywhere in the API, a wrong role is 403 before any lookup and a school outside the caller's
scope is the same 404 as a missing one; refusals are 422 with the rule and a Chinese message.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from xueji.core.api_support import READ_ERRORS, WRITE_ERRORS, InputSchema, auth_user
from xueji.core.errors import RuleViolation
from xueji.org import selectors as org_selectors
from xueji.org.api import school_by_code
from xueji.org.models import Role
from xueji.org.permissions import READ_STUDENTS, WRITE_STUDENTS, require_role
from xueji.students import progression_services, promotion_services, selectors
from xueji.students.models import Promotion

router = Router(tags=["学年"])
CONFIRM = (Role.SCHOOL_APPROVER,)


class PromotionResultOut(Schema):
    moved: int = Field(title="升级人数")
    graduated: int = Field(title="毕业人数")
    repeated: int = Field(0, title="留级人数")
    unplaced: int = Field(0, title="升级后未分班人数")
    staying: dict[str, int] = Field(title="留在本年级的人数（按原因）")
    ahead: int = Field(
        0, title="已属下一学年的人数", description="已编入下一学年班级或学年结束后入校，不参加本次升级"
    )


class PromotionStandingOut(Schema):
    school_code: str = Field(title="学校标识码")
    school_name: str = Field(title="学校名称")
    school_year: str | None = Field(title="升级的学年", description="已结束的学年；为空表示还没有结束的学年")
    next_school_year: str | None = Field(title="升入的学年")
    state: str = Field(title="状态", description="说明文字：待升级、待学校审核人确认、已升级、无需升级……")
    refusal: str = Field(title="不能提交的原因", description="为空表示学籍管理员现在可以提交")
    submitted_by: str | None = Field(title="提交人")
    submitted_at: dt.datetime | None = Field(title="提交时间")
    decided_by: str | None = Field(title="确认或退回人")
    decided_at: dt.datetime | None = Field(title="确认或退回时间")
    planned: PromotionResultOut | None = Field(title="提交时的预览")
    result: PromotionResultOut | None = Field(title="升级结果")


class PreviewRowOut(Schema):
    grade: int = Field(title="年级")
    grade_label: str = Field(title="年级名称")
    next: str = Field(title="去向", description="升入某年级，或毕业")
    moving: int = Field(title="升级或毕业人数")
    staying: dict[str, int] = Field(title="留在本年级的人数（按原因）")


class ReturnIn(InputSchema):
    comment: str = Field("", title="退回原因")


class ContinuingIn(InputSchema):
    xjh: str = Field(title="学籍号或身份证件号", description="小学毕业生的完整学籍号（含曾用学籍号）或证件号")
    entry_date: dt.date = Field(title="入学日期")
    class_id: int | None = Field(None, title="七年级班级 id", description="本校七年级的班级；为空则待分班")


class ContinuingOut(Schema):
    student_id: int = Field(title="学生 id")
    name: str = Field(title="姓名")
    from_school: str = Field(title="毕业学校")
    to_school: str = Field(title="升入学校")
    grade: int = Field(title="年级")
    recorded_at: dt.datetime = Field(title="办理时间")


def _result(data: dict[str, Any]) -> PromotionResultOut | None:
    if not data:
        return None
    return PromotionResultOut(**{"staying": {}, **data})


def _standing_out(s: selectors.PromotionStatus) -> PromotionStandingOut:
    p = s.promotion
    return PromotionStandingOut(
        school_code=s.school.code,
        school_name=s.school.name,
        school_year=str(s.year) if s.year else None,
        next_school_year=str(s.next_year) if s.next_year else None,
        state=s.label,
        refusal=s.refusal,
        submitted_by=p.submitted_by.full_name if p else None,
        submitted_at=p.submitted_at if p else None,
        decided_by=p.decided_by.full_name if p and p.decided_by else None,
        decided_at=p.decided_at if p else None,
        planned=_result(p.planned) if p else None,
        result=_result(p.result) if p else None,
    )


@router.get(
    "/promotions", response={200: list[PromotionStandingOut], **READ_ERRORS}, summary="各校学年升级情况"
)
def promotion_list(request: HttpRequest) -> Any:
    """R14.2：本人范围内各校的学年升级情况（学校账号只见本校；区教育局学籍干部见本区各校）。"""
    user = auth_user(request)
    require_role(user, READ_STUDENTS)
    schools = list(org_selectors.school_list(requested_by=user).order_by("code"))
    return [_standing_out(s) for s in selectors.promotion_statuses(requested_by=user, schools=schools)]


@router.get(
    "/promotions/{code}/preview", response={200: list[PreviewRowOut], **READ_ERRORS}, summary="学年升级预览"
)
def promotion_preview(request: HttpRequest, code: str) -> Any:
    """R14.2：按当前学籍实时计算，每个年级升级（或毕业）和留在本年级的人数及原因。"""
    user = auth_user(request)
    require_role(user, READ_STUDENTS)
    school = school_by_code(request, code)
    standing = selectors.promotion_statuses(requested_by=user, schools=[school])[0]
    rows = selectors.promotion_preview(requested_by=user, school=school, year=standing.year)
    return [
        PreviewRowOut(
            grade=r.grade, grade_label=r.label, next=r.next_label, moving=r.moving, staying=r.staying
        )
        for r in rows
    ]


@router.post("/promotions", response={201: PromotionStandingOut, **WRITE_ERRORS}, summary="提交学年升级")
def promotion_submit(request: HttpRequest) -> Any:
    """R14.2：学籍管理员提交本校的学年升级，等待学校审核人确认。"""
    user = auth_user(request)
    require_role(user, WRITE_STUDENTS)
    promotion_services.promotion_submit(actor=user, school=user.school)
    return Status(
        201, _standing_out(selectors.promotion_statuses(requested_by=user, schools=[user.school])[0])
    )


def _pending(user: Any) -> Promotion:
    found = (
        selectors.promotion_history(requested_by=user, school=user.school)
        .filter(state=Promotion.State.SUBMITTED)
        .first()
    )
    if found is None:
        raise RuleViolation(
            rule="R14.2", code="not_submitted", field=None, message="本校没有待确认的学年升级。"
        )
    return found


@router.post(
    "/promotions/confirm", response={200: PromotionStandingOut, **WRITE_ERRORS}, summary="确认学年升级"
)
def promotion_confirm(request: HttpRequest) -> Any:
    """R14.2：学校审核人确认本校已提交的学年升级，确认即执行（每校一个事务）。"""
    user = auth_user(request)
    require_role(user, CONFIRM)
    promotion_services.promotion_confirm(actor=user, promotion=_pending(user))
    return _standing_out(selectors.promotion_statuses(requested_by=user, schools=[user.school])[0])


@router.post(
    "/promotions/return", response={200: PromotionStandingOut, **WRITE_ERRORS}, summary="退回学年升级"
)
def promotion_return(request: HttpRequest, payload: ReturnIn) -> Any:
    """R14.2：学校审核人退回本校已提交的学年升级，须写明原因。"""
    user = auth_user(request)
    require_role(user, CONFIRM)
    promotion_services.promotion_return(actor=user, promotion=_pending(user), comment=payload.comment)
    return _standing_out(selectors.promotion_statuses(requested_by=user, schools=[user.school])[0])


@router.post("/continuing", response={201: ContinuingOut, **WRITE_ERRORS}, summary="升学入学")
def continuing(request: HttpRequest, payload: ContinuingIn) -> Any:
    """R6.5、R8.1：初中（或九年一贯制学校）的学籍管理员为本系统小学的毕业生办理升学入学，学籍号不变。"""
    user = auth_user(request)
    require_role(user, WRITE_STUDENTS)
    found = selectors.graduate_find(requested_by=user, q=payload.xjh)
    if found is None:
        raise RuleViolation(
            rule="R6.5",
            code="no_graduate",
            field="xjh",
            message="没有找到尚未升学的本系统小学毕业生，请核对学籍号或证件号；已在其他学校入学的学生请按转学办理。",
        )
    school_class = None
    if payload.class_id is not None:
        classes = org_selectors.class_list(requested_by=user, school=user.school)
        school_class = classes.filter(pk=payload.class_id, grade=7).first()
        if school_class is None:
            raise RuleViolation(
                rule="R4.1",
                code="class",
                field="class_id",
                message="所选班级不是本校七年级的班级，请重新选择。",
            )
    made = progression_services.graduate_enroll(
        actor=user,
        student=found.student,
        school=user.school,
        entry_date=payload.entry_date,
        school_class=school_class,
    )
    return Status(
        201,
        ContinuingOut(
            student_id=made.student_id,
            name=found.student.name,
            from_school=made.from_school.name,
            to_school=made.destination,
            grade=found.grade + 1,
            recorded_at=made.recorded_at,
        ),
    )
