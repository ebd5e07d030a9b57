"""The transfer's own pages: verification (核验) and start, the external student's form, and the
district's Tuesday filing batches (R10.3, R10.4, R10.5). The case page, its verbs and evidence are
the engine's generic pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from xueji.audit import actions
from xueji.audit.services import access_record
from xueji.changes import services as engine
from xueji.changes.kinds.transfer import selectors
from xueji.changes.kinds.transfer.forms import ExternalForm, TransferForm, VerifyForm
from xueji.changes.kinds.transfer.kind import DOCUMENT_LABELS, TRANSFER
from xueji.changes.kinds.transfer.schemas import GROUNDS, NATURES, SCOPES
from xueji.changes.kinds.transfer.services import transfer_start, transfer_verify
from xueji.changes.models import Case
from xueji.changes.views import refused, row
from xueji.core import clock, identity
from xueji.core.codes import GRADE_NAMES
from xueji.core.errors import RuleViolation
from xueji.core.web import AuthenticatedRequest, route
from xueji.org import selectors as org_selectors
from xueji.org.models import Role, School

REG, OFF = (Role.REGISTRAR,), (Role.DISTRICT_OFFICER,)


@route("transfer:verify", roles=REG)
def transfer_verify_page(request: AuthenticatedRequest) -> HttpResponse:
    """R10.3: the transfer-in school verifies the student online by ID number and name (R10.6:
    never a 学籍证明). Found: a card with what is needed to proceed. Not found: the form for a
    student whose record is outside this system."""
    user = request.user
    form = VerifyForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "searched": False}
    if request.method == "POST" and form.is_valid():
        found = transfer_verify(
            requested_by=user, id_number=form.cleaned_data["id_number"], name=form.cleaned_data["name"]
        )
        context["searched"] = True
        context["found"] = found
        if found is None:
            context["id_problem"] = _id_problem(form.cleaned_data["id_number"])
            context["external_form"] = ExternalForm(
                initial={"name": form.cleaned_data["name"], "id_number": form.cleaned_data["id_number"]}
            )
        else:
            enrollment = selectors.verified_enrollment(
                selectors.verified_student(requested_by=user, pk=found.student_id)
            )
            # Say what will refuse the transfer (own student, an open case, the window) before the
            # registrar fills in the form, not after.
            context["notices"] = selectors.transfer_notices(requested_by=user, enrollment=enrollment)
            context["blocked"] = any(n.blocking for n in context["notices"])
            context["grade_name"] = GRADE_NAMES.get(found.grade, found.grade)
    return render(request, "transfer/verify.html", context)


def _id_problem(number: str) -> str:
    """A mistyped ID number is the likeliest reason for "not found" (R6.3): say so before the
    registrar describes an in-system student as an external one."""
    try:
        identity.parse_resident_id(number, today=clock.today())
    except RuleViolation as error:
        return error.for_people
    return ""


def _classes(user: Any, grade: int) -> list[Any]:
    year = org_selectors.current_school_year(clock.today())
    return list(
        org_selectors.class_list(requested_by=user, school=user.school, school_year=year)
        .filter(grade=grade)
        .order_by("number")
    )


def _chosen_class(form: TransferForm, classes: list[Any]) -> Any:
    value = form.data.get("school_class") or ""
    if not value:
        return None
    for school_class in classes:
        if str(school_class.pk) == value:
            return school_class
    raise RuleViolation(
        rule="R10.3",
        code="class_mismatch",
        field="school_class",
        message="所选班级不存在或不属于本校该年级，请重新选择。",
    )


@route("transfer:new", roles=REG)
def transfer_new(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    try:
        student = selectors.verified_student(
            requested_by=user, pk=request.POST.get("student") or request.GET.get("student")
        )
    except RuleViolation as error:
        refused(request, error)
        return redirect("transfer:verify")
    enrollment = selectors.verified_enrollment(student)
    classes = _classes(user, enrollment.grade)
    assert user.school is not None  # a registrar's account always names its school
    special = School.Kind.SPECIAL in (user.school.kind, enrollment.school.kind)
    form = TransferForm(request.POST or None, classes=classes, special=special)
    if request.method == "POST":
        try:
            case = transfer_start(
                actor=user, student=student, facts=form.facts(), school_class=_chosen_class(form, classes)
            )
        except RuleViolation as error:
            form.is_valid()
            form.show(error)
        else:
            return _started(request, case)
    return render(
        request,
        "transfer/new.html",
        {
            "form": form,
            "student": student,
            "enrollment": enrollment,
            "grade_name": GRADE_NAMES.get(enrollment.grade, enrollment.grade),
            "special": special,
            # Shown again here for a registrar who comes back to the form later.
            "notices": []
            if form.errors
            else selectors.transfer_notices(requested_by=user, enrollment=enrollment),
        },
    )


def _started(request: AuthenticatedRequest, case: Case) -> HttpResponse:
    messages.success(request, TRANSFER.started_message.format(number=case.number))
    for warning in case.facts.get("warnings", []):
        messages.warning(request, warning)
    return redirect("changes:detail", pk=case.pk)


@route("transfer:external", roles=REG)
def transfer_external(request: AuthenticatedRequest) -> HttpResponse:
    """A student whose record is not in this system: the registrar describes the other party
    (RULES.md, Decision under R10: an external party whose decision the district records)."""
    user = request.user
    form = ExternalForm(request.POST or None)
    if request.method == "POST":
        try:
            case = transfer_start(actor=user, student=None, facts=form.facts())
        except RuleViolation as error:
            form.is_valid()
            form.show(error)
        else:
            return _started(request, case)
    return render(request, "transfer/external.html", {"form": form})


# --------------------------------------------------------------------------- the Tuesday filing (R10.4)


@route("transfer:batches", roles=OFF)
def batches(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    groups = [
        (
            day,
            [
                row(case)
                | {
                    "facts": _batch_facts(case),
                    # Prefetched by the selector: the officer checks the scans before filing.
                    "documents": [
                        (d, DOCUMENT_LABELS.get(d.category, d.category)) for d in case.documents.all()
                    ],
                }
                for case in cases
            ],
        )
        for day, cases in selectors.filing_batches(requested_by=user)
    ]
    return render(
        request,
        "transfer/batches.html",
        {
            "batches": groups,
            "today": clock.today(),
            "next": reverse("transfer:batches"),
            "past": selectors.past_batches(requested_by=user),
        },
    )


@route("transfer:batch_approve", roles=OFF)
@require_POST
def batch_approve(request: AuthenticatedRequest) -> HttpResponse:
    """「全部同意备案」: the cases the officer saw in the batch (their ids, posted), each approved
    through the engine as one click each would; one that cannot be is named with the reason, and
    a case that joined the batch since the page was drawn is left for the officer to see."""
    try:
        day = dt.date.fromisoformat(request.POST.get("day", ""))
    except ValueError as exc:
        raise Http404 from exc
    cases = selectors.filing_batch(requested_by=request.user, day=day)
    shown = {int(pk) for pk in request.POST.getlist("case") if pk.isdecimal() and len(pk) < 19}
    done, failed = [], []
    for case in cases:
        if case.pk not in shown:
            continue
        try:
            engine.case_approve(actor=request.user, case=case, comment="批量同意备案")
        except (RuleViolation, PermissionDenied) as error:
            failed.append(f"{case.number}：{getattr(error, 'for_people', str(error))}")
        else:
            done.append(case.number)
    if done:
        messages.success(
            request, f"{day:%Y年%m月%d日}批次：已同意备案 {len(done)} 件，进入转入学校审核环节。"
        )
    for line in failed:
        messages.error(request, f"未能同意：{line}")
    return redirect(reverse("transfer:batches") + f"#batch-{day:%Y-%m-%d}")


def _batch_facts(case: Case) -> dict[str, Any]:
    facts = case.facts
    return {
        "grade": GRADE_NAMES.get(facts.get("grade"), facts.get("grade", "")),
        "grounds": GROUNDS.get(facts.get("grounds", ""), ""),
        "nature": NATURES.get(facts.get("nature", ""), ""),
        "scope": SCOPES.get(facts.get("scope", ""), ""),
        "reason": facts.get("reason", ""),
        "exception": facts.get("exception_reason"),
    }


def _batch(request: AuthenticatedRequest) -> tuple[dt.date, list[Case]]:
    try:
        day = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError as exc:
        raise Http404 from exc
    cases = selectors.filing_batch(requested_by=request.user, day=day)
    if not cases:
        raise Http404
    access_record(
        actor=request.user,
        action=actions.TRANSFER_BATCH_EXPORT,
        note=f"转学备案汇总表 {day:%Y-%m-%d}，{len(cases)} 件",
    )
    return day, cases


def _file(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    disposition = content_disposition_header(True, filename)
    assert disposition is not None  # an attachment always has one
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    return response


@route("transfer:batch_pdf", roles=OFF)
def batch_pdf(request: AuthenticatedRequest) -> HttpResponse:
    from xueji.changes.kinds.transfer.batch import (
        batch_pdf as render_pdf,  # reportlab loads only when printing
    )

    day, cases = _batch(request)
    assert request.user.jurisdiction is not None  # a district officer's account names the district
    content = render_pdf(district_name=request.user.jurisdiction.name, filing_day=day, cases=cases)
    return _file(content, "application/pdf", f"转学备案汇总表-{day:%Y-%m-%d}.pdf")


@route("transfer:batch_xlsx", roles=OFF)
def batch_xlsx(request: AuthenticatedRequest) -> HttpResponse:
    from xueji.changes.kinds.transfer.batch import batch_xlsx as render_xlsx

    day, cases = _batch(request)
    assert request.user.jurisdiction is not None  # a district officer's account names the district
    content = render_xlsx(district_name=request.user.jurisdiction.name, filing_day=day, cases=cases)
    return _file(
        content,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"转学备案汇总表-{day:%Y-%m-%d}.xlsx",
    )
