"""Forms every kind's pages share: refusals shown at their fields, and the evidence upload whose
categories the case's kind declares."""

from __future__ import annotations

from typing import Any

from django import forms

from xueji.changes.kinds.base import OTHER_DOCUMENT, Kind
from xueji.core.errors import RuleViolation


class ShowsRefusals(forms.Form):
    def show(self, error: RuleViolation) -> None:
        """Put a refusal (or several) back at the fields it concerns, with its article; refusals
        about the whole case (own student, full grade, second open case) go above the form."""
        for violation in getattr(error, "violations", [error]):
            name = violation.field if violation.field in self.fields else None
            self.add_error(name, violation.for_people)


def document_choices(kind: Kind, required: dict[str, str]) -> list[tuple[str, str]]:
    """The still-missing categories first (marked), then the kind's other ones, then "other"."""
    rest = [(code, label) for code, label in kind.documents.items() if code not in required]
    return [
        *((code, f"{label}（尚缺）") for code, label in required.items()),
        *rest,
        *OTHER_DOCUMENT.items(),
    ]


class DocumentForm(forms.Form):
    category = forms.ChoiceField(label="材料类别")
    file = forms.FileField(label="文件（PDF/JPEG/PNG，不超过10MB）")

    def __init__(self, *args: Any, kind: Kind, required: dict[str, str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, forms.ChoiceField)  # declared above
        category.choices = document_choices(kind, required or {})
