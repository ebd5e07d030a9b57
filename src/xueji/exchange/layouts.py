"""Spreadsheet layouts: which columns a workbook has, in which order, and where each one goes.

The order is the national 《全国中小学学籍管理系统学生基本信息表》 (items 1–72, see the reference
notes §3.1); 照片 (13) is not a spreadsheet column and 姓名拼音 (14) is derived from the name. The
same column list builds the import templates, reads the filled workbooks back and lays out the
national-form export, so the three can never drift apart.

A column's ``key`` says where its value goes: ``student.<field>``, ``enrollment.<field>``,
``family1.<field>`` / ``family2.<field>``, ``xjh`` (学籍号) or ``class`` (班级).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import models

from xueji.core import codes
from xueji.students import rules
from xueji.students.models import Enrollment, FamilyMember, Student


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    item: int | None = None  # the national form's item number
    table: Mapping[str, str] | None = None  # code table: the cell takes the code or its name
    required: bool = False  # needed to register (the rest may follow within a month, R5.1)
    text: bool = False  # numbers that must stay text in Excel (ID numbers, phones, region codes)
    date: bool = False
    width: int = 12
    hint: str = ""

    @property
    def complete(self) -> bool:
        """A ★ item of the national form: the record is complete only with it (R5.1)."""
        part, _, name = self.key.partition(".")
        if part == "student":
            return name in rules.REQUIRED_STUDENT_FIELDS
        return part == "family1" and name in rules.REQUIRED_FAMILY_FIELDS

    @property
    def blank_means(self) -> str:
        """What an empty cell records: the field's default, exactly as in a single registration."""
        part, _, name = self.key.partition(".")
        model = {"student": Student, "enrollment": Enrollment}.get(part)
        if part.startswith("family"):
            model = FamilyMember
        if model is None:
            return ""
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field)  # a layout's columns are the models' own fields
        if not field.has_default():
            return ""
        default = field.get_default()
        if isinstance(default, bool):
            return "是" if default else "否"
        return self.table.get(default, str(default)) if self.table else str(default)

    @property
    def choices(self) -> list[str]:
        """What the dropdown offers: the names (the national form fills option fields by name)."""
        return list(self.table.values()) if self.table else []


YES_NO = codes.YES_NO
GRADES = {str(grade): name for grade, name in codes.GRADE_NAMES.items()}


def _family(n: int) -> list[Column]:
    base = 48 + (n - 1) * 12
    p, h = f"family{n}.", f"成员{n}"
    return [
        Column(p + "name", h + "姓名", base + 1, width=10),
        Column(p + "relation", h + "关系", base + 2, table=codes.FAMILY_RELATION),
        Column(p + "relation_note", h + "关系说明", base + 3),
        Column(p + "ethnicity", h + "民族", base + 4, table=codes.ETHNICITY, width=10),
        Column(p + "employer", h + "工作单位", base + 5, width=20),
        Column(p + "address", h + "现住址", base + 6, width=24),
        Column(p + "household_place_code", h + "户口所在地", base + 7, text=True, hint="行政区划代码"),
        Column(p + "phone", h + "联系电话", base + 8, text=True, width=14),
        Column(p + "is_guardian", h + "是否监护人", base + 9, table=YES_NO, width=8),
        Column(p + "id_type", h + "身份证件类型", base + 10, table=codes.ID_TYPE, width=14),
        Column(p + "id_number", h + "身份证件号", base + 11, text=True, width=20),
        Column(p + "job_title", h + "职务", base + 12),
    ]


