"""What every API endpoint shares: strict input parsing, permissive field types and the error bodies.

Every failure leaves the API as JSON shaped like a refusal, ``{"code", "rule", "message", "field"}``,
so a client handles a wrong password, a wrong role and a refused rule the same way. Bad input of
any kind (broken JSON, wrong types, NUL bytes, numbers out of range) is a 4xx, never a 500.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from pydantic import ConfigDict, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from xueji.core import evidence
from xueji.core.errors import RuleViolation, RuleViolations

logger = logging.getLogger(__name__)

MSG_UNAUTHENTICATED = (
    "未登录，或令牌无效、已过期。请先通过 POST /api/v1/auth/token 获取令牌，"
    "并在请求头中提供 Authorization: Bearer <令牌>。"
)
MSG_BAD_CREDENTIALS = "用户名或密码错误。"
MSG_FORBIDDEN = "您的角色无权进行此操作。"
MSG_NOT_FOUND = "未找到该对象，或不在您的权限范围内。"
MSG_BAD_JSON = "请求体不是有效的 JSON，请检查格式（须为 UTF-8 编码的 JSON 对象）。"
MSG_BAD_TEXT = "含有不允许的字符（空字符或无效的 Unicode 字符）"
MSG_TOO_LARGE = "请求体过大，请减小文件或数据后重试。"
MSG_SERVER_ERROR = "服务器内部错误，请稍后重试；如仍失败，请联系区教育局系统管理员。"


class BadCredentials(Exception):
    """A wrong user name or password (or an inactive account): 401 ``bad_credentials``."""


class BadOtp(Exception):
    """The right password, a wrong or missing second-factor code: 401 ``bad_otp``."""


# --------------------------------------------------------------------------- schemas


class FieldErrorOut(Schema):
    code: str
    rule: str
    message: str
    field: str | None = None


class ErrorOut(FieldErrorOut):
    """A refusal; ``errors`` lists every field's problem when there are several."""

    errors: list[FieldErrorOut] | None = None


# OpenAPI for an endpoint that answers with a stored evidence file (any of the accepted types).
FILE_DOWNLOAD_DOC = {
    "responses": {
        "200": {
            "description": "文件本身，作为附件下载",
            "content": {t: {"schema": {"type": "string", "format": "binary"}} for _, t, _ in evidence.MAGIC},
        }
    }
}
READ_ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
}
WRITE_ERRORS: dict[int, type[Schema]] = {**READ_ERRORS, 409: ErrorOut}


class InputSchema(Schema):
    """Request bodies refuse unknown keys: a misspelt field must not be silently dropped."""

    model_config = ConfigDict(extra="forbid")


def scalar(value: Any) -> Any:
    # Field values go to the services as given; they validate and explain in Chinese. Only
    # shapes no field can take (objects, arrays, NaN) stop here.
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("scalar_type", "应为有限的数字")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise PydanticCustomError("scalar_type", "应为文本、数字或布尔值，不能是对象或数组")


Scalar = Annotated[
    Any,
    PlainValidator(scalar),
    WithJsonSchema(
        {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}, {"type": "null"}]}
    ),
]


def auth_user(request: HttpRequest) -> Any:
    """The user the bearer token authenticated (ninja keeps it in ``request.auth``)."""
    return request.auth  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- parsing


class BadText(ValueError):
    """A string the database cannot store (NUL) or encode (a lone surrogate from JSON escapes)."""


