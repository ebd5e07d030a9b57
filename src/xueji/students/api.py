"""API of student records: search, detail, registration, updates, evidence and history.

Handlers only translate: they check the caller's role, fetch through the scoped selectors (a
student outside the caller's scope is the same 404 as a missing one) and hand the raw field values
to the services, which validate them and explain refusals in Chinese (R2.3). Role order matters:
a wrong role is 403 before any lookup, so a 404 always means "not there for you".
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Annotated, Any

from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest
from ninja import Field, File, Form, ModelSchema, Query, Router, Schema, Status, UploadedFile
from pydantic import PlainValidator, WithJsonSchema, create_model

from xueji.audit import actions
from xueji.audit.services import access_record, masked_query
from xueji.core import evidence as evidence_files
from xueji.core.api_support import (
    FILE_DOWNLOAD_DOC,
    READ_ERRORS,
    WRITE_ERRORS,
    InputSchema,
    Scalar,
    auth_user,
    scalar,
)
from xueji.core.errors import RuleViolation
from xueji.core.identity import mask_address, mask_id_number, mask_phone, mask_xjh
from xueji.org import selectors as org_selectors
from xueji.org.api import school_by_code
from xueji.org.models import Role, School, SchoolClass
from xueji.org.permissions import READ_STUDENTS, WRITE_STUDENTS, require_role
from xueji.students import display, selectors, services, validation
from xueji.students.models import Enrollment, Evidence, FamilyMember, FollowUp, Student

logger = logging.getLogger(__name__)
router = Router(tags=["学生"])

MAX_PK = 2**63 - 1  # BigAutoField; larger ids cannot exist, so they are "not found" without a query
MSG_CLASS_NOT_FOUND = "所选班级不存在或不属于本校，请重新选择班级（第四条：学籍由学生就读学校管理）。"


# --------------------------------------------------------------------------- input schemas


def _fields_schema(name: str, spec: Mapping[str, tuple[str, Any]], doc: str) -> type[InputSchema]:
    # Built from the validation tables, so the documented fields are exactly those the services
    # read. Every value is a permissive scalar: the service's Chinese message, not pydantic's
    # English one, tells the user what is wrong with it.
    # The schema declares the canonical form each field takes (validation.JSON_SCHEMAS).
    fields: dict[str, Any] = {
        field: (_declared(cleaner), Field(None, title=label)) for field, (label, cleaner) in spec.items()
    }
    return create_model(name, __base__=InputSchema, __doc__=doc, **fields)


def _declared(cleaner: Any) -> Any:
    schema = validation.JSON_SCHEMAS.get(cleaner)
    if schema is None:
        return Scalar
    return Annotated[Any, PlainValidator(scalar), WithJsonSchema({"anyOf": [schema, {"type": "null"}]})]


StudentIn = _fields_schema(
    "StudentIn", validation.STUDENT_FIELDS, "学生基本信息（国家学籍系统学生基本信息表各项；代码或名称均可）"
)
FamilyMemberIn = _fields_schema("FamilyMemberIn", validation.FAMILY_FIELDS, "家庭成员或监护人")
EnrollmentIn = _fields_schema(
    "EnrollmentIn", validation.ENROLLMENT_FIELDS, "在籍信息（年级、入学日期、入学方式、就读方式等）"
)


class RegisterIn(InputSchema):
    student: StudentIn  # type: ignore[valid-type]
    family: list[FamilyMemberIn] = Field(default_factory=list, title="家庭成员或监护人（最多两名）")  # type: ignore[valid-type]
    enrollment: EnrollmentIn  # type: ignore[valid-type]
    class_id: int | None = Field(
        None, title="班级 id", description="本校该年级的班级；不属于本校的班级按不存在处理（422）"
    )
    confirm_region: bool = Field(
        False, title="确认地区码无误", description="身份证号地区码不在代码表中时，核对后置为 true"
    )
    duplicate_reason: str = Field(
        "",
        max_length=300,
        title="确认不是重复学籍的理由",
        description="无身份证件号的学生与已有学籍姓名、出生日期、性别相同时（409，possible_duplicate），"
        "核对确认不是同一人后填写理由再提交；记入日志并报区教育局（R6.2）",
    )


class ImportIn(RegisterIn):
    xjh: str = Field(
        max_length=50, title="学籍号", description="国家学籍系统中已有的学籍号（G/L/J 开头，19 位）"
    )


class UpdateIn(InputSchema):
    changes: StudentIn = Field(title="要修改的字段（只传要改的；传 null 表示清空）")  # type: ignore[valid-type]
    family: list[FamilyMemberIn] | None = Field(None, title="家庭成员（按位置替换；空对象保留原成员）")  # type: ignore[valid-type]
    confirm_region: bool = Field(False, title="确认地区码无误")


def _given(schema: Any) -> dict[str, Any]:
    return schema.model_dump(exclude_unset=True)  # unset = unchanged; an explicit null clears


# --------------------------------------------------------------------------- output schemas

_STUDENT_OUT_FIELDS = [
    "id",
    "xjh",
    *(f for f in validation.STUDENT_FIELDS if f != "id_number"),
    "name_pinyin",
    "is_complete",
    "created_at",
    "updated_at",
]


class StudentItemOut(Schema):
    id: int
    xjh: str = Field(title="学籍号（已脱敏）")
    name: str = Field(title="姓名")
    gender: str = Field(title="性别", description="1 男 / 2 女")
    id_number: str = Field(title="身份证件号（已脱敏）")
    birth_date: dt.date = Field(title="出生日期")
    school: str = Field(title="学校标识码")
    school_name: str = Field(title="学校名称")
    grade: int = Field(title="年级")
    class_id: int | None = Field(title="班级 id")
    class_name: str | None = Field(title="班级")
    status: str = Field(title="学籍状态代码")
    status_label: str = Field(title="学籍状态")
    is_complete: bool = Field(title="档案完整")
    record_due: dt.date = Field(title="档案应完成日期")


class StudentPageOut(Schema):
    count: int = Field(title="总数")
    page: int
    page_size: int
    items: list[StudentItemOut]


class FamilyMemberOut(Schema):
    position: int = Field(title="序号")
    name: str = Field(title="姓名")
    relation: str = Field(title="关系")
    relation_note: str = Field(title="关系说明")
    ethnicity: str = Field(title="民族")
    employer: str = Field(title="工作单位")
    address: str = Field(title="现住址")
    household_place_code: str = Field(title="户口所在地")
    phone: str = Field(title="联系电话", description="仅本校学籍管理员可见全文（R21.1）")
    is_guardian: bool = Field(title="是否监护人")
    id_type: str = Field(title="身份证件类型")
    id_number: str = Field(title="身份证件号（一律脱敏）")
    job_title: str = Field(title="职务")


class EnrollmentOut(Schema):
    school: str = Field(title="学校标识码")
    school_name: str = Field(title="学校名称")
    grade: int = Field(title="年级")
    class_id: int | None = Field(title="班级 id")
    class_name: str | None = Field(title="班级")
    class_seat_number: str = Field(title="班内学号")
    entry_date: dt.date = Field(title="入学日期")
    entry_mode: str = Field(title="入学方式")
    attendance_mode: str = Field(title="就读方式")
    source: str = Field(title="学生来源")
    aux_number: str = Field(title="学籍辅号")
    origin: str = Field(title="建籍方式", description="new 新生注册 / imported 导入 / transfer 转入")
    status: str = Field(title="学籍状态代码")
    status_label: str = Field(title="学籍状态")


class CompletenessOut(Schema):
    is_complete: bool = Field(title="档案完整")
    missing: list[str] = Field(title="尚缺项目")


_SENSITIVE_NOTE = "默认不返回（null）；本校学籍管理员、审核人以 reveal=true 查看，每次查看均记录（R21.1）"


class StudentDetailOut(ModelSchema):
    id_number: str = Field(
        title="身份证件号", description="仅本校学籍管理员可见全文，其他人看到脱敏号码（R21.1）"
    )
    xjh: str = Field(title="学籍号", description="仅本校学籍管理员可见全文，其他人看到脱敏号码（R21.1）")
    masked: bool = Field(
        title="是否已脱敏", description="为 true 时学籍号、身份证件号、电话、地址和电子信箱均已脱敏"
    )
    health: str | None = Field(title="健康状况", description=_SENSITIVE_NOTE)
    regular_class_disabled: str | None = Field(title="随班就读", description=_SENSITIVE_NOTE)
    disability: str | None = Field(title="残疾类型", description=_SENSITIVE_NOTE)
    needs_aid: bool | None = Field(title="是否需要申请资助", description=_SENSITIVE_NOTE)
    one_subsidy: bool | None = Field(title="是否享受一补", description=_SENSITIVE_NOTE)
    sensitive_shown: bool = Field(
        title="是否显示健康、残疾、资助信息", description="仅本校以 reveal=true 查看时为 true，每次查看均记录"
    )
    family: list[FamilyMemberOut]
    enrollment: EnrollmentOut
    completeness: CompletenessOut
    record_due: dt.date = Field(title="档案应完成日期（R5.1）")

    class Meta:
        model = Student
        fields = _STUDENT_OUT_FIELDS


class EvidenceOut(Schema):
    id: int
    category: str = Field(title="材料类别")
    category_label: str = Field(title="材料类别名称")
    description: str = Field(title="说明")
    original_name: str = Field(title="文件名")
    size: int = Field(title="大小（字节）")
    sha256: str
    content_type: str
    uploaded_at: dt.datetime = Field(title="上传时间")
    uploaded_by: str = Field(title="上传人")


class ChangeOut(Schema):
    at: dt.datetime = Field(title="时间")
    user: str = Field(title="操作人")
    kind: str = Field(title="操作", description="新建 / 修改 / 删除")
    what: str = Field(title="对象")
    field: str = Field(title="字段")
    old: str = Field(title="原值")
    new: str = Field(title="新值")


# --------------------------------------------------------------------------- building responses


def _may_see_identity(viewer: Any, enrollment: Enrollment) -> bool:
    # R21.1 (decision 0005): only the registrar who keeps this record needs the full numbers.
    return viewer.role == Role.REGISTRAR and viewer.school_id == enrollment.school_id


def _masked(number: str, reveal: bool) -> str:
    return number if reveal or not number else mask_id_number(number)


def _masked_xjh(xjh: str, reveal: bool) -> str:
    # A G number is "G" + the ID number, so it is masked wherever the ID number is.
    return xjh if reveal or not xjh else mask_xjh(xjh)


def _family_out(member: FamilyMember, reveal: bool) -> dict[str, Any]:
    return {
        **model_to_dict(member),
        "id_number": _masked(member.id_number, reveal=False),  # guardians' numbers: masked for everyone
        "phone": member.phone if reveal else mask_phone(member.phone),
        "address": member.address if reveal or not member.address else mask_address(member.address),
    }


def _enrollment_out(enrollment: Enrollment) -> dict[str, Any]:
    school_class = enrollment.school_class
    return {
        "school": enrollment.school.code,
        "school_name": enrollment.school.name,
        "grade": enrollment.grade,
        "class_id": school_class.pk if school_class else None,
        "class_name": school_class.name if school_class else None,
        "class_seat_number": enrollment.class_seat_number,
        "entry_date": enrollment.entry_date,
        "entry_mode": enrollment.entry_mode,
        "attendance_mode": enrollment.attendance_mode,
        "source": enrollment.source,
        "aux_number": enrollment.aux_number,
        "origin": enrollment.origin,
        "status": enrollment.status,
        "status_label": enrollment.get_status_display(),
    }


def may_reveal_sensitive(viewer: Any, enrollment: Enrollment) -> bool:
    """R21.1: the school keeping the record may see health, disability and aid, on asking."""
    return viewer.role in (Role.REGISTRAR, Role.SCHOOL_APPROVER) and viewer.school_id == enrollment.school_id


def student_detail(viewer: Any, student: Student, *, sensitive_shown: bool = False) -> dict[str, Any]:
    """The detail of a student fetched through ``selectors.student_get`` (which prefetches it).
    Health, disability and aid only when ``sensitive_shown`` (a logged reveal); contacts in full only
    for the registrar keeping the record (R21.1)."""
    enrollment = selectors.current_enrollment(student)
    reveal = _may_see_identity(viewer, enrollment)
    family = list(student.family.all())
    data: dict[str, Any] = {name: getattr(student, name) for name in _STUDENT_OUT_FIELDS}
    if not reveal:
        data.update(
            {name: display.contact_masked(name, data[name]) for name in display.CONTACT if data[name]}
        )
    if not sensitive_shown:
        data.update(dict.fromkeys(display.SENSITIVE))
    data.update(
        xjh=_masked_xjh(student.xjh, reveal),
        id_number=_masked(student.id_number, reveal),
        masked=not reveal,
        sensitive_shown=sensitive_shown,
        family=[_family_out(member, reveal) for member in family],
        enrollment=_enrollment_out(enrollment),
        completeness={
            "is_complete": student.is_complete,
            "missing": selectors.student_missing(student, enrollment.school.district),
        },
        record_due=enrollment.record_due,
    )
    return data


def _item_out(row: Enrollment) -> dict[str, Any]:
    student = row.student
    return {
        "id": student.pk,
        "xjh": _masked_xjh(student.xjh, reveal=False),
        "name": student.name,
        "gender": student.gender,
        "id_number": _masked(student.id_number, reveal=False),  # R21.1: lists never show full numbers
        "birth_date": student.birth_date,
        "school": row.school.code,
        "school_name": row.school.name,
        "grade": row.grade,
        "class_id": row.school_class_id,
        "class_name": row.school_class.name if row.school_class else None,
        "status": row.status,
        "status_label": row.get_status_display(),
        "is_complete": student.is_complete,
        "record_due": row.record_due,
    }


def _evidence_out(item: Evidence) -> dict[str, Any]:
    return {
        "id": item.pk,
        "category": item.category,
        "category_label": item.get_category_display(),
        "description": item.description,
        "original_name": item.original_name,
        "size": item.size,
        "sha256": item.sha256,
        "content_type": item.content_type,
        "uploaded_at": item.uploaded_at,
        "uploaded_by": item.uploaded_by.full_name or item.uploaded_by.username,
    }


# --------------------------------------------------------------------------- lookups


def _reader(request: HttpRequest) -> Any:
    """The caller, if the role may read student records (R2.2); 403 otherwise."""
    user = auth_user(request)
    require_role(user, READ_STUDENTS)
    return user


def _student(user: Any, pk: int) -> Student:
    if not 0 < pk <= MAX_PK:
        raise Http404
    return selectors.student_get(requested_by=user, pk=pk)


def _class_for(user: Any, school: School, class_id: int | None) -> SchoolClass | None:
    """Decision: a class that is missing or belongs to another school is a 422 at ``class_id``,
    one message for both, since the request's target exists and only a field is wrong."""
    if class_id is None:
        return None
    found = None
    if 0 < class_id <= MAX_PK:
        found = org_selectors.class_list(requested_by=user, school=school).filter(pk=class_id).first()
    if found is None:
        raise RuleViolation(
            rule="R4.1", code="class_not_found", field="class_id", message=MSG_CLASS_NOT_FOUND
        )
    return found


