"""Turn raw input (a form, a JSON body, a spreadsheet row) into clean record values.

Every writer passes its raw values through here inside the service, so a page, the API and a
bulk import are held to the same rules. Errors are collected per field, so a registrar sees every
wrong field at once, each with its rule and a Chinese message.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

from xueji.core import codes, identity
from xueji.core.errors import RuleViolation, RuleViolations
from xueji.students import rules

Cleaner = Callable[[Any], Any]


# What each cleaner accepts, as the API's schema declares it (JSON Schema): the canonical form a
# client should send. The cleaners also read what a spreadsheet holds (a name for a code, 是/否,
# 2020年3月5日); the schema names the form, the cleaner's Chinese message explains a refusal.
JSON_SCHEMAS: dict[Cleaner, dict[str, Any]] = {}


def _documented(cleaner: Cleaner, schema: dict[str, Any]) -> Cleaner:
    JSON_SCHEMAS[cleaner] = schema
    return cleaner


def _text(max_len: int) -> Cleaner:
    def clean(value: Any) -> str:
        text = re.sub(r"\s+", " ", str(value)).strip()
        if not text.isprintable():  # NUL breaks PostgreSQL; control characters are never data
            raise ValueError("含有不可见的控制字符，请删除后重新输入")
        if len(text) > max_len:
            raise ValueError(f"不能超过 {max_len} 个字")
        return text

    return _documented(clean, {"type": "string", "maxLength": max_len})


def _code(table: Mapping[str, str]) -> Cleaner:
    def clean(value: Any) -> str:
        code = codes.lookup(table, value)
        if code is None:
            raise ValueError(f"“{value}”不在代码表中，请从列表中选择（可填代码或名称）")
        return code

    listed = "、".join(f"{code} {name}" for code, name in table.items())
    return _documented(
        clean, {"type": "string", "enum": [*table, *table.values()], "description": f"代码或名称：{listed}"}
    )


# Full-width forms U+FF01..U+FF5E sit 0xFEE0 above ASCII: a date typed with a Chinese IME still reads.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")  # ASCII digits only: the rest go to strptime


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).translate(_FULL_WIDTH).strip().replace("/", "-").replace(".", "-")
    if _ISO_DATE.match(text):  # the usual shape; strptime below costs ten times more
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass  # a day that does not exist: the message below
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    raise ValueError(f"“{value}”不是有效日期，请按 2020-09-01 的格式填写")


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "是", "true", "yes", "on", "y"}:
        return True
    if text in {"0", "否", "false", "no", "off", "n"}:
        return False
    raise ValueError(f"“{value}”应填“是”或“否”")


def _regex(pattern: re.Pattern[str], hint: str) -> Cleaner:
    def clean(value: Any) -> str:
        text = str(value).strip().replace(" ", "")
        if not pattern.match(text):
            raise ValueError(hint)
        return text

    return _documented(clean, {"type": "string", "pattern": pattern.pattern, "description": hint})


def _email(value: Any) -> str:
    text = str(value).strip()
    try:
        EmailValidator()(text)
    except ValidationError as exc:
        raise ValueError("电子信箱格式不正确") from exc
    return text


def _url(value: Any) -> str:
    text = str(value).strip()
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError as exc:
        raise ValueError("主页地址应以 http:// 或 https:// 开头") from exc
    return text


def _decimal(value: Any) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"“{value}”不是数字") from exc
    if not number.is_finite() or not Decimal(0) <= number <= Decimal(999):  # NaN cannot be compared
        raise ValueError("应在 0 到 999 公里之间")
    return number.quantize(Decimal("0.1"))


def _name(value: Any) -> str:
    text = re.sub(r"\s+", " ", str(value)).strip()
    if not rules.NAME_RE.match(text):
        raise ValueError("姓名只能包含汉字、字母、间隔号“·”，且不超过 50 字，请对照户口簿填写")
    return text


_documented(parse_date, {"type": "string", "format": "date"})
_documented(parse_bool, {"type": "boolean"})
_documented(_email, {"type": "string", "format": "email"})
_documented(_url, {"type": "string", "format": "uri", "pattern": "^https?://"})
_documented(_decimal, {"type": "number", "minimum": 0, "maximum": 999})
_documented(_name, {"type": "string", "minLength": 1, "maxLength": 50})
_region = _regex(rules.REGION_RE, "应为 6 位或 12 位行政区划代码，例如 410503")
_phone = _regex(rules.PHONE_RE, "应为 11 位手机号或带区号的固定电话，例如 0372-5961234")

STUDENT_FIELDS: dict[str, tuple[str, Cleaner]] = {
    "name": ("姓名", _name),
    "gender": ("性别", _code(codes.GENDER)),
    "birth_date": ("出生日期", parse_date),
    "birthplace_code": ("出生地", _region),
    "native_place": ("籍贯", _text(50)),
    "ethnicity": ("民族", _code(codes.ETHNICITY)),
    "nationality": ("国籍/地区", _code(codes.NATIONALITY)),
    "id_type": ("身份证件类型", _code(codes.ID_TYPE)),
    "id_number": ("身份证件号", _text(30)),
    "hk_mo_tw": ("港澳台侨外", _code(codes.HK_MO_TW)),
    "political_status": ("政治面貌", _code(codes.POLITICAL_STATUS)),
    "health": ("健康状况", _code(codes.HEALTH)),
    "former_name": ("曾用名", _text(50)),
    "id_valid_until": ("身份证件有效期", parse_date),
    "household_place_code": ("户口所在地", _region),
    "household_type": ("户口性质", _code(codes.HOUSEHOLD_TYPE)),
    "specialty": ("特长", _text(100)),
    "current_address": ("现住址", _text(200)),
    "mailing_address": ("通信地址", _text(200)),
    "home_address": ("家庭地址", _text(200)),
    "phone": ("联系电话", _phone),
    "postal_code": ("邮政编码", _regex(rules.POSTAL_RE, "邮政编码为 6 位数字，例如 455000")),
    "email": ("电子信箱", _email),
    "homepage": ("主页地址", _url),
    "only_child": ("是否独生子女", parse_bool),
    "preschool": ("是否受过学前教育", parse_bool),
    "left_behind": ("是否留守儿童", _code(codes.LEFT_BEHIND)),
    "migrant_child": ("是否进城务工人员随迁子女", parse_bool),
    "orphan": ("是否孤儿", parse_bool),
    "martyr_child": ("是否烈士或优抚子女", parse_bool),
    "regular_class_disabled": ("随班就读", _code(codes.REGULAR_CLASS_DISABLED)),
    "disability": ("残疾类型", _code(codes.DISABILITY)),
    "government_paid_seat": ("是否由政府购买学位", parse_bool),
    "needs_aid": ("是否需要申请资助", parse_bool),
    "one_subsidy": ("是否享受一补", parse_bool),
    "commute_km": ("上下学距离（公里）", _decimal),
    "commute_mode": ("上下学交通方式", _code(codes.COMMUTE_MODE)),
    "school_bus": ("是否需要乘坐校车", parse_bool),
}

FAMILY_FIELDS: dict[str, tuple[str, Cleaner]] = {
    "name": ("姓名", _name),
    "relation": ("关系", _code(codes.FAMILY_RELATION)),
    "relation_note": ("关系说明", _text(50)),
    "ethnicity": ("民族", _code(codes.ETHNICITY)),
    "employer": ("工作单位", _text(100)),
    "address": ("现住址", _text(200)),
    "household_place_code": ("户口所在地", _region),
    "phone": ("联系电话", _phone),
    "is_guardian": ("是否监护人", parse_bool),
    "id_type": ("身份证件类型", _code(codes.ID_TYPE)),
    "id_number": ("身份证件号", _text(30)),
    "job_title": ("职务", _text(50)),
}

ENROLLMENT_FIELDS: dict[str, tuple[str, Cleaner]] = {
    "grade": ("年级", _documented(lambda v: _grade(v), {"type": "integer", "minimum": 1, "maximum": 9})),
    "entry_date": ("入学日期", parse_date),
    "entry_mode": ("入学方式", _code(codes.ENTRY_MODE)),
    "attendance_mode": ("就读方式", _code(codes.ATTENDANCE_MODE)),
    "source": ("学生来源", _code(codes.STUDENT_SOURCE)),
    "class_seat_number": ("班内学号", _text(10)),
    "aux_number": ("学籍辅号", _text(30)),
}

# Minimal identity and enrollment a registration needs; the rest may follow within a month (R5.1).
REQUIRED_AT_REGISTRATION = ("name", "gender", "birth_date", "id_type")
REQUIRED_ENROLLMENT = ("grade", "entry_date", "entry_mode", "attendance_mode")
# R9.1: key information changes only through the information-change procedure (district approval).
KEY_FIELDS = ("name", "gender", "birth_date", "id_type", "id_number", "ethnicity")


def _grade(value: Any) -> int:
    try:
        grade = int(str(value).strip())
    except ValueError as exc:
        reverse = {name: number for number, name in codes.GRADE_NAMES.items()}
        if str(value).strip() in reverse:
            return reverse[str(value).strip()]
        raise ValueError("年级应为 1–9 或“一年级”…“九年级”") from exc
    if not 1 <= grade <= 9:
        raise ValueError("年级应为 1–9（义务教育阶段）")
    return grade


def _clean_fields(
    raw: Mapping[str, Any],
    spec: Mapping[str, tuple[str, Cleaner]],
    errors: list[RuleViolation],
    *,
    prefix: str = "",
    label_prefix: str = "",
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field, (label, cleaner) in spec.items():
        if field not in raw:
            continue
        value = raw[field]
        if value is None or (isinstance(value, str) and not value.strip()):
            values[field] = None
            continue
        try:
            values[field] = cleaner(value)
        except ValueError as exc:
            errors.append(
                RuleViolation(
                    rule="R2.3",
                    code="invalid",
                    field=prefix + field,
                    message=f"{label_prefix}{label}：{exc}。",
                )
            )
    return values


def required(
    field: str, label: str, errors: list[RuleViolation], values: Mapping[str, Any], prefix: str = ""
) -> None:
    already = any(e.field == prefix + field for e in errors)  # one message per field: "invalid" says enough
    if values.get(field) in (None, "") and not already:
        errors.append(
            RuleViolation(rule="R2.3", code="required", field=prefix + field, message=f"请填写「{label}」。")
        )


def clean_key_fields(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The key fields present in ``raw``, cleaned for comparison with the record (R9.1)."""
    errors: list[RuleViolation] = []
    values = _clean_fields(raw, {f: STUDENT_FIELDS[f] for f in KEY_FIELDS}, errors)
    if errors:
        raise RuleViolations(errors)
    if values.get("id_number"):
        values["id_number"] = identity.normalize_id_number(values["id_number"])
    return values


