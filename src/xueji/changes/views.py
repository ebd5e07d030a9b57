"""Pages of status-change cases: the transfer's verification and start, the case page with its
timeline, evidence and actions, the case list, and the district's Tuesday filing batches.

Views only translate: reads go through changes.selectors (scoped: another unit's case is a 404),
writes through the services, and every refusal comes back as a Chinese message with its rule id.
Actions are POST-only and answer with a redirect, so a reload never repeats one.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from xueji.audit.services import access_record
from xueji.changes import selectors, services
from xueji.changes.forms import DocumentForm, ExternalForm, TransferForm, VerifyForm, document_label
from xueji.changes.kinds import kind_of
from xueji.changes.kinds.transfer import GROUNDS, NATURES, SCOPES
from xueji.changes.models import Case
from xueji.changes.transfer import transfer_grant_exception, transfer_start, transfer_verify
from xueji.core import clock, evidence, identity
from xueji.core.codes import GRADE_NAMES
from xueji.core.errors import RuleViolation
from xueji.core.web import route
from xueji.exchange import exports
from xueji.org import selectors as org_selectors
from xueji.org.models import School

PAGE_SIZE = 50
# Shown inline only in a document of its own that can run nothing and load nothing else.
INLINE_CSP = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'; frame-ancestors 'none'"
)


def _refused(request: HttpRequest, error: Exception) -> None:
    if isinstance(error, RuleViolation):
        messages.error(request, f"{error.message}（{error.rule}）")
    else:
        messages.error(request, str(error) or "您无权进行此操作。")


def _back(request: HttpRequest, case: Case) -> HttpResponse:
    """Back where the action came from (the batch page, the inbox) or to the case."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("changes:detail", pk=case.pk)


# --------------------------------------------------------------------------- list and case page


@route("changes:list")
def case_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    state = request.GET.get("state", "")
    if state not in selectors.STATE_FILTERS:
        state = ""
    overdue = bool(request.GET.get("overdue"))
    rows = selectors.case_list(requested_by=user, state=state, overdue=overdue)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    items = [_row(case) for case in page]
    access_record(actor=user, action="case.list", note=f"state={state} overdue={int(overdue)}")  # R21.1
    return render(
        request,
        "changes/case_list.html",
        {
            "page": page,
            "items": items,
            "state": state,
            "overdue": overdue,
            "states": selectors.STATE_FILTERS.items(),
        },
    )


def _row(case: Case) -> dict[str, Any]:
    step = selectors.current_step(case)
    return {
        "case": case,
        "kind": kind_of(case.kind).label,
        "student": selectors.student_name(case),
        "masked_id": selectors.student_masked_id(case),
        "from_school": selectors.from_school_name(case),
        "to_school": case.school.name,
        "step": step,
        "owner": selectors.owner_label(case, step) if step and case.is_open else "",
    }


@route("changes:detail")
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    case = selectors.case_get(requested_by=user, pk=pk)
    events = selectors.case_events(requested_by=user, case=case)
    documents = selectors.case_documents(requested_by=user, case=case)
    timeline, closing = selectors.case_timeline(case=case, events=events)
    actions = selectors.case_actions(requested_by=user, case=case)
    missing = selectors.missing_evidence(case)
    step = selectors.current_step(case)
    access_record(actor=user, action="case.view", subject=case, school=case.school)  # R21.1
    facts = case.facts
    # Short step names for the documents table: "转入学校受理（核验、审验材料）" → "转入学校受理".
    step_names = {row.step.key: row.step.label.split("（")[0] for row in timeline}
    context = {
        **_row(case),
        "case": case,
        "timeline": timeline,
        "closing": closing,
        "actions": actions,
        "my_turn": bool(actions & {"submit", "approve", "upload"}),
        "action_label": step.action_label if step else "",
        "missing": missing,
        "due": selectors.case_due(case),
        "documents": [
            (d, document_label(d.category), step_names.get(d.step_key, d.step_key)) for d in documents
        ],
        "document_form": DocumentForm(required=missing) if "upload" in actions else None,
        "facts": {
            "grade": GRADE_NAMES.get(facts.get("grade"), facts.get("grade", "—")),
            "grounds": GROUNDS.get(facts.get("grounds", ""), "—"),
            "nature": NATURES.get(facts.get("nature", ""), "—"),
            "scope": SCOPES.get(facts.get("scope", ""), "—"),
            "reason": facts.get("reason", ""),
            "record_moves": facts.get("record_moves"),
            "needs_exception": facts.get("needs_exception", False),
            "snapshot": facts.get("snapshot"),
            "exception": facts.get("exception"),
            "warnings": facts.get("warnings", []),
            "external": facts.get("external"),
        },
    }
    return render(request, "changes/case_detail.html", context)