def _registrar_school(user: Any) -> School:
    # Services check the role again; this check first makes sure there is a school to register into.
    require_role(user, WRITE_STUDENTS)
    return user.school


# --------------------------------------------------------------------------- endpoints


class SearchIn(InputSchema):
    """查询条件（与 GET /students 的参数相同）。姓名和证件号放在请求体里，不进入任何网址和请求日志（R21.1）。"""

    q: str = Field("", max_length=100, title="姓名、拼音首字母、身份证号或学籍号（含曾用学籍号）")
    grade: int | None = Field(None, ge=1, le=9, title="年级")
    school: str | None = Field(None, max_length=10, title="学校标识码")
    class_id: int | None = Field(None, ge=1, le=MAX_PK, title="班级 id")
    incomplete: bool = Field(False, title="只看档案不完整的")
    page: int = Field(1, ge=1, le=100_000, title="页码")
    page_size: int = Field(20, ge=1, le=100, title="每页条数（最多 100）")


def _search_page(request: HttpRequest, terms: SearchIn) -> dict[str, Any]:
    user = _reader(request)
    rows = selectors.enrollment_search(
        requested_by=user,
        q=terms.q,
        school=school_by_code(request, terms.school) if terms.school else None,
        grade=terms.grade,
        school_class_id=terms.class_id,
        incomplete=terms.incomplete,
    )
    start = (terms.page - 1) * terms.page_size
    access_record(actor=user, action=actions.STUDENT_SEARCH, note=f"接口查询“{masked_query(terms.q)}”")
    return {
        "count": rows.count(),
        "page": terms.page,
        "page_size": terms.page_size,
        "items": [_item_out(row) for row in rows[start : start + terms.page_size]],
    }


