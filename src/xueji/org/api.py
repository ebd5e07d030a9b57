"""API of accounts and schools: token issue, and the schools and classes a user may see (R2.2)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.security import HttpBearer

from xueji.core import clock
from xueji.core.api_support import READ_ERRORS, BadCredentials, BadOtp, ErrorOut, InputSchema, auth_user
from xueji.org import second_factor, selectors
from xueji.org.account_services import tokens_revoke
from xueji.org.models import ApiToken, School, SchoolClass
from xueji.org.permissions import VIEW_SCHOOLS, require_role
from xueji.org.tokens import api_token_issue, api_token_user, token_digest

SCHOOL_CODE = re.compile(r"[0-9]{10}")


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>``. No session cookies, so the API needs no CSRF token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_user(token)
        if user is not None:
            request.user = user  # what history and audit code downstream read
        return user


# --------------------------------------------------------------------------- tokens


auth_router = Router(tags=["认证"])


class CredentialsIn(InputSchema):
    username: str = Field(max_length=150, title="用户名")
    password: str = Field(max_length=1024, title="密码")
    otp: str = Field(
        "",
        max_length=8,
        title="两步验证码",
        description="设置了两步验证的账号（区教育局账号、审计员，及区里要求的学籍管理员）必填：验证器上的 6 位数字或一个恢复码",
    )


class TokenOut(Schema):
    token: str = Field(title="令牌", description="仅显示这一次；请求时放在 Authorization: Bearer <令牌> 中")
    expires_at: dt.datetime = Field(title="过期时间")


@auth_router.post(
    "/token",
    auth=None,
    response={200: TokenOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="获取接口令牌",
    description="用账号和密码换取令牌，有效期见系统设置（默认 30 天）。停用的账号不能获取令牌。",
)
def token_issue(request: HttpRequest, credentials: CredentialsIn) -> Any:
    user = authenticate(request, username=credentials.username, password=credentials.password)
    if user is None:  # wrong password, unknown or inactive account: one answer for all three
        raise BadCredentials
    if second_factor.required(user):
        if second_factor.confirmed_device(user) is None:
            raise PermissionDenied("该账号须使用两步验证：请先登录网页完成设置，再获取令牌。")
        if second_factor.check_code(user, credentials.otp) is None:
            # Counted as a failed login: a wrong code is guessed no faster than a password.
            user_login_failed.send(
                sender=__name__, credentials={"username": credentials.username}, request=request
            )
            raise BadOtp
    raw, token = api_token_issue(user=user)
    return {"token": raw, "expires_at": token.expires_at}


@auth_router.delete(
    "/token",
    response={204: None, 400: ErrorOut, 401: ErrorOut, 422: ErrorOut},
    summary="撤销令牌",
    description="撤销本次请求所用的令牌；all=true 时撤销本账号的全部令牌。撤销后令牌立即失效。",
)
def token_revoke(request: HttpRequest, all: bool = Query(False, title="撤销全部令牌")) -> Any:
    user = auth_user(request)
    raw = request.headers.get("Authorization", "").partition(" ")[2].strip()
    token = ApiToken.objects.filter(user=user, digest=token_digest(raw)).first()
    tokens_revoke(actor=user, user=user, token=None if all else token, reason="本人撤销（接口）")
    return Status(204, None)


# --------------------------------------------------------------------------- schools

schools_router = Router(tags=["学校"])


class SchoolOut(Schema):
    code: str = Field(title="学校标识码")
    name: str = Field(title="学校名称")
    kind: str = Field(
        title="办学类型", description="primary 小学 / junior 初中 / nine_year 九年一贯制 / special 特教"
    )
    kind_label: str = Field(title="办学类型名称")
    district: str = Field(title="所属区县代码")
    district_name: str = Field(title="所属区县")
    grades: list[int] = Field(title="开设年级")


class SchoolDetailOut(SchoolOut):
    address: str = Field(title="地址")


class ClassOut(Schema):
    id: int
    name: str = Field(title="班级名称")
    school_year: int = Field(title="学年（起始年份）")
    grade: int = Field(title="年级")
    number: int = Field(title="班号")
    capacity: int = Field(title="额定人数")
    head_teacher: str = Field(title="班主任")
    students: int = Field(title="在籍学生数")


def _school_out(school: School) -> dict[str, Any]:
    return {
        "code": school.code,
        "name": school.name,
        "kind": school.kind,
        "kind_label": school.get_kind_display(),
        "district": school.district.code,
        "district_name": school.district.name,
        "grades": list(school.grades),
        "address": school.address,
    }


def _class_out(school_class: SchoolClass) -> dict[str, Any]:
    return {
        "id": school_class.pk,
        "name": school_class.name,
        "school_year": school_class.school_year.start_year,
        "grade": school_class.grade,
        "number": school_class.number,
        "capacity": school_class.capacity,
        "head_teacher": school_class.head_teacher,
        "students": school_class.students,  # type: ignore[attr-defined]  # annotated by the selector
    }


def school_by_code(request: HttpRequest, code: str) -> School:
    """A school in the user's scope; 404 for one that is missing, outside the scope or not a code."""
    require_role(auth_user(request), VIEW_SCHOOLS)
    if not SCHOOL_CODE.fullmatch(code):
        raise Http404  # cannot be a school code: no need to ask the database
    return selectors.school_get_by_code(requested_by=auth_user(request), code=code)


@schools_router.get("", response={200: list[SchoolOut], **READ_ERRORS}, summary="学校列表")
def school_list(request: HttpRequest) -> Any:
    """本人权限范围内的学校：学校账号只见本校，区级账号见本区县（审计员无权查看）。"""
    require_role(auth_user(request), VIEW_SCHOOLS)
    return [_school_out(s) for s in selectors.school_list(requested_by=auth_user(request))]


@schools_router.get("/{code}", response={200: SchoolDetailOut, **READ_ERRORS}, summary="学校详情")
def school_detail(request: HttpRequest, code: str) -> Any:
    """按学校标识码查看；不存在或不在权限范围内的学校同样返回 404。"""
    return _school_out(school_by_code(request, code))


@schools_router.get("/{code}/classes", response={200: list[ClassOut], **READ_ERRORS}, summary="班级列表")
def class_list(
    request: HttpRequest,
    code: str,
    school_year: int | None = Query(None, ge=2000, le=2100, title="学年（起始年份，默认当前学年）"),
) -> Any:
    """某学年的班级及在籍学生数；不指定学年时为当前学年。"""
    school = school_by_code(request, code)
    if school_year is None:
        current = selectors.current_school_year(clock.today())
        school_year = current.start_year if current else None
    classes = selectors.class_list(requested_by=auth_user(request), school=school)
    if school_year is not None:
        classes = classes.filter(school_year__start_year=school_year)
    return [_class_out(c) for c in classes]
