"""Forms of the transfer pages. Like the student forms they do no rule checking of their own: the
services check (one rule set for pages and API) and the view puts each refusal at its field."""

from __future__ import annotations

from typing import Any

from django import forms

from xueji.changes.kinds.transfer import DOCUMENT_LABELS, GROUNDS, NATURES, SCOPES
from xueji.core.codes import GRADE_NAMES
from xueji.core.errors import RuleViolation

OTHER_DOCUMENT = ("other", "其他材料")


def _choices(table: dict[str, str]) -> list[tuple[str, str]]:
    return [("", "— 请选择 —"), *table.items()]


class ShowsRefusals(forms.Form):
    def show(self, error: RuleViolation) -> None:
        """Put a refusal (or several) back at the fields it concerns, with its article; refusals
        about the whole case (own student, full grade, second open case) go above the form."""
        for violation in getattr(error, "violations", [error]):
            name = violation.field if violation.field in self.fields else None
            self.add_error(name, f"{violation.message}（{violation.rule}）")


class VerifyForm(forms.Form):
    id_number = forms.CharField(label="身份证号", max_length=30)
    name = forms.CharField(label="学生姓名", max_length=50)


class TransferForm(ShowsRefusals):
    """A transfer of a student found by verification (R10.1, R10.3, R11.1)."""

    grounds = forms.ChoiceField(label="转学理由（第十条）", choices=_choices(GROUNDS), required=False)
    nature = forms.ChoiceField(label="转学性质", choices=_choices(NATURES), required=False)
    reason = forms.CharField(
        label="转学原因（简要说明）",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "如：随父母户籍迁入北关区，现住红旗路社区"}),
    )
    school_class = forms.ChoiceField(label="拟编入班级（可暂不选，转入后再分班）", required=False)
    record_moves = forms.ChoiceField(
        label="学籍去向（特殊教育学校与普通学校之间，第十一条）",
        required=False,
        choices=[("", "— 请选择 —"), ("1", "学籍转入本校"), ("0", "学籍保留在原学校")],
    )

    def __init__(self, *args: Any, classes: Any = (), special: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["school_class"].choices = [("", "暂不分班")] + [
            (str(c.pk), f"{c.name}（已有 {c.students}/{c.capacity} 人）") for c in classes
        ]
        if not special:
            del self.fields["record_moves"]  # R11.1 applies only when one side is a special school

    def facts(self) -> dict[str, Any]:
        facts: dict[str, Any] = {k: self.data.get(k, "") for k in ("grounds", "nature", "reason")}
        if "record_moves" in self.fields and self.data.get("record_moves") in ("0", "1"):
            facts["record_moves"] = self.data["record_moves"] == "1"
        return facts


class ExternalForm(ShowsRefusals):
    """A student whose record is not in this system (another province, usually): R10.5 and the
    Decision on external parties."""

    name = forms.CharField(label="学生姓名", required=False, max_length=50)
    id_number = forms.CharField(label="身份证号", required=False, max_length=30)
    province = forms.CharField(label="转出学校所在省份", required=False, max_length=30)
    school = forms.CharField(label="转出学校", required=False, max_length=100)
    grade = forms.ChoiceField(
        label="现就读年级",
        required=False,
        choices=[("", "— 请选择 —"), *((str(g), n) for g, n in GRADE_NAMES.items())],
    )
    scope = forms.ChoiceField(
        label="省内 / 跨省", required=False, choices=[("", "— 请选择 —"), *SCOPES.items()]
    )
    grounds = TransferForm.base_fields["grounds"]
    nature = TransferForm.base_fields["nature"]
    reason = TransferForm.base_fields["reason"]

    def external_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("name", "id_number", "province", "school", "grade", "scope")]

    def facts(self) -> dict[str, Any]:
        data = self.data
        return {
            "grounds": data.get("grounds", ""),
            "nature": data.get("nature", ""),
            "reason": data.get("reason", ""),
            "scope": data.get("scope", ""),
            "external": {
                key: data.get(key, "").strip() for key in ("name", "id_number", "province", "school", "grade")
            },
        }


def document_choices(required: dict[str, str]) -> list[tuple[str, str]]:
    """The still-missing categories first (marked), then the other known ones, then "other"."""
    rest = [(code, label) for code, label in DOCUMENT_LABELS.items() if code not in required]
    return [
        *((code, f"{label}（尚缺）") for code, label in required.items()),
        *rest,
        OTHER_DOCUMENT,
    ]


def document_label(category: str) -> str:
    return dict([*DOCUMENT_LABELS.items(), OTHER_DOCUMENT]).get(category, category)


class DocumentForm(forms.Form):
    category = forms.ChoiceField(label="材料类别")
    file = forms.FileField(label="文件（PDF/JPEG/PNG，不超过10MB）")

    def __init__(self, *args: Any, required: dict[str, str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = document_choices(required or {})