@router.post("/search", response={200: StudentPageOut, **READ_ERRORS}, summary="查询学生（条件在请求体中）")
def student_search_post(request: HttpRequest, payload: SearchIn) -> Any:
    """本人权限范围内的在籍学生，条件在请求体中：按姓名或证件号查询时请用这个接口，号码不会出现在网址里（R21.1）。
    学籍号和身份证件号一律脱敏，但可以用完整号码查询。"""
    return _search_page(request, payload)


@router.get("", response={200: StudentPageOut, **READ_ERRORS}, summary="查询学生")
def student_search(request: HttpRequest, terms: Query[SearchIn]) -> Any:
    """本人权限范围内的在籍学生。学籍号和身份证件号一律脱敏（R21.1）。
    按姓名或证件号查询请用 POST /students/search：网址会留在浏览器历史和代理的日志里。"""
    return _search_page(request, terms)


@router.post("", response={201: StudentDetailOut, **WRITE_ERRORS}, summary="注册新生")
def student_register(request: HttpRequest, payload: RegisterIn) -> Any:
    """新生注册（一年级或七年级，秋季入学）。校验不通过返回 422，列出每个字段的问题及依据条款；
    该学生已在本系统建立学籍时返回 409（R6.2）。只有学籍管理员可以注册，注册到本校。"""
    user = auth_user(request)
    school = _registrar_school(user)
    student = services.student_register(
        actor=user,
        school=school,
        student=_given(payload.student),
        family=[_given(member) for member in payload.family],
        enrollment=_given(payload.enrollment),
        school_class=_class_for(user, school, payload.class_id),
        confirm_region=payload.confirm_region,
        duplicate_reason=payload.duplicate_reason,
    )
    return Status(201, student_detail(user, _student(user, student.pk)))