def clean_student(
    raw: Mapping[str, Any], *, partial: bool = False, today: dt.date, confirm_region: bool = False
) -> tuple[dict[str, Any], list[str]]:
    """Clean the student's own fields. Returns values and warnings; raises RuleViolations."""
    errors: list[RuleViolation] = []
    warnings: list[str] = []
    values = _clean_fields(raw, STUDENT_FIELDS, errors)
    if not partial:
        for field in REQUIRED_AT_REGISTRATION:
            required(field, STUDENT_FIELDS[field][0], errors, values)
    # Identity is checked even while other fields are still empty, so the registrar learns at
    # once that the ID number is wrong; it waits only for the fields it reads to be readable.
    if not {e.field for e in errors} & {"id_type", "id_number"}:
        _check_identity(values, errors, warnings, today=today, confirm_region=confirm_region, partial=partial)
    if not errors:
        if not partial:  # an update is checked on the merged record by the service
            errors += check_consistency(values)
    if errors:
        raise RuleViolations(errors)
    return values, warnings


def _check_identity(
    values: dict[str, Any],
    errors: list[RuleViolation],
    warnings: list[str],
    *,
    today: dt.date,
    confirm_region: bool,
    partial: bool,
) -> None:
    if "id_type" not in values and "id_number" not in values and partial:
        return
    id_type = values.get("id_type") or ""
    number = values.get("id_number") or ""
    birth_date = values.get("birth_date")
    if birth_date and birth_date > today:
        errors.append(
            RuleViolation(
                rule="R6.1", code="future_birth", field="birth_date", message="出生日期不能晚于今天。"
            )
        )
        return
    if id_type != "Z" and not number:
        errors.append(
            RuleViolation(
                rule="R6.3",
                code="required",
                field="id_number",
                message="请填写身份证件号；确无证件号的学生，证件类型请选“Z 其他”，并填写监护人证件号。",
            )
        )
        return
    if id_type == "1" and identity.normalize_id_number(number)[:2] in {"81", "82", "83"}:
        # R24.1, R6.2: a residence permit typed in as a resident ID would escape the duplicate check.
        errors.append(
            RuleViolation(
                rule="R24.1",
                code="id_type_mismatch",
                field="id_type",
                message="以81、82、83开头的是港澳台居民居住证号码，证件类型请选择“港澳台居民居住证”。",
            )
        )
        return
    try:
        values["id_number"] = identity.validate_document(
            id_type=id_type, raw=number, birth_date=birth_date, gender=values.get("gender"), today=today
        )
    except RuleViolation as exc:
        errors.append(exc)
        return
    if id_type in {"1", "C"}:
        info = identity.parse_resident_id(values["id_number"], today=today)
        if not info.region_known:
            if confirm_region:
                warnings.append(f"身份证号地区码 {info.region_code} 不在行政区划代码表中，已由登记人确认。")
            else:
                errors.append(
                    RuleViolation(
                        rule="R6.3",
                        code="id_region_unconfirmed",
                        field="id_number",
                        message=(
                            f"身份证号前六位 {info.region_code} 不在行政区划代码表（含历史版本）中。"
                            "请对照户口簿核对；确认无误的，勾选“确认地区码无误”后再提交。"
                        ),
                    )
                )


