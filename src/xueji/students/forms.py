"""Forms that render the national form's fields and carry raw values to the services.

The forms do no validation of their own: the services validate (one rule set for pages, API and
imports) and the view puts each refusal back at its field.
"""

from __future__ import annotations

from typing import Any

from django import forms

from xueji.core import codes
from xueji.core.errors import RuleViolation
from xueji.org.models import SchoolClass
from xueji.students import validation
from xueji.students.models import EntryApplication, Evidence, FollowUp

YES_NO_CHOICES = [("", "—"), ("1", "是"), ("0", "否")]
BOOLEAN_FIELDS = {
    name
    for spec in (validation.STUDENT_FIELDS, validation.FAMILY_FIELDS)
    for name, (_, cleaner) in spec.items()
    if cleaner is validation.parse_bool
}
DATE_FIELDS = {"birth_date", "id_valid_until", "entry_date"}
CHOICE_TABLES: dict[str, dict[str, str]] = {
    "gender": codes.GENDER,
    "ethnicity": codes.ETHNICITY,
    "nationality": codes.NATIONALITY,
    "id_type": codes.ID_TYPE,
    "hk_mo_tw": codes.HK_MO_TW,
    "political_status": codes.POLITICAL_STATUS,
    "health": codes.HEALTH,
    "household_type": codes.HOUSEHOLD_TYPE,
    "left_behind": codes.LEFT_BEHIND,
    "regular_class_disabled": codes.REGULAR_CLASS_DISABLED,
    "disability": codes.DISABILITY,
    "commute_mode": codes.COMMUTE_MODE,
    "relation": codes.FAMILY_RELATION,
    "entry_mode": codes.ENTRY_MODE,
    "attendance_mode": codes.ATTENDANCE_MODE,
    "source": codes.STUDENT_SOURCE,
}
REQUIRED_MARK = set(validation.REQUIRED_AT_REGISTRATION) | {"id_number"} | set(validation.REQUIRED_ENROLLMENT)

# The national form's sections, in its order (items 1–48; family members follow).
SECTIONS = [
    (
        "学生个人基础信息",
        [
            "name",
            "gender",
            "birth_date",
            "id_type",
            "id_number",
            "birthplace_code",
            "native_place",
            "ethnicity",
            "nationality",
            "hk_mo_tw",
            "political_status",
            "health",
        ],
    ),
    (
        "学生个人辅助信息",
        ["former_name", "id_valid_until", "household_place_code", "household_type", "specialty"],
    ),
    (
        "学生个人联系信息",
        ["current_address", "mailing_address", "home_address", "phone", "postal_code", "email", "homepage"],
    ),
    (
        "学生个人扩展信息",
        [
            "only_child",
            "preschool",
            "left_behind",
            "migrant_child",
            "orphan",
            "martyr_child",
            "regular_class_disabled",
            "disability",
            "government_paid_seat",
            "needs_aid",
            "one_subsidy",
        ],
    ),
    ("上下学交通方式", ["commute_km", "commute_mode", "school_bus"]),
]
FAMILY_ORDER = [
    "name",
    "relation",
    "relation_note",
    "ethnicity",
    "employer",
    "address",
    "household_place_code",
    "phone",
    "is_guardian",
    "id_type",
    "id_number",
    "job_title",
]
ENROLLMENT_ORDER = [
    "grade",
    "school_class",
    "entry_date",
    "entry_mode",
    "attendance_mode",
    "source",
    "class_seat_number",
    "aux_number",
]


def record_field(name: str, label: str) -> forms.Field:
    if name in BOOLEAN_FIELDS:
        return forms.ChoiceField(label=label, choices=YES_NO_CHOICES, required=False)
    if name in CHOICE_TABLES:
        choices = [("", "—")] + [(c, n) for c, n in CHOICE_TABLES[name].items()]
        return forms.ChoiceField(label=label, choices=choices, required=False)
    if name in DATE_FIELDS:
        # <input type="date"> reads only YYYY-MM-DD, whatever the language's own date format.
        return forms.CharField(
            label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        )
    return forms.CharField(label=label, required=False)