@router.post("/import-existing", response={201: StudentDetailOut, **WRITE_ERRORS}, summary="导入已有学籍")
def student_import_existing(request: HttpRequest, payload: ImportIn) -> Any:
    """接续国家学籍系统中已有的学籍：保留原学籍号、年级和入学日期。"""
    user = auth_user(request)
    school = _registrar_school(user)
    student = services.student_import_existing(
        actor=user,
        school=school,
        xjh=payload.xjh,
        student=_given(payload.student),
        family=[_given(member) for member in payload.family],
        enrollment=_given(payload.enrollment),
        school_class=_class_for(user, school, payload.class_id),
        confirm_region=payload.confirm_region,
        duplicate_reason=payload.duplicate_reason,
    )
    return Status(201, student_detail(user, _student(user, student.pk)))


@router.get("/{student_id}", response={200: StudentDetailOut, **READ_ERRORS}, summary="学生详情")
def student_get(request: HttpRequest, student_id: int, reveal: bool = False) -> Any:
    """全部学籍信息、家庭成员、当前在籍信息和档案完整情况。身份证件号、电话、地址仅本校学籍管理员可见全文；
    健康、残疾、资助信息默认不返回，本校学籍管理员、审核人以 `reveal=true` 查看，每次查看均记录（R21.1）。"""
    user = _reader(request)
    student = _student(user, student_id)
    enrollment = selectors.current_enrollment(student)
    revealed = reveal and may_reveal_sensitive(user, enrollment)
    access_record(
        actor=user,
        action=actions.STUDENT_REVEAL if revealed else actions.STUDENT_VIEW,
        subject=student,
        school=enrollment.school,
        note="api",
    )
    return student_detail(user, student, sensitive_shown=revealed)