# --------------------------------------------------------------------------- actions (POST only)


def _act(request: HttpRequest, pk: int, do: Callable[[Any, Case, str], Case], done: str) -> HttpResponse:
    user = request.user
    case = selectors.case_get(requested_by=user, pk=pk)
    text = request.POST.get("comment", "")[:500]
    try:
        case = do(user, case, text)
    except (RuleViolation, PermissionDenied) as error:
        _refused(request, error)
        return _back(request, case)
    messages.success(request, f"{case.number}：{done}{_where_now(case)}")
    return _back(request, case)


def _where_now(case: Case) -> str:
    if case.state == Case.State.COMPLETED:
        return "事项已办结。"
    step = selectors.current_step(case)
    if not case.is_open or step is None:
        return ""
    due = f"，截止 {case.step_due:%Y年%m月%d日}" if case.step_due else ""
    return f"现进入「{step.label}」，由{selectors.owner_label(case, step)}办理{due}。"


@route("changes:submit")
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda user, case, text: services.case_submit(actor=user, case=case, comment=text),
        "已提交。",
    )


@route("changes:approve")
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda user, case, text: services.case_approve(actor=user, case=case, comment=text),
        "已同意。",
    )


@route("changes:reject")
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda user, case, text: services.case_reject(actor=user, case=case, reason=text),
        "已作不同意处理，事项终止；请发起学校告知监护人。",
    )


@route("changes:return")
@require_POST
def return_(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda user, case, text: services.case_return(actor=user, case=case, comment=text),
        "已退回发起学校修改。",
    )


@route("changes:withdraw")
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda user, case, text: services.case_withdraw(actor=user, case=case, reason=text),
        "已撤回。",
    )


@route("changes:exception")
@require_POST
def exception(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda user, case, text: transfer_grant_exception(actor=user, case=case, reason=text),
        "已登记区内转学例外（第十条第五款），发起学校现在可以提交备案。",
    )


@route("changes:document_upload")
@require_POST
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    case = selectors.case_get(requested_by=user, pk=pk)
    form = DocumentForm(request.POST, request.FILES, required=selectors.missing_evidence(case))
    if not form.is_valid():
        messages.error(request, "请选择材料类别和文件（PDF、JPEG 或 PNG）。")
        return redirect(reverse("changes:detail", kwargs={"pk": case.pk}) + "#evidence")
    upload = form.cleaned_data["file"]
    try:
        services.case_attach(
            actor=user,
            case=case,
            file=upload,
            original_name=_safe_name(upload.name or ""),
            category=form.cleaned_data["category"],
        )
    except (RuleViolation, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, f"已上传 {document_label(form.cleaned_data['category'])}：{upload.name}。")
    return redirect(reverse("changes:detail", kwargs={"pk": case.pk}) + "#evidence")


def _safe_name(name: str) -> str:
    # Control characters break headers and PostgreSQL (NUL); keep what is printable.
    return "".join(ch for ch in name if ch.isprintable()).strip() or "upload"


@route("changes:document")
def document(request: HttpRequest, pk: int) -> FileResponse:
    """A case's evidence file: as an attachment, or (``?inline=1``) shown in the browser's own
    viewer. Inline is safe because uploads are only PDF/JPEG/PNG by content (core.evidence), the
    browser may not sniff another type, and the response may run and embed nothing."""
    user = request.user
    item = selectors.case_document_get(requested_by=user, pk=pk)
    inline = request.GET.get("inline") == "1"
    access_record(
        actor=user,
        action="case.document.download",
        subject=item,
        school=item.case.school,
        note="inline" if inline else "",
    )
    response = evidence.file_response(item, inline=inline)
    if inline:
        response["Content-Security-Policy"] = INLINE_CSP
    return response


# --------------------------------------------------------------------------- starting a transfer


@route("changes:transfer_verify")
def transfer_verify_page(request: HttpRequest) -> HttpResponse:
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
    return render(request, "changes/transfer_verify.html", context)


def _id_problem(number: str) -> str:
    """A mistyped ID number is the likeliest reason for "not found" (R6.3): say so before the
    registrar describes an in-system student as an external one."""
    try:
        identity.parse_resident_id(number, today=clock.today())
    except RuleViolation as error:
        return f"{error.message}（{error.rule}）"
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


