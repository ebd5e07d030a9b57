"""The start page of a kind a school files for its own student (休学, 复学, 出国（境）…), made from the
kind's facts schema: the student's card, the form, what evidence the answers will need (live, as
the registrar fills it in), refusals at their fields with their article. A kind's urls.py mounts
``start_page`` with its start service; the evidence it needs comes from ``evidence_needed``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render

from xueji.audit import actions
from xueji.audit.services import access_record
from xueji.changes.forms import ShowsRefusals
from xueji.changes.kinds.base import EvidenceContext, Kind
from xueji.changes.kinds.own_student import Starter
from xueji.changes.models import Case
from xueji.core.errors import RuleViolation
from xueji.core.web import route
from xueji.org.models import Role, User
from xueji.students import selectors as student_selectors
from xueji.students.models import Student

REG = (Role.REGISTRAR,)


class StartForm(ShowsRefusals):
    def __init__(self, *args: Any, kind: Kind, keys: Iterable[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields.update(kind.facts.form_fields(keys))
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("data-fact", name)

    def facts(self) -> dict[str, Any]:
        return {name: self.data.get(name, "") for name in self.fields}


def _student(request: HttpRequest) -> Student:
    """The student named in the query or the form, if the registrar may read them (else 404)."""
    pk = request.POST.get("student") or request.GET.get("student")
    return student_selectors.student_get(requested_by=request.user, pk=pk)


def evidence_needed(starter: Starter, student: Student, answers: dict[str, Any]) -> dict[str, str]:
    """What the first step will ask for, for these answers: the kind's evidence rule on the facts a
    start would store (what the record adds included: a suspension for illness asks for a recovery
    certificate at resumption), the student's school and grade."""
    kind = starter.kind
    enrollment = student.current[0]  # type: ignore[attr-defined]
    facts = starter.preview(enrollment=enrollment, facts=answers)
    step = kind.steps(cast(Case, _Draft(kind, facts, enrollment)))[0]  # read as the case it will be
    return dict(step.evidence(EvidenceContext(facts=facts, school=enrollment.school, grade=enrollment.grade)))


class _Draft:
    """What a kind's ``steps`` reads of a case, before the case exists."""

    def __init__(self, kind: Kind, facts: dict[str, Any], enrollment: Any):
        self.kind, self.facts = kind.key, facts
        self.school, self.school_id = enrollment.school, enrollment.school_id
        self.other_school, self.other_school_id, self.student_id = None, None, enrollment.student_id


def start_page(
    starter: Starter,
    *,
    name: str,
    keys: tuple[str, ...],
    intro: str,
    title: str,
) -> Callable[..., HttpResponseBase]:
    """The page that starts a case of the starter's kind for a student of the registrar's school."""
    kind = starter.kind

    @route(name, roles=REG)
    def view(request: HttpRequest) -> HttpResponse:
        user: User = request.user  # type: ignore[assignment]
        student = _student(request)
        if request.method == "GET" and request.GET.get("needed") == "1":
            # The live list of documents the answers will need, as the registrar fills the form.
            answers = {key: request.GET.get(key, "") for key in keys}
            return JsonResponse({"needed": list(evidence_needed(starter, student, answers).values())})
        form = StartForm(request.POST or None, kind=kind, keys=keys)
        if request.method == "POST":
            try:
                case = starter.start(actor=user, student=student, facts=form.facts())
            except RuleViolation as error:
                form.is_valid()
                form.show(error)
            else:
                messages.success(request, kind.started_message.format(label=kind.label, number=case.number))
                for warning in case.facts.get("warnings", []):
                    messages.warning(request, warning)
                return redirect("changes:detail", pk=case.pk)
        else:
            access_record(
                actor=user, action=actions.STUDENT_VIEW, subject=student, school=user.school, note=name
            )
        answers = form.facts() if form.is_bound else {}
        return render(
            request,
            "changes/start.html",
            {
                "kind": kind,
                "form": form,
                "student": student,
                "enrollment": student.current[0],  # type: ignore[attr-defined]
                "title": title,
                "intro": intro,
                "needed": evidence_needed(starter, student, answers),
                "needed_url": f"{request.path}?student={student.pk}&needed=1",
            },
        )

    return view