@router.patch("/{student_id}", response={200: StudentDetailOut, **WRITE_ERRORS}, summary="修改学生信息")
def student_update(request: HttpRequest, student_id: int, payload: UpdateIn) -> Any:
    """修改非关键信息；姓名、性别、出生日期、证件、民族属关键信息，须走信息变更申请（R9.1，返回 422）。
    family 按位置传入：第 1 项为成员一、第 2 项为成员二，传入的成员整体替换该位置，未传字段被清空；
    空对象或未传的位置保留原成员（学籍信息不删除，R2.3）。详情中的成员证件号已脱敏，修改时须填写完整号码。"""
    user = _reader(request)
    student = services.student_update(
        actor=user,
        student=_student(user, student_id),
        changes=_given(payload.changes),
        family=None if payload.family is None else [_given(member) for member in payload.family],
        confirm_region=payload.confirm_region,
    )
    return student_detail(user, _student(user, student.pk))


@router.get("/{student_id}/history", response={200: list[ChangeOut], **READ_ERRORS}, summary="变更历史")
def student_history(request: HttpRequest, student_id: int) -> Any:
    """学籍信息的每一次变更（谁、何时、原值 → 新值），最新的在前（R2.3）。"""
    user = _reader(request)
    student = _student(user, student_id)
    school = selectors.current_enrollment(student).school
    access_record(actor=user, action=actions.STUDENT_VIEW, subject=student, school=school, note="api history")
    return display.history_masked(selectors.student_history(requested_by=user, student=student))


