"""The student's archive page (R7.1, R7.2): the six categories on one page — (一) the base
information and its history, (二) the evidence by the case or request that brought it, (三)–(六)
the structured records with what the district requires — and the forms that add, correct,
withdraw a record and attach its proof. Health and aid are masked until a registrar or approver
of the school shows them (logged, R21.1)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.forms.models import model_to_dict
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from xueji.archive import paper_services, receipt_services, selectors, services
from xueji.archive.forms import EntryForm
from xueji.archive.kinds import KINDS, PAPER_KINDS, kind_of
from xueji.audit import actions
from xueji.audit.services import access_record
from xueji.core import clock
from xueji.core.errors import RuleViolation
from xueji.core.web import AuthenticatedRequest, route
from xueji.org import selectors as org_selectors
from xueji.org.models import Role
from xueji.students import completeness, rules
from xueji.students import selectors as student_selectors
from xueji.students.forms import EvidenceForm


def _own(user: Any, enrollment: Any, roles: tuple[str, ...]) -> bool:
    return user.role in roles and enrollment.school_id == user.school_id


@route("archive:student")
def student_archive(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    student = student_selectors.student_get(requested_by=user, pk=pk)
    enrollment = student_selectors.current_enrollment(student)
    closed = enrollment.status in rules.CLOSED_STATUSES
    may_write = _own(user, enrollment, (Role.REGISTRAR,)) and not closed
    may_reveal = _own(user, enrollment, (Role.REGISTRAR, Role.SCHOOL_APPROVER))
    reveal = request.GET.get("reveal", "")
    revealed = reveal in KINDS and KINDS[reveal].masked and may_reveal
    access_record(
        actor=user,
        action=actions.ARCHIVE_REVEAL if revealed else actions.STUDENT_VIEW,
        subject=student,
        school=enrollment.school,
        note=f"archive reveal={reveal}" if revealed else "archive",
    )
    evidence = list(student_selectors.evidence_list(requested_by=user, student=student))
    groups: dict[str, list[Any]] = {}
    for item in evidence:
        groups.setdefault(item.reference or "入学及日常材料", []).append(item)
    family = [model_to_dict(m) for m in student.family.all()]
    context = {
        "student": student,
        "enrollment": enrollment,
        "missing": rules.missing_fields(model_to_dict(student), family),  # category (一) alone
        "history_count": len(student_selectors.student_history(requested_by=user, student=student)),
        "evidence_groups": groups,
        "evidence_count": len(evidence),
        "evidence_missing": completeness.evidence_missing(
            (e.category for e in evidence), enrollment.school.district
        ),
        "categories": selectors.categories(
            selectors.entries(requested_by=user, student=student), enrollment.school.district
        ),
        "paper": selectors.paper_items(requested_by=user, student=student),
        "paper_kinds": PAPER_KINDS.values(),
        "may_write": may_write,
        "may_reveal": may_reveal,
        "revealed": reveal if revealed else "",
    }
    return render(request, "archive/student.html", context)


def _entry_page(request: AuthenticatedRequest, *, student: Any, kind: Any, entry: Any = None) -> HttpResponse:
    user = request.user
    initial = dict(entry.data) if entry is not None else {}
    form = EntryForm(request.POST or None, initial=initial, kind=kind)
    if request.method == "POST" and request.POST.get("action", "save") == "save":
        try:
            if entry is None:
                services.entry_add(actor=user, student=student, kind=kind.key, values=form.values())
            else:
                services.entry_update(actor=user, entry=entry, values=form.values())
        except RuleViolation as error:
            form.is_valid()
            form.show(error)
        else:
            messages.success(request, f"已保存{kind.label}记录，修改记入变更记录。")
            return redirect("archive:student", pk=student.pk)
    return render(
        request,
        "archive/entry.html",
        {
            "student": student,
            "kind": kind,
            "form": form,
            "entry": entry,
            "evidence_form": EvidenceForm() if entry is not None else None,
        },
    )


@route("archive:add")
def entry_add(request: AuthenticatedRequest, pk: int, kind: str) -> HttpResponse:
    if kind not in KINDS:
        raise Http404
    student = student_selectors.student_get(requested_by=request.user, pk=pk)
    if student_selectors.current_enrollment(student).school_id != request.user.school_id:
        raise Http404
    return _entry_page(request, student=student, kind=kind_of(kind))


@route("archive:edit")
def entry_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    entry = selectors.entry_get(requested_by=user, pk=pk)
    if student_selectors.current_enrollment(entry.student).school_id != user.school_id or entry.removed:
        raise Http404
    kind = kind_of(entry.kind)
    if request.method == "POST" and request.POST.get("action") == "remove":
        try:
            services.entry_remove(actor=user, entry=entry, reason=request.POST.get("reason", ""))
        except RuleViolation as error:
            messages.error(request, f"{error.message}")
            return redirect("archive:edit", pk=entry.pk)
        messages.success(request, f"已撤销该{kind.label}记录（保留在变更记录中）。")
        return redirect("archive:student", pk=entry.student_id)
    if request.method == "POST" and request.POST.get("action") == "attach":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "请选择要上传的文件。")
        else:
            try:
                services.entry_attach(actor=user, entry=entry, file=upload, original_name=upload.name or "")
            except RuleViolation as error:
                messages.error(request, f"{error.message}")
            else:
                messages.success(request, "已上传证明材料，归入学生档案（第二类）。")
                return redirect("archive:student", pk=entry.student_id)
        return redirect("archive:edit", pk=entry.pk)
    return _entry_page(request, student=entry.student, kind=kind, entry=entry)


# --------------------------------------------------------------------------- the paper archive (R7.3)


@route("archive:paper_record")
def paper_record(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Record where one paper item of a student is kept (POST from the student's archive page)."""
    user = request.user
    student = student_selectors.student_get(requested_by=user, pk=pk)
    if request.method == "POST":
        data = request.POST
        try:
            if data.get("action") == "remove":
                row = next(
                    (
                        r
                        for r in selectors.paper_items(requested_by=user, student=student)
                        if str(r.pk) == data.get("row")
                    ),
                    None,
                )
                if row is None:
                    raise Http404
                paper_services.paper_item_remove(actor=user, row=row, reason=data.get("reason", ""))
                messages.success(request, f"已登记「{row.get_item_display()}」不再由本校保管。")
            else:
                row = paper_services.paper_item_record(
                    actor=user,
                    student=student,
                    item=data.get("item", ""),
                    cabinet=data.get("cabinet", ""),
                    box=data.get("box", ""),
                    folder=data.get("folder", ""),
                    keeper=data.get("keeper", ""),
                )
                messages.success(
                    request, f"已登记「{row.get_item_display()}」：{row.place}，保管人{row.keeper}。"
                )
        except RuleViolation as error:
            for violation in getattr(error, "violations", [error]):
                messages.error(request, violation.message)
    return redirect(f"{reverse('archive:student', kwargs={'pk': student.pk})}#paper")