class ClassSelect(forms.Select):
    """Each class names its grade (``data-grade``): the form offers only the chosen grade's classes."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-grade"] = str(instance.grade)
        return option


class RecordForm(forms.Form):
    """Student + two family members + enrollment, named as the services name their fields."""

    confirm_region = forms.BooleanField(
        label="确认地区码无误（身份证号前六位不在代码表中时勾选）", required=False
    )
    # R6.2: a student without an ID number who resembles a record here (name, birth date, gender).
    confirm_duplicate = forms.BooleanField(label="确认不是重复学籍", required=False)
    duplicate_reason = forms.CharField(
        label="确认理由",
        required=False,
        max_length=300,
        help_text="如：已核对户口簿，为同名同日出生的另一名儿童",
    )

    def __init__(
        self,
        *args: Any,
        school: Any = None,
        with_enrollment: bool = True,
        with_xjh: bool = False,
        classes: Any = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.with_enrollment, self.with_xjh = with_enrollment, with_xjh
        if with_xjh:
            self.fields["xjh"] = forms.CharField(label="学籍号（国家学籍系统中的）", required=False)
        for name, (label, _) in validation.STUDENT_FIELDS.items():
            self.fields[name] = record_field(name, label)
        for position in (1, 2):
            for name in FAMILY_ORDER:
                label = validation.FAMILY_FIELDS[name][0]
                self.fields[f"family{position}_{name}"] = record_field(name, f"{label}")
        if with_enrollment:
            grades = school.grades if school else range(1, 10)
            self.fields["grade"] = forms.ChoiceField(
                label="年级",
                required=False,
                choices=[("", "—")] + [(g, codes.GRADE_NAMES[g]) for g in grades],
            )
            self.fields["school_class"] = forms.ModelChoiceField(
                label="班级",
                required=False,
                queryset=classes if classes is not None else SchoolClass.objects.none(),
                widget=ClassSelect(),
            )
            for name, (label, _) in validation.ENROLLMENT_FIELDS.items():
                if name != "grade":
                    self.fields[name] = record_field(name, label)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("data-field", name)
            field.required_mark = name in REQUIRED_MARK  # type: ignore[attr-defined]

    # --- what the services receive -------------------------------------------------------------
    def raw(self, key: str) -> Any:
        return self.data.get(key, "")

    def student_data(self, only_present: bool = False) -> dict[str, Any]:
        names = validation.STUDENT_FIELDS
        return {n: self.raw(n) for n in names if not only_present or n in self.data}

    def family_data(self) -> list[dict[str, Any]]:
        # Both positions are sent, blank or not, so member two stays member two.
        return [{n: self.raw(f"family{position}_{n}") for n in FAMILY_ORDER} for position in (1, 2)]

    def enrollment_data(self) -> dict[str, Any]:
        return {n: self.raw(n) for n in validation.ENROLLMENT_FIELDS}

    def show(self, error: RuleViolation) -> None:
        """Put a refusal (or several) back at the fields it concerns, with its article."""
        for violation in getattr(error, "violations", [error]):
            field = violation.field if violation.field in self.fields else None
            self.add_error(field, violation.for_people)

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        out = []
        for title, names in SECTIONS:
            out.append((title, [self[n] for n in names if n in self.fields]))
        return out

    def family_sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (f"家庭成员或监护人信息{'一二'[p - 1]}", [self[f"family{p}_{n}"] for n in FAMILY_ORDER])
            for p in (1, 2)
        ]

    def enrollment_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in ENROLLMENT_ORDER if n in self.fields]


class EvidenceForm(forms.Form):
    category = forms.ChoiceField(label="材料类别", choices=Evidence.Category.choices)
    description = forms.CharField(label="说明", required=False, max_length=200)
    file = forms.FileField(label="文件（PDF/JPEG/PNG，不超过10MB）")


class FollowUpForm(forms.Form):
    """An urging, a contact or a referral on the student's follow-up log (R12.6, R13.2, R13.3)."""

    kind = forms.ChoiceField(label="类别", choices=FollowUp.Kind.choices)
    on = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    who = forms.CharField(label="经办人", max_length=50)
    way = forms.ChoiceField(label="方式", choices=FollowUp.Way.choices)
    result = forms.CharField(label="结果", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    file = forms.FileField(label="佐证材料（可选，PDF/JPEG/PNG）", required=False)


class EntryApplicationForm(forms.Form):
    kind = forms.ChoiceField(label="申请类型", choices=EntryApplication.Kind.choices)
    child_name = forms.CharField(label="儿童姓名", required=False)
    id_number = forms.CharField(label="身份证号", required=False)
    entry_year = forms.CharField(label="申请入学年份（秋季）", required=False)
    reason = forms.CharField(
        label="理由（身体状况等特殊原因）", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    guardian_name = forms.CharField(label="监护人", required=False)
    guardian_phone = forms.CharField(label="监护人电话", required=False)

    def show(self, error: RuleViolation) -> None:
        for violation in getattr(error, "violations", [error]):
            field = violation.field if violation.field in self.fields else None
            self.add_error(field, violation.for_people)