@router.get(
    "/{student_id}/evidence", response={200: list[EvidenceOut], **READ_ERRORS}, summary="佐证材料列表"
)
def evidence_list(request: HttpRequest, student_id: int) -> Any:
    """该学生的佐证材料（最新的在前），下载地址见“下载佐证材料”。"""
    user = _reader(request)
    student = _student(user, student_id)
    items = selectors.evidence_list(requested_by=user, student=student)
    school = selectors.current_enrollment(student).school
    access_record(
        actor=user, action=actions.STUDENT_VIEW, subject=student, school=school, note="api evidence"
    )
    return [_evidence_out(item) for item in items]


# --------------------------------------------------------------------------- status periods and follow-ups


class PeriodEventOut(Schema):
    threshold: str = Field(title="节点代码", description="soon 即将期满 / ended 已期满 / after_N 期满后 N 天")
    label: str = Field(title="节点")
    due_on: dt.date = Field(title="节点日期")


class PeriodOut(Schema):
    status: str = Field(title="状态代码", description="02 休学 / 13 出国（境）")
    status_label: str = Field(title="状态")
    starts_on: dt.date = Field(title="起始日期")
    ends_on: dt.date | None = Field(title="期满日期", description="出国（境）无期满日期")
    closed_on: dt.date | None = Field(title="结束日期", description="进行中为 null；期满不自动结束（R12.4）")
    reference: str = Field(title="依据（事项编号）")
    events: list[PeriodEventOut] = Field(title="已记录的提醒节点（R12.6）")


class FollowUpOut(Schema):
    id: int
    kind: str = Field(title="类别代码")
    kind_label: str = Field(title="类别")
    on: dt.date = Field(title="日期")
    who: str = Field(title="经办人")
    way: str = Field(title="方式代码")
    way_label: str = Field(title="方式")
    result: str = Field(title="结果")
    concerns_label: str = Field(title="针对的学籍状态")
    evidence_id: int | None = Field(title="佐证材料 id")
    recorded_by: str = Field(title="记录人")


class FollowUpIn(InputSchema):
    kind: str = Field(
        max_length=20,
        title="类别",
        description="；".join(f"{v} {label}" for v, label in FollowUp.Kind.choices),
    )
    on: dt.date = Field(title="日期")
    who: str = Field(max_length=50, title="经办人")
    way: str = Field(
        max_length=10,
        title="方式",
        description="；".join(f"{v} {label}" for v, label in FollowUp.Way.choices),
    )
    result: str = Field(max_length=300, title="结果")


def _follow_up_out(item: FollowUp) -> dict[str, Any]:
    return {
        "id": item.pk,
        "kind": item.kind,
        "kind_label": item.get_kind_display(),
        "on": item.on,
        "who": item.who,
        "way": item.way,
        "way_label": item.get_way_display(),
        "result": item.result,
        "concerns_label": item.get_concerns_display(),
        "evidence_id": item.evidence_id,
        "recorded_by": item.recorded_by.full_name or item.recorded_by.username,
    }


