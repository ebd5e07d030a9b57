"""Pages of status-change cases, for every kind: the case list, the case page with its timeline,
facts, evidence and actions, the engine's verbs and each kind's extra ones. A kind's own pages
(its start form and the like) live in its package.

Views only translate: reads go through changes.selectors (scoped: another unit's case is a 404),
writes through the services, and every refusal comes back as a Chinese message with its rule id.
Actions are POST-only and answer with a redirect, so a reload never repeats one.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from xueji.audit import actions
from xueji.audit.services import access_record
from xueji.changes import selectors, services
from xueji.changes.blocked import blocked
from xueji.changes.forms import DocumentForm
from xueji.changes.kinds.registry import KINDS, kind_of
from xueji.changes.models import Case, CaseEvent
from xueji.core import clock, evidence
from xueji.core.errors import RuleViolation
from xueji.core.pagination import CappedPaginator
from xueji.core.web import AuthenticatedRequest, route
from xueji.exchange import exports

PAGE_SIZE = 50
# Shown inline only in a document of its own that can run nothing and load nothing else.
INLINE_CSP = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'; frame-ancestors 'none'"
)


def _decision_form(kind: Any, keys: tuple[str, ...]) -> forms.Form:
    form = forms.Form()
    form.fields.update(kind.facts.form_fields(keys))
    return form


def refused(request: HttpRequest, error: Exception, *, at: str = "") -> None:
    """Say why, in words; ``at`` names the part of the page the message belongs to (the evidence
    card, for an upload), so it shows where the user is looking, not at the top."""
    text = error.for_people if isinstance(error, RuleViolation) else (str(error) or "您无权进行此操作。")
    messages.error(request, text, extra_tags=at)


def _back(request: HttpRequest, case: Case) -> HttpResponse:
    """Back where the action came from (the batch page, the inbox) or to the case."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("changes:detail", pk=case.pk)


# --------------------------------------------------------------------------- list and case page