@route("changes:transfer_new")
def transfer_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    try:
        student = selectors.verified_student(
            requested_by=user, pk=request.POST.get("student") or request.GET.get("student")
        )
    except RuleViolation as error:
        _refused(request, error)
        return redirect("changes:transfer_verify")
    enrollment = selectors.verified_enrollment(student)
    classes = _classes(user, enrollment.grade)
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
        "changes/transfer_new.html",
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


def _started(request: HttpRequest, case: Case) -> HttpResponse:
    messages.success(
        request,
        f"已发起转学 {case.number}。请上传佐证材料的扫描件或照片，齐全后点击「提交备案」（每周二汇总报区教育局）。",
    )
    for warning in case.facts.get("warnings", []):
        messages.warning(request, warning)
    return redirect("changes:detail", pk=case.pk)


@route("changes:transfer_external")
def transfer_external(request: HttpRequest) -> HttpResponse:
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
    return render(request, "changes/transfer_external.html", {"form": form})


# --------------------------------------------------------------------------- the Tuesday filing (R10.4)


@route("changes:batches")
def batches(request: HttpRequest) -> HttpResponse:
    user = request.user
    groups = [
        (
            day,
            [
                _row(case)
                | {
                    "facts": _batch_facts(case),
                    # Prefetched by the selector: the officer checks the scans before filing.
                    "documents": [(d, document_label(d.category)) for d in case.documents.all()],
                }
                for case in cases
            ],
        )
        for day, cases in selectors.filing_batches(requested_by=user)
    ]
    return render(
        request,
        "changes/batches.html",
        {"batches": groups, "today": clock.today(), "next": reverse("changes:batches")},
    )


def _batch_facts(case: Case) -> dict[str, Any]:
    facts = case.facts
    return {
        "grade": GRADE_NAMES.get(facts.get("grade"), facts.get("grade", "")),
        "grounds": GROUNDS.get(facts.get("grounds", ""), ""),
        "nature": NATURES.get(facts.get("nature", ""), ""),
        "scope": SCOPES.get(facts.get("scope", ""), ""),
        "reason": facts.get("reason", ""),
        "exception": facts.get("exception"),
    }


def _batch(request: HttpRequest) -> tuple[dt.date, list[Case]]:
    try:
        day = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError as exc:
        raise Http404 from exc
    cases = selectors.filing_batch(requested_by=request.user, day=day)
    if not cases:
        raise Http404
    access_record(
        actor=request.user,
        action="transfer.batch.export",
        note=f"转学备案汇总表 {day:%Y-%m-%d}，{len(cases)} 件",
    )
    return day, cases


def _file(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@route("changes:batch_pdf")
def batch_pdf(request: HttpRequest) -> HttpResponse:
    from xueji.changes.batch import batch_pdf as render_pdf  # reportlab loads only when printing

    day, cases = _batch(request)
    content = render_pdf(district_name=request.user.jurisdiction.name, filing_day=day, cases=cases)
    return _file(content, "application/pdf", f"转学备案汇总表-{day:%Y-%m-%d}.pdf")


@route("changes:batch_xlsx")
def batch_xlsx(request: HttpRequest) -> HttpResponse:
    from xueji.changes.batch import batch_xlsx as render_xlsx

    day, cases = _batch(request)
    content = render_xlsx(district_name=request.user.jurisdiction.name, filing_day=day, cases=cases)
    return _file(
        content,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"转学备案汇总表-{day:%Y-%m-%d}.xlsx",
    )


# --------------------------------------------------------------------------- Excel export (R21.1)


@route("changes:export")
def export(request: HttpRequest) -> HttpResponse:
    """「导出 Excel」 of the case list: every case its filters select, not only the page shown."""
    state = request.GET.get("state", "")
    filters = exports.CaseFilters(
        state=state if state in selectors.STATE_FILTERS else "",  # as case_list() reads it
        overdue=bool(request.GET.get("overdue")),
    )
    out = tempfile.TemporaryFile()  # closed (and so deleted) by the response once sent
    try:
        exports.cases_export(requested_by=request.user, filters=filters, out=out)
    except RuleViolation as error:
        out.close()
        messages.error(request, f"{error.message}（{error.rule}）")
        return redirect(f"{reverse('changes:list')}?{request.GET.urlencode()}")
    today = clock.today()
    return exports.xlsx_response(
        out, name=exports.filename("学籍变动", today), fallback=exports.filename("cases", today)
    )
