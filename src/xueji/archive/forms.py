"""The form of an archive record, made from its kind's declaration. It does no validation of its
own: the service checks the values against the declaration and the view puts each refusal back at
its field."""

from __future__ import annotations

from typing import Any

from django import forms

from xueji.archive.kinds import RecordKind
from xueji.core import clock


def semesters(years: int = 9) -> list[str]:
    """The semesters a record may belong to: this school year's and the earlier ones, newest first."""
    today = clock.today()
    current = today.year if today.month >= 9 else today.year - 1
    out = []
    for start in range(current, current - years, -1):
        out += [f"{start}-{start + 1}学年第二学期", f"{start}-{start + 1}学年第一学期"]
    return out[1:] if today.month >= 9 or today.month < 2 else out  # the spring term not begun yet


def school_years(years: int = 9) -> list[str]:
    today = clock.today()
    current = today.year if today.month >= 9 else today.year - 1
    return [f"{start}-{start + 1}学年" for start in range(current, current - years, -1)]


class EntryForm(forms.Form):
    def __init__(self, *args: Any, kind: RecordKind, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.kind = kind
        for item in kind.fields:
            common: dict[str, Any] = {"label": item.label, "required": False, "help_text": item.hint}
            options: list[str] = []
            if item.type == "choice":
                options = list(item.choices)
            elif item.type == "semester":
                options = semesters()
            elif item.type == "year":
                options = school_years()
            if options:
                field: forms.Field = forms.ChoiceField(
                    choices=[("", "— 请选择 —"), *((o, o) for o in options)], **common
                )
            elif item.type == "date":
                field = forms.DateField(
                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common
                )
            elif item.type in ("decimal", "int"):
                field = forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
            else:
                field = forms.CharField(
                    widget=forms.TextInput(attrs={"maxlength": str(item.max_length)}), **common
                )
            field.required_mark = item.required  # type: ignore[attr-defined]
            self.fields[item.key] = field

    def values(self) -> dict[str, Any]:
        return {item.key: self.data.get(item.key, "") for item in self.kind.fields}

    def show(self, error: Any) -> None:
        for violation in getattr(error, "violations", [error]):
            name = violation.field if violation.field in self.fields else None
            self.add_error(name, violation.message)