def _check_text(value: Any, path: str = "") -> None:
    if isinstance(value, str):
        if "\x00" in value or not _encodable(value):
            raise BadText(path)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, path)
            _check_text(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_text(item, f"{path}[{index}]")


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN and Infinity are Python's extensions, not JSON


class StrictParser(Parser):
    """JSON without NaN/Infinity, and no text the database would choke on (PostgreSQL refuses NUL)."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = json.loads(request.body, parse_constant=_refuse_constant)
        _check_text(data)
        return data

    def parse_querydict(self, data: MultiValueDict, list_fields: list[str], request: HttpRequest) -> Any:
        for key, values in data.lists():
            for value in values:
                try:
                    _check_text(key)
                    _check_text(value)
                except BadText:
                    raise ValidationError([{"loc": ("query", key), "type": "bad_text"}]) from None
        return super().parse_querydict(data, list_fields, request)


class ReadableJSONRenderer(JSONRenderer):
    """UTF-8 JSON with Chinese as characters, not \\uXXXX escapes: readable in logs and curl."""

    json_dumps_params = {"ensure_ascii": False}


# --------------------------------------------------------------------------- error bodies

_TYPE_MESSAGES = {
    "missing": "必须填写",
    "extra_forbidden": "不是可识别的字段",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "dict_type": "应为 JSON 对象",
    "model_type": "应为 JSON 对象",
    "model_attributes_type": "应为 JSON 对象",
    "list_type": "应为 JSON 数组",
    "string_too_long": "过长",
    "string_too_short": "过短",
    "too_long": "条目过多",
    "bad_text": MSG_BAD_TEXT,
    "value_error": "格式不正确",
}
_BOUND_MESSAGES = {
    "greater_than_equal": "不能小于 {ge}",
    "greater_than": "应大于 {gt}",
    "less_than_equal": "不能大于 {le}",
    "less_than": "应小于 {lt}",
    "string_too_long": "不能超过 {max_length} 个字符",
    "too_long": "最多 {max_length} 项",
}


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    # loc is (source, [body parameter name,] field, ...): "student.name", "family[0].phone", "page_size"
    parts = list(loc[2:] if loc and loc[0] == "body" else loc[1:])
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "请求体"


def _error_text(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind in _BOUND_MESSAGES and ctx:
        try:
            return _BOUND_MESSAGES[kind].format(**ctx)
        except (KeyError, IndexError):
            pass
    if kind == "scalar_type":
        return str(error.get("msg", "格式不正确"))
    return _TYPE_MESSAGES.get(kind, "格式不正确")


def invalid_input_body(errors: list[dict[str, Any]]) -> dict[str, Any]:
    items = [
        {
            "code": "invalid_input",
            "rule": "R2.3",
            "field": _field_path(e.get("loc", ())),
            "message": _error_text(e),
        }
        for e in errors
    ]
    for item in items:
        item["message"] = f"{item['field']}：{item['message']}。"
    listing = "".join(item["message"] for item in items[:10])
    more = f"（另有 {len(items) - 10} 处）" if len(items) > 10 else ""
    return {
        "code": "invalid_input",
        "rule": "R2.3",
        "message": f"请求参数有误：{listing}{more}",
        "field": items[0]["field"] if items else None,
        "errors": items,
    }


def refusal_body(exc: RuleViolation) -> dict[str, Any]:
    body: dict[str, Any] = exc.as_dict()
    if isinstance(exc, RuleViolations):
        body["errors"] = [v.as_dict() for v in exc.violations]
    return body


def _plain(code: str, message: str, rule: str = "R2.2") -> dict[str, Any]:
    return {"code": code, "rule": rule, "message": message, "field": None}


def install_error_handlers(api: NinjaAPI) -> None:
    """Map every exception an endpoint can raise to a JSON refusal with the right status."""

    def respond(request: HttpRequest, body: dict[str, Any], status: int) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(RuleViolation)
    def on_rule_violation(request: HttpRequest, exc: RuleViolation) -> HttpResponse:
        return respond(request, refusal_body(exc), exc.status)

    @api.exception_handler(PermissionDenied)
    def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(request, _plain("forbidden", str(exc) or MSG_FORBIDDEN), 403)

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        # One body for "missing" and "not yours", so a 404 reveals nothing about other schools.
        return respond(request, _plain("not_found", MSG_NOT_FOUND), 404)

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = respond(request, _plain("unauthenticated", MSG_UNAUTHENTICATED), 401)
        response["WWW-Authenticate"] = 'Bearer realm="xueji"'
        return response

    @api.exception_handler(BadCredentials)
    def on_bad_credentials(request: HttpRequest, exc: BadCredentials) -> HttpResponse:
        return respond(request, _plain("bad_credentials", MSG_BAD_CREDENTIALS), 401)

    @api.exception_handler(BadOtp)
    def on_bad_otp(request: HttpRequest, exc: BadOtp) -> HttpResponse:
        body = {
            "code": "bad_otp",
            "rule": "R21.1",
            "message": "两步验证码不正确或已过期：请在 otp 中填写验证器上当前的 6 位数字（或一个未用过的恢复码）。",
            "field": "otp",
        }
        return respond(request, body, 401)

    @api.exception_handler(ValidationError)
    def on_invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return respond(request, invalid_input_body(list(exc.errors)), 422)

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:
            # ninja's only 400: a body that does not parse (broken JSON, wrong content type).
            if isinstance(exc.__cause__, BadText):
                where = str(exc.__cause__) or "请求体"
                return respond(
                    request, invalid_input_body([{"loc": ("body", "", where), "type": "bad_text"}]), 422
                )
            return respond(request, _plain("invalid_input", MSG_BAD_JSON, rule="R2.3"), 422)
        return respond(request, _plain("http_error", str(exc)), exc.status_code)

    @api.exception_handler(DataError)
    def on_data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
        # A value the database refuses (too long, out of range) is bad input, not a server fault.
        logger.warning("API input refused by the database: %s", exc)
        return respond(
            request, _plain("invalid_input", "输入的数据超出允许的长度或范围，请核对后重试。", "R2.3"), 422
        )

    @api.exception_handler(SuspiciousOperation)
    def on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        if isinstance(exc, RequestDataTooBig):
            return respond(request, _plain("too_large", MSG_TOO_LARGE, "R2.3"), 413)
        return respond(request, _plain("bad_request", "请求无效。", "R2.3"), 400)

    @api.exception_handler(Exception)
    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path)
        return respond(request, _plain("server_error", MSG_SERVER_ERROR, ""), 500)