@route("changes:list")
def case_list(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    filters = _filters(request)
    rows = selectors.case_list(requested_by=user, **asdict(filters))
    # A district's list holds years of cases: count up to the cap, as the student list does.
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    items = [row(case) for case in page]
    access_record(actor=user, action=actions.CASE_LIST, note=filters.summary())  # R21.1
    return render(
        request,
        "changes/case_list.html",
        {
            "page": page,
            "items": items,
            "filters": filters,
            "query": filters.query(),
            "page_base": f"?{filters.query()}&" if filters.query() else "?",
            "states": selectors.STATE_FILTERS.items(),
            "kinds": [(kind.key, kind.label) for kind in KINDS.values()],
            "starts": [
                (kind.start[0], kind.start[1])
                for kind in KINDS.values()
                if kind.start and user.has_role(*kind.start[2])
            ],
        },
    )


def _filters(request: HttpRequest) -> exports.CaseFilters:
    """The list's filters as the query string gives them; an unknown value is no filter."""
    state, kind = request.GET.get("state", ""), request.GET.get("kind", "")
    return exports.CaseFilters(
        state=state if state in selectors.STATE_FILTERS else "",
        overdue=bool(request.GET.get("overdue")),
        kind=kind if kind in KINDS else "",
        mine=bool(request.GET.get("mine")),
    )


def row(case: Case) -> dict[str, Any]:
    """What a list row and the head of the case page show, for any kind."""
    step = selectors.current_step(case)
    kind = kind_of(case.kind)
    return {
        "case": case,
        "kind": kind.label,
        "declared": kind,
        "student": selectors.student_name(case),
        "masked_id": selectors.student_masked_id(case),
        "counterpart": selectors.counterpart(case),
        "route": kind.route(case),
        "step": step,
        "owner": selectors.owner_label(case, step) if step and case.is_open else "",
    }


@route("changes:detail")
def detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    case = selectors.case_get(requested_by=user, pk=pk)
    events = selectors.case_events(requested_by=user, case=case)
    documents = selectors.case_documents(requested_by=user, case=case)
    timeline, closing = selectors.case_timeline(case=case, events=events)
    allowed = selectors.case_actions(requested_by=user, case=case)
    missing = selectors.missing_evidence(case)
    step = selectors.current_step(case)
    access_record(actor=user, action=actions.CASE_VIEW, subject=case, school=case.school)  # R21.1
    kind = kind_of(case.kind)
    context = {
        **row(case),
        "timeline": timeline,
        "closing": closing,
        "actions": allowed,
        "extra_actions": [a for a in kind.extra_actions() if a.key in allowed],
        "my_turn": bool(allowed & {"submit", "approve", "upload"}),
        # A returned case says why, where the school looks first (the latest return's reason).
        "returned": _last_return(events) if case.state == Case.State.RETURNED else None,
        "blocked": next(iter(blocked([case])), None),
        "action_label": step.action_label if step else "",
        "missing": missing,
        "due": selectors.case_due(case),
        # Short step names for the documents table: "转入学校受理（核验、审验材料）" → "转入学校受理".
        "documents": [
            (
                d,
                kind.document_label(d.category),
                {r.step.key: r.step.short for r in timeline}.get(d.step_key, d.step_key),
            )
            for d in documents
        ],
        "document_form": DocumentForm(kind=kind, required=missing) if "upload" in allowed else None,
        # A file added at this turn may be taken back while the turn lasts (a wrong upload).
        "removable": {d.pk for d in documents if d.step_key == case.step_key}
        if "upload" in allowed
        else set(),
        # The facts this step decides, asked in the approve form (a district's grade decision).
        "decision_fields": list(_decision_form(kind, step.decides)) if step and "approve" in allowed else [],
        "facts": case.facts,
        "fact_rows": kind.facts.rows(case.facts),
        # R17.1: the starting school records the same change's provincial platform reference.
        "platform_form": case.state == Case.State.COMPLETED
        and not case.platform_ref
        and user.has_role(*kind.steps(case)[0].roles)
        and user.school_id == case.school_id,
    }
    return render(request, "changes/case_detail.html", context)


def _last_return(events: list[Any]) -> Any:
    returns = [e for e in events if e.action == CaseEvent.Action.RETURN]
    return returns[-1] if returns else None  # events come oldest first


# --------------------------------------------------------------------------- actions (POST only)


def _act(
    request: AuthenticatedRequest,
    pk: int,
    do: Callable[[Any, Case, str], Case],
    done: str | Callable[[Case], str],
) -> HttpResponse:
    """Do the verb on the case; ``done`` says what was done (or says it from the case before)."""
    user = request.user
    case = selectors.case_get(requested_by=user, pk=pk)
    text = request.POST.get("comment", "")[:500]
    if callable(done):
        done = done(case)
    try:
        case = do(user, case, text)
    except (RuleViolation, PermissionDenied) as error:
        refused(request, error)
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
def submit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda user, case, text: services.case_submit(actor=user, case=case, comment=text),
        "已提交。",
    )