def check_consistency(values: Mapping[str, Any]) -> list[RuleViolation]:
    """Cross-field checks on a whole record (a registration, or a record merged with its update)."""
    regular = values.get("regular_class_disabled") or "0"
    disability = values.get("disability") or "0"
    # 非随班就读 says nothing about a disability: special schools and 送教上门 (R6.6) teach disabled
    # students outside regular classes.
    if regular == "0" or disability in codes.REGULAR_CLASS_DISABILITY[regular]:
        return []
    return [
        RuleViolation(
            rule="R2.3",
            code="disability_mismatch",
            field="regular_class_disabled",
            message=(
                f"「随班就读」为“{codes.REGULAR_CLASS_DISABLED[regular]}”，与「残疾类型」"
                f"“{codes.DISABILITY[disability]}”不一致，请核对。"
            ),
        )
    ]


def clean_family(raw_members: list[Mapping[str, Any]], *, today: dt.date) -> list[dict[str, Any]]:
    """Clean up to two family members/guardians (items 49–72)."""
    errors: list[RuleViolation] = []
    members: list[dict[str, Any]] = []
    if len(raw_members) > 2:
        raise RuleViolation(
            rule="R2.3", code="invalid", field="family", message="家庭成员或监护人最多填写两名。"
        )
    for position, raw in enumerate(raw_members, start=1):
        if not any(
            v not in (None, "") for v in raw.values() if not isinstance(v, int) or isinstance(v, bool)
        ):
            continue
        prefix, label = f"family{position}_", f"成员{'一二'[position - 1]}"
        values = _clean_fields(raw, FAMILY_FIELDS, errors, prefix=prefix, label_prefix=label)
        required("name", f"{label}姓名", errors, values, prefix)
        required("relation", f"{label}关系", errors, values, prefix)
        required("phone", f"{label}联系电话", errors, values, prefix)
        if values.get("id_number"):
            try:
                values["id_number"] = identity.validate_document(
                    id_type=values.get("id_type") or "1", raw=values["id_number"], today=today
                )
                values["id_type"] = values.get("id_type") or "1"
            except RuleViolation as exc:
                exc.field = prefix + "id_number"
                exc.message = f"{label}：{exc.message}"
                errors.append(exc)
        values["position"] = position
        values["is_guardian"] = bool(values.get("is_guardian"))
        members.append(values)
    if errors:
        raise RuleViolations(errors)
    return members


def clean_enrollment(raw: Mapping[str, Any]) -> dict[str, Any]:
    errors: list[RuleViolation] = []
    values = _clean_fields(raw, ENROLLMENT_FIELDS, errors)
    for field in REQUIRED_ENROLLMENT:
        required(field, ENROLLMENT_FIELDS[field][0], errors, values)
    if errors:
        raise RuleViolations(errors)
    values.setdefault("source", "1")
    values["source"] = values["source"] or "1"
    return values
