"""Forms of the transfer pages, made from the transfer's facts schema. Like the student forms they
do no rule checking of their own: the services check (one rule set for pages and API) and the view
puts each refusal at its field."""

from __future__ import annotations

from typing import Any

from django import forms

from xueji.changes.forms import ShowsRefusals
from xueji.changes.kinds.transfer.schemas import EXTERNAL, FACTS, GRADES

EXTERNAL_KEYS = ("name", "id_number", "province", "school", "grade", "scope")


class VerifyForm(forms.Form):
    id_number = forms.CharField(label="身份证号", max_length=30)
    name = forms.CharField(label="学生姓名", max_length=50)


class TransferForm(ShowsRefusals):
    """A transfer of a student found by verification (R10.1, R10.3, R11.1)."""

    def __init__(self, *args: Any, classes: Any = (), special: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields.update(FACTS.form_fields(("grounds", "nature", "reason")))
        self.fields["school_class"] = forms.ChoiceField(
            label="拟编入班级（可暂不选，转入后再分班）",
            required=False,
            choices=[("", "暂不分班")]
            + [(str(c.pk), f"{c.name}（已有 {c.students}/{c.capacity} 人）") for c in classes],
        )
        if special:  # R11.1 applies only when one side is a special school
            self.fields["record_moves"] = FACTS.get("record_moves").form_field()

    def facts(self) -> dict[str, Any]:
        facts: dict[str, Any] = {k: self.data.get(k, "") for k in ("grounds", "nature", "reason")}
        if "record_moves" in self.fields and self.data.get("record_moves") in ("0", "1"):
            facts["record_moves"] = self.data["record_moves"] == "1"
        return facts


class ExternalForm(ShowsRefusals):
    """A student whose record is not in this system (another province, usually): R10.5 and the
    Decision on external parties."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for member in EXTERNAL.members:
            self.fields[member.key] = member.form_field()
        self.fields["grade"] = forms.ChoiceField(
            label="现就读年级", required=False, choices=[("", "— 请选择 —"), *GRADES.items()]
        )
        self.fields.update(FACTS.form_fields(("scope", "grounds", "nature", "reason")))

    def external_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in EXTERNAL_KEYS]

    def facts(self) -> dict[str, Any]:
        data = self.data
        return {
            "grounds": data.get("grounds", ""),
            "nature": data.get("nature", ""),
            "reason": data.get("reason", ""),
            "scope": data.get("scope", ""),
            "external": {member.key: data.get(member.key, "").strip() for member in EXTERNAL.members},
        }