@route("archive:paper")
def paper_ledger(request: AuthenticatedRequest) -> HttpResponse:
    """The school's paper-archive ledger by class: what each student's paper archive holds and
    which required items are missing (R7.3); a whole class's item recorded at once."""
    user = request.user
    schools = list(org_selectors.school_list(requested_by=user).order_by("code"))
    school = user.school or next((s for s in schools if str(s.pk) == request.GET.get("school")), None)
    context: dict[str, Any] = {"schools": schools, "school": school, "paper_kinds": PAPER_KINDS.values()}
    if school is None:
        return render(request, "archive/paper.html", context)
    classes = list(org_selectors.class_list(requested_by=user, school=school, school_year=_year()))
    chosen = next(
        (c for c in classes if str(c.pk) == (request.POST.get("class") or request.GET.get("class"))), None
    )
    if request.method == "POST" and chosen is not None:
        try:
            made = paper_services.paper_items_record_class(
                actor=user,
                school_class=chosen,
                item=request.POST.get("item", ""),
                cabinet=request.POST.get("cabinet", ""),
                box=request.POST.get("box", ""),
                keeper=request.POST.get("keeper", ""),
            )
        except RuleViolation as error:
            for violation in getattr(error, "violations", [error]):
                messages.error(request, violation.message)
        else:
            messages.success(
                request, f"已为{chosen.name}登记 {made} 名学生的纸质材料（已登记的学生不重复）。"
            )
            return redirect(f"{reverse('archive:paper')}?class={chosen.pk}")
    rows = selectors.paper_ledger(requested_by=user, school=school, school_class=chosen)
    gaps = sum(1 for r in rows if r.missing)
    if chosen is None:  # the whole school: only the students missing something, the first 200
        rows = [r for r in rows if r.missing][:200]
    access_record(actor=user, action=actions.STUDENT_SEARCH, school=school, note="paper ledger")  # R21.1
    context.update(
        classes=classes,
        chosen=chosen,
        rows=rows,
        gaps=gaps,
        may_write=user.role == Role.REGISTRAR and user.school_id == school.pk,
    )
    return render(request, "archive/paper.html", context)


def _year() -> Any:
    return org_selectors.current_school_year(clock.today())


# --------------------------------------------------------------------------- hand-over receipts (R8.1)


@route("archive:receipts")
def receipts(request: AuthenticatedRequest) -> HttpResponse:
    """The paper archives handed over and not yet confirmed: those the school receives (confirm
    here) and those it sent; late ones marked. The district sees its schools'."""
    user = request.user
    if request.method == "POST":
        found = next(
            (
                p.snapshot
                for p in selectors.receipts_pending(requested_by=user)
                if p.incoming and str(p.snapshot.pk) == request.POST.get("snapshot")
            ),
            None,
        )
        if found is None:
            raise Http404
        try:
            received_on = dt.date.fromisoformat(request.POST.get("received_on", ""))
        except ValueError:
            received_on = None
        try:
            receipt_services.receipt_confirm(
                actor=user,
                snapshot=found,
                received_on=received_on,
                items=request.POST.getlist("items"),
                note=request.POST.get("note", ""),
            )
        except RuleViolation as error:
            for violation in getattr(error, "violations", [error]):
                messages.error(request, f"{found.student.name}：{violation.message}")
        else:
            messages.success(request, f"已确认收到{found.student.name}的纸质档案。")
        return redirect("archive:receipts")
    pending = selectors.receipts_pending(requested_by=user)
    access_record(
        actor=user, action=actions.STUDENT_SEARCH, school=user.school, note="archive receipts"
    )  # R21.1
    return render(
        request,
        "archive/receipts.html",
        {
            "incoming": [p for p in pending if p.incoming],
            "outgoing": [p for p in pending if not p.incoming],
            "paper_kinds": PAPER_KINDS.values(),
            "may_confirm": user.role == Role.REGISTRAR,
            "today": clock.today(),
        },
    )
