"""The request page (R9.1): every field of the student's own beside its current value, the new
value typed only where it changes; the proof, the reason and who asks. Key information is marked:
its change goes on to the district."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from xueji.audit import actions
from xueji.audit.services import access_record
from xueji.changes.forms import ShowsRefusals
from xueji.changes.kinds.information.kind import INFORMATION
from xueji.changes.kinds.information.schemas import START_KEYS
from xueji.changes.kinds.information.services import STARTER
from xueji.changes.start_views import REG, evidence_needed
from xueji.core.errors import RuleViolation
from xueji.core.web import route
from xueji.org.models import User
from xueji.students import selectors as student_selectors
from xueji.students import validation
from xueji.students.display import shown
from xueji.students.forms import BOOLEAN_FIELDS, CHOICE_TABLES, SECTIONS, record_field

_OWN_KEYS = tuple(key for key in START_KEYS if key != "changes")
UNCHANGED = ("", "— 不变更 —")


class RequestForm(ShowsRefusals):
    """The request's own facts, then one optional input per field of the student's own."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields.update(INFORMATION.facts.form_fields(_OWN_KEYS))
        self.fields["confirm_region"] = forms.BooleanField(
            label="确认地区码无误（新身份证号前六位不在代码表中时勾选）", required=False
        )
        for name, (label, _clean) in validation.STUDENT_FIELDS.items():
            field = record_field(name, f"{label}（变更为）")
            # Names only, "不变更" first: a registrar reads names, not codes.
            if name in CHOICE_TABLES:
                field = forms.ChoiceField(
                    label=field.label, required=False, choices=[UNCHANGED, *CHOICE_TABLES[name].items()]
                )
            elif name in BOOLEAN_FIELDS:
                field = forms.ChoiceField(
                    label=field.label, required=False, choices=[UNCHANGED, ("1", "是"), ("0", "否")]
                )
            self.fields[name] = field

    def facts(self) -> dict[str, Any]:
        facts: dict[str, Any] = {key: self.data.get(key, "") for key in _OWN_KEYS}
        facts["confirm_region"] = bool(self.data.get("confirm_region"))
        facts["changes"] = {name: self.data.get(name, "") for name in validation.STUDENT_FIELDS}
        return facts


@route("information:new", roles=REG)
def new(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    pk = request.POST.get("student") or request.GET.get("student")
    student = student_selectors.student_get(requested_by=user, pk=pk)
    form = RequestForm(request.POST or None)
    if request.method == "POST":
        try:
            case = STARTER.start(actor=user, student=student, facts=form.facts())
        except RuleViolation as error:
            form.is_valid()
            form.show(error)
        else:
            messages.success(request, INFORMATION.started_message.format(number=case.number))
            for warning in case.facts.get("warnings", []):
                messages.warning(request, warning)
            return redirect("changes:detail", pk=case.pk)
    else:
        access_record(
            actor=user,
            action=actions.STUDENT_VIEW,
            subject=student,
            school=user.school,
            note="information:new",
        )
    current = model_to_dict(student)
    sections = [
        (title, [(form[name], shown(name, current[name]), name in validation.KEY_FIELDS) for name in names])
        for title, names in SECTIONS
    ]
    proof = form.data.get("proof", "") if form.is_bound else ""
    return render(
        request,
        "information/new.html",
        {
            "kind": INFORMATION,
            "form": form,
            "own": [form[key] for key in _OWN_KEYS if key != "confirm_region"],
            "sections": sections,
            "student": student,
            "enrollment": student.current[0],  # type: ignore[attr-defined]
            "needed": evidence_needed(STARTER, student, {"proof": proof, "changes": {}}),
        },
    )