@router.get("/{student_id}/periods", response={200: list[PeriodOut], **READ_ERRORS}, summary="学籍状态期间")
def status_periods(request: HttpRequest, student_id: int) -> Any:
    """休学、出国（境）等状态的起止（R12.4）：期满不自动改变学籍状态，只记录提醒节点（R12.6）。"""
    user = _reader(request)
    periods = selectors.status_periods(requested_by=user, student=_student(user, student_id))
    return [
        {
            "status": p.status,
            "status_label": p.get_status_display(),
            "starts_on": p.starts_on,
            "ends_on": p.ends_on,
            "closed_on": p.closed_on,
            "reference": p.reference,
            "events": [
                {"threshold": e.threshold, "label": e.label, "due_on": e.due_on} for e in p.events.all()
            ],
        }
        for p in periods
    ]


@router.get("/{student_id}/follow-ups", response={200: list[FollowUpOut], **READ_ERRORS}, summary="跟进记录")
def follow_up_list(request: HttpRequest, student_id: int) -> Any:
    """督促复学、劝返、联系和移交的记录，最新的在前（R12.6、R13.2、R13.3）。"""
    user = _reader(request)
    return [
        _follow_up_out(f) for f in selectors.follow_ups(requested_by=user, student=_student(user, student_id))
    ]


@router.post("/{student_id}/follow-ups", response={201: FollowUpOut, **WRITE_ERRORS}, summary="记录跟进")
def follow_up_create(request: HttpRequest, student_id: int, payload: FollowUpIn) -> Any:
    """本校学籍管理员或区教育局学籍干部记录一次督促、联系或移交（不论是否有正在办理的事项）。"""
    user = _reader(request)
    student = _student(user, student_id)  # 404 before anything else for another school's student
    item = services.follow_up_record(actor=user, student=student, **payload.model_dump())
    return Status(201, _follow_up_out(FollowUp.objects.select_related("recorded_by").get(pk=item.pk)))


UPLOAD_DESCRIPTION = (
    "multipart/form-data：`file` 为 PDF、JPEG 或 PNG 文件（按文件内容识别，改扩展名无效；R6.1），"
    "`category` 为材料类别（"
    + "，".join(f"{value} {label}" for value, label in Evidence.Category.choices)
    + "），`description` 为说明（可选）。"
)


@router.post(
    "/{student_id}/evidence",
    response={201: EvidenceOut, **WRITE_ERRORS},
    summary="上传佐证材料",
    description=UPLOAD_DESCRIPTION,
)
def evidence_upload(
    request: HttpRequest,
    student_id: int,
    file: File[UploadedFile],
    category: Form[str],
    description: Form[str] = "",
) -> Any:
    user = _reader(request)
    item = services.evidence_attach(
        actor=user,
        student=_student(user, student_id),
        file=file,
        original_name=_safe_name(file.name or ""),
        category=category,
        description=description,
    )
    return Status(201, _evidence_out(item))


@router.get(
    "/{student_id}/evidence/{evidence_id}/download",
    response=READ_ERRORS,
    summary="下载佐证材料",
    openapi_extra=FILE_DOWNLOAD_DOC,
)
def evidence_download(request: HttpRequest, student_id: int, evidence_id: int) -> Any:
    """以附件形式下载原文件（不在浏览器内直接打开），文件名为上传时的文件名。"""
    user = _reader(request)
    if not 0 < evidence_id <= MAX_PK:
        raise Http404
    item = selectors.evidence_get(requested_by=user, pk=evidence_id)
    student = _student(user, student_id)
    if item.student_id != student.pk:
        raise Http404
    access_record(
        actor=user,
        action=actions.EVIDENCE_DOWNLOAD,
        subject=item,
        school=selectors.current_enrollment(student).school,
        note="api",
    )
    return evidence_files.file_response(item)


def _safe_name(name: str) -> str:
    # Control characters in a file name break headers and PostgreSQL (NUL); keep what is printable.
    return "".join(ch for ch in name if ch.isprintable()).strip() or "upload"