@route("changes:approve")
@require_POST
def approve(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    def approve_with_decision(user: Any, case: Case, text: str) -> Case:
        # A step that decides facts (a district's grade decision) sends them with the approval.
        step = selectors.current_step(case)
        decision = {key: request.POST.get(key, "") for key in (step.decides if step else ())}
        return services.case_approve(actor=user, case=case, comment=text, decision=decision or None)

    def done(case: Case) -> str:  # what the step's button said: 同意, 登记已送达, 确认并存档 …
        step = selectors.current_step(case)
        return f"已办理：{step.action_label}。" if step is not None else "已办理。"

    return _act(request, pk, approve_with_decision, done)


@route("changes:reject")
@require_POST
def reject(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda user, case, text: services.case_reject(actor=user, case=case, reason=text),
        "已作不同意处理，事项终止；请发起学校告知监护人。",
    )


@route("changes:return")
@require_POST
def return_(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda user, case, text: services.case_return(actor=user, case=case, comment=text),
        "已退回发起学校修改。",
    )


@route("changes:withdraw")
@require_POST
def withdraw(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda user, case, text: services.case_withdraw(actor=user, case=case, reason=text),
        "已撤回。",
    )


@route("changes:action")
@require_POST
def extra_action(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    """A kind's own verb on a case (a district exception, a recorded answer): the kind declares it,
    its service decides."""
    user = request.user
    case = selectors.case_get(requested_by=user, pk=pk)
    declared = {a.key: a for a in kind_of(case.kind).extra_actions()}.get(action)
    if declared is None:
        raise Http404
    if not user.has_role(*declared.roles):
        raise PermissionDenied("您的角色无权进行此操作。")
    return _act(
        request, pk, lambda actor, c, text: declared.perform(actor=actor, case=c, text=text), declared.done
    )


@route("changes:platform")
@require_POST
def platform(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """R17.1: the starting school records the provincial platform's reference and date."""
    user = request.user
    case = selectors.case_get(requested_by=user, pk=pk)
    try:
        on = dt.date.fromisoformat(request.POST.get("platform_on", ""))
    except ValueError:
        messages.error(request, "请填写省平台办理日期，如 2026-09-15。（R17.1）")
        return redirect("changes:detail", pk=case.pk)
    try:
        services.case_record_platform(
            actor=user, case=case, reference=request.POST.get("platform_ref", "")[:50], on=on
        )
    except (RuleViolation, PermissionDenied) as error:
        refused(request, error)
    else:
        messages.success(request, f"{case.number}：已登记省平台办理情况。")
    return redirect("changes:detail", pk=case.pk)


@route("changes:document_upload")
@require_POST
def document_upload(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    case = selectors.case_get(requested_by=user, pk=pk)
    kind = kind_of(case.kind)
    form = DocumentForm(request.POST, request.FILES, kind=kind, required=selectors.missing_evidence(case))
    if not form.is_valid():
        messages.error(request, "请选择材料类别和文件（PDF、JPEG 或 PNG）。", extra_tags="evidence")
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
        refused(request, error, at="evidence")
    else:
        messages.success(
            request,
            f"已上传 {kind.document_label(form.cleaned_data['category'])}：{upload.name}。",
            extra_tags="evidence",
        )
    return redirect(reverse("changes:detail", kwargs={"pk": case.pk}) + "#evidence")


@route("changes:document_remove")
@require_POST
def document_remove(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A wrong file taken back while it is still this party's turn (to upload the right one)."""
    user = request.user
    document = selectors.case_document_get(requested_by=user, pk=pk)
    try:
        services.case_detach(actor=user, document=document)
    except (RuleViolation, PermissionDenied) as error:
        refused(request, error, at="evidence")
    else:
        messages.success(
            request, f"已删除材料：{document.original_name}。如需更换，请重新上传。", extra_tags="evidence"
        )
    return redirect(reverse("changes:detail", kwargs={"pk": document.case_id}) + "#evidence")


def _safe_name(name: str) -> str:
    # Control characters break headers and PostgreSQL (NUL); keep what is printable.
    return "".join(ch for ch in name if ch.isprintable()).strip() or "upload"


@route("changes:document")
def document(request: AuthenticatedRequest, pk: int) -> FileResponse:
    """A case's evidence file: as an attachment, or (``?inline=1``) shown in the browser's own
    viewer. Inline is safe because uploads are only PDF/JPEG/PNG by content (core.evidence), the
    browser may not sniff another type, and the response may run and embed nothing."""
    user = request.user
    item = selectors.case_document_get(requested_by=user, pk=pk)
    inline = request.GET.get("inline") == "1"
    access_record(
        actor=user,
        action=actions.CASE_DOCUMENT_DOWNLOAD,
        subject=item,
        school=item.case.school,
        note="inline" if inline else "",
    )
    response = evidence.file_response(item, inline=inline)
    if inline:
        response["Content-Security-Policy"] = INLINE_CSP
    return response


# --------------------------------------------------------------------------- the application form


@route("changes:print")
def print_form(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The kind's application form (《休学申请表》 …) for the guardian's signature and the stamps;
    the school's own print, logged and marked with who printed it (R21.1)."""
    user = request.user
    case = selectors.case_get(requested_by=user, pk=pk)
    kind = kind_of(case.kind)
    if not kind.printable or not case.student_id:
        raise Http404
    from xueji.changes.printing import application_pdf  # reportlab loads only when printing

    assert case.student is not None  # student_id is set
    enrollment = case.student.enrollments.select_related("school", "school_class").order_by(
        "-is_current", "-pk"
    )[0]
    access_record(
        actor=user, action=actions.CASE_PRINT, subject=case, school=case.school, note=kind.printable
    )
    now = timezone.localtime(clock.now())
    content = application_pdf(
        title=kind.printable,
        case=case,
        enrollment=enrollment,
        rows=kind.form_rows(case),
        printed_by=f"{user.full_name or user.username}（{user.unit_name}）",
        printed_at=f"{now:%Y-%m-%d %H:%M}",
    )
    response = HttpResponse(content, content_type="application/pdf")
    disposition = content_disposition_header(False, f"{kind.printable}-{case.number}.pdf")
    assert disposition is not None  # None only without a file name
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    return response


@route("changes:letter")
def print_letter(request: AuthenticatedRequest, pk: int, key: str) -> HttpResponse:
    """One of the kind's written reports (R13.2: to the street office, to the district), printed by
    the school that sends it; logged and marked with who printed it (R21.1)."""
    user = request.user
    case = selectors.case_get(requested_by=user, pk=pk)
    kind = kind_of(case.kind)
    letter = next((item for item in kind.letters if item.key == key), None)
    if letter is None or case.student is None:
        raise Http404
    from xueji.changes.printing import letter_pdf  # reportlab loads only when printing

    enrollment = case.student.enrollments.select_related("school", "school_class").order_by(
        "-is_current", "-pk"
    )[0]
    access_record(actor=user, action=actions.CASE_PRINT, subject=case, school=case.school, note=letter.title)
    now = timezone.localtime(clock.now())
    content = letter_pdf(
        title=letter.title,
        recipient=letter.recipient(case),
        paragraphs=letter.paragraphs(case, enrollment),
        sender=case.school.name,
        number=case.number,
        dated=f"{now:%Y年%m月%d日}",
        printed_by=f"{user.full_name or user.username}（{user.unit_name}）",
        printed_at=f"{now:%Y-%m-%d %H:%M}",
    )
    response = HttpResponse(content, content_type="application/pdf")
    disposition = content_disposition_header(
        False, f"{letter.title}（报{letter.audience}）-{case.number}.pdf"
    )
    assert disposition is not None  # None only without a file name
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --------------------------------------------------------------------------- Excel export (R21.1)


@route("changes:export")
def export(request: AuthenticatedRequest) -> HttpResponseBase:
    """「导出 Excel」 of the case list: every case its filters select, not only the page shown."""
    filters = _filters(request)  # as the list reads them
    out = tempfile.TemporaryFile()  # closed (and so deleted) by the response once sent
    try:
        exports.cases_export(requested_by=request.user, filters=filters, out=out)
    except RuleViolation as error:
        out.close()
        messages.error(request, error.for_people)
        return redirect(f"{reverse('changes:list')}?{request.GET.urlencode()}")
    today = clock.today()
    return exports.xlsx_response(
        out, name=exports.filename("学籍变动", today), fallback=exports.filename("cases", today)
    )