STUDENT_COLUMNS: list[Column] = [
    # 学生个人基础信息 (1–12)
    Column("student.name", "姓名", 1, required=True, width=10),
    Column("student.gender", "性别", 2, table=codes.GENDER, required=True, width=6),
    Column("student.birth_date", "出生日期", 3, required=True, date=True, hint="如 2020-05-01"),
    Column("student.birthplace_code", "出生地", 4, text=True, hint="行政区划代码，如 410503"),
    Column("student.native_place", "籍贯", 5),
    Column("student.ethnicity", "民族", 6, table=codes.ETHNICITY, width=10),
    Column("student.nationality", "国籍/地区", 7, table=codes.NATIONALITY, width=14),
    Column("student.id_type", "身份证件类型", 8, table=codes.ID_TYPE, required=True, width=16),
    Column("student.id_number", "身份证件号", 9, text=True, width=20, hint="证件类型为“其他”时可空"),
    Column("student.hk_mo_tw", "港澳台侨外", 10, table=codes.HK_MO_TW),
    Column("student.political_status", "政治面貌", 11, table=codes.POLITICAL_STATUS),
    Column("student.health", "健康状况", 12, table=codes.HEALTH),
    # 学生个人辅助信息 (15–19)
    Column("student.former_name", "曾用名", 15),
    Column("student.id_valid_until", "身份证件有效期", 16, date=True),
    Column("student.household_place_code", "户口所在地", 17, text=True, hint="行政区划代码"),
    Column("student.household_type", "户口性质", 18, table=codes.HOUSEHOLD_TYPE),
    Column("student.specialty", "特长", 19),
    # 学生学籍基本信息 (20–27)
    Column("enrollment.aux_number", "学籍辅号", 20, text=True),
    Column("enrollment.class_seat_number", "班内学号", 21, text=True, width=8),
    Column("enrollment.grade", "年级", 22, table=GRADES, required=True, width=8),
    Column("class", "班级", 23, width=14, hint="如“一年级（2）班”或班号 2；可空，稍后分班"),
    Column("enrollment.entry_date", "入学年月", 24, required=True, date=True, hint="如 2026-09-01 或 202609"),
    Column("enrollment.entry_mode", "入学方式", 25, table=codes.ENTRY_MODE, required=True),
    Column("enrollment.attendance_mode", "就读方式", 26, table=codes.ATTENDANCE_MODE, required=True),
    Column("enrollment.source", "学生来源", 27, table=codes.STUDENT_SOURCE),
    # 学生个人联系信息 (28–34)
    Column("student.current_address", "现住址", 28, width=24),
    Column("student.mailing_address", "通信地址", 29, width=24),
    Column("student.home_address", "家庭地址", 30, width=24),
    Column("student.phone", "联系电话", 31, text=True, width=14),
    Column("student.postal_code", "邮政编码", 32, text=True, width=8),
    Column("student.email", "电子信箱", 33),
    Column("student.homepage", "主页地址", 34),
    # 学生个人扩展信息 (35–45)
    Column("student.only_child", "是否独生子女", 35, table=YES_NO, width=8),
    Column("student.preschool", "是否受过学前教育", 36, table=YES_NO, width=8),
    Column("student.left_behind", "是否留守儿童", 37, table=codes.LEFT_BEHIND),
    Column("student.migrant_child", "是否进城务工人员随迁子女", 38, table=YES_NO, width=8),
    Column("student.orphan", "是否孤儿", 39, table=YES_NO, width=8),
    Column("student.martyr_child", "是否烈士或优抚子女", 40, table=YES_NO, width=8),
    Column("student.regular_class_disabled", "随班就读", 41, table=codes.REGULAR_CLASS_DISABLED),
    Column("student.disability", "残疾类型", 42, table=codes.DISABILITY),
    Column("student.government_paid_seat", "是否由政府购买学位", 43, table=YES_NO, width=8),
    Column("student.needs_aid", "是否需要申请资助", 44, table=YES_NO, width=8),
    Column("student.one_subsidy", "是否享受一补", 45, table=YES_NO, width=8),
    # 学生上下学交通方式 (46–48)
    Column("student.commute_km", "上下学距离（公里）", 46, width=8),
    Column("student.commute_mode", "上下学交通方式", 47, table=codes.COMMUTE_MODE),
    Column("student.school_bus", "是否需要乘坐校车", 48, table=YES_NO, width=8),
    # 家庭成员或监护人信息一/二 (49–72)
    *_family(1),
    *_family(2),
]

XJH_COLUMN = Column("xjh", "学籍号", None, required=True, text=True, width=22, hint="国家学籍系统中的学籍号")


@dataclass(frozen=True)
class Layout:
    kind: str
    title: str
    columns: list[Column]
    # The template's own instructions; empty: the student workbooks' (registration rules, ★ items).
    help: tuple[str, ...] = ()

    def by_header(self) -> dict[str, Column]:
        return {c.header: c for c in self.columns}


NEW_STUDENTS = Layout("new", "新生学籍注册", STUDENT_COLUMNS)
EXISTING_RECORDS = Layout("existing", "导入已有学籍", [XJH_COLUMN, *STUDENT_COLUMNS])
LAYOUTS = {layout.kind: layout for layout in (NEW_STUDENTS, EXISTING_RECORDS)}
