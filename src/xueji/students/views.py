"""Pages for registrars and officers: search, detail with history, registration, evidence."""

from __future__ import annotations

import tempfile
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.forms import ModelChoiceField
from django.forms.models import model_to_dict
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from xueji.audit import actions
from xueji.audit.services import access_record, masked_query
from xueji.core import clock, codes, evidence, identity, saved_search
from xueji.core.errors import RuleViolation
from xueji.core.pagination import CappedPaginator
from xueji.core.web import AuthenticatedRequest, route
from xueji.exchange import export_jobs, exports, runner
from xueji.org import selectors as org_selectors
from xueji.org.models import Role
from xueji.students import direct_edits, display, hooks, rules, selectors, services, status
from xueji.students.forms import EntryApplicationForm, EvidenceForm, FollowUpForm, RecordForm
from xueji.students.models import Enrollment, EntryApplication

PAGE_SIZE = 50


@route("students:search")
def search(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    params, key, moved = saved_search.resolve(request, "students:search", exports.SEARCH_TERMS)
    if moved is not None and not request.headers.get("HX-Request"):
        return moved
    # The export reads the same filters (one parser: the file holds exactly the page's rows).
    filters = exports.StudentFilters.from_params(user, params)
    rows = exports.student_export_rows(requested_by=user, filters=filters)
    cap = settings.XUEJI["SEARCH_COUNT_CAP"]
    page = CappedPaginator(rows, PAGE_SIZE, cap=cap).get_page(params.get("page"))
    if not request.headers.get("HX-Request") or filters.q:
        access_record(
            actor=user,
            action=actions.STUDENT_SEARCH,
            school=filters.school,
            note=f"查询“{masked_query(filters.q)}”",
        )
    context = {
        "page": page,
        "q": filters.q,
        "grade": params.get("grade", ""),
        "school": filters.school,
        "grades": codes.GRADE_NAMES.items(),
        # Officers choose a school; within one school (the registrar's, or the chosen one) a class.
        "schools": org_selectors.school_list(requested_by=user).order_by("code")
        if user.is_district_user
        else [],
        "classes": _classes_for(user, filters.school or user.school)
        if (filters.school or user.school)
        else [],
        "statuses": Enrollment.Status.choices,
        "genders": exports.GENDERS.items(),
        "chosen": filters,
        "filters": params,
        "search_key": key,
        "page_base": _page_base(params, key),
        "today": clock.today(),
        "export_inline_max": settings.XUEJI["EXPORT_INLINE_MAX_ROWS"],
        # R8.1: records that left the school answer the same search, read-only (已转出).
        "archived": selectors.archives(requested_by=user, q=filters.q).count() if filters.q else 0,
    }
    if request.headers.get("HX-Request"):
        response = render(request, "students/_results.html", context)
        if moved is not None:
            response["HX-Push-Url"] = moved["Location"]  # the address bar shows the key, not the terms
        return response
    return render(request, "students/search.html", context)


def _page_base(params: QueryDict, key: str | None) -> str:
    """The start of a pager link: the search's key, or the filters (no personal data) as they came."""
    if key:
        return f"?s={key}&"
    rest = params.copy()
    rest.pop("page", None)
    return f"?{rest.urlencode()}&" if rest else "?"


@route("students:detail")
def detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    student = selectors.student_get(requested_by=user, pk=pk)
    enrollment = selectors.current_enrollment(student)
    tab = request.GET.get("tab", "info")
    own_registrar = user.role == Role.REGISTRAR and enrollment.school_id == user.school_id
    # R21.1: health, disability and aid stay masked until the school that keeps the record asks to
    # see them; that request is its own logged action.
    may_reveal = (
        user.role in (Role.REGISTRAR, Role.SCHOOL_APPROVER) and enrollment.school_id == user.school_id
    )
    revealed = may_reveal and request.GET.get("reveal") == "1" and tab in ("info", "history")
    access_record(
        actor=user,
        action=actions.STUDENT_REVEAL if revealed else actions.STUDENT_VIEW,
        subject=student,
        school=enrollment.school,
        note=f"tab={tab[:20]}",
    )
    closed = enrollment.status in rules.CLOSED_STATUSES  # R15.1: kept read-only
    family = list(student.family.all())
    context: dict[str, Any] = {
        "student": student,
        "enrollment": enrollment,
        "family": family,
        "tab": tab,
        "can_edit": own_registrar and not closed,
        # R7.3: the school's own staff print the 学籍卡 for its paper archive.
        "can_print": user.role in (Role.REGISTRAR, Role.SCHOOL_APPROVER)
        and enrollment.school_id == user.school_id,
        "closed": closed,
        # R21.1: the full number only where the task needs it (the registrar keeping the record).
        "id_number": student.id_number if own_registrar else identity.mask_id_number(student.id_number),
        "missing": selectors.student_missing(student, enrollment.school.district),
        "today": clock.today(),
        "sections": _detail_sections(student, contact_shown=own_registrar, sensitive_shown=revealed),
        "may_reveal": may_reveal,
        "revealed": revealed,
    }
    if tab == "history":
        context["history"] = display.history_masked(
            selectors.student_history(requested_by=user, student=student), sensitive_shown=revealed
        )
    if tab == "evidence":
        context["evidence"] = selectors.evidence_list(requested_by=user, student=student)
        context["evidence_form"] = EvidenceForm()
    if tab == "status":
        # R12.4, R12.6: the status periods with their thresholds, and the follow-up log.
        context["periods"] = selectors.status_periods(requested_by=user, student=student)
        context["follow_ups"] = selectors.follow_ups(requested_by=user, student=student)
        may_follow_up = (own_registrar or user.role == Role.DISTRICT_OFFICER) and not closed
        context["follow_up_form"] = FollowUpForm(initial={"on": clock.today()}) if may_follow_up else None
    # The cases that may start for this student, as each kind declares (R17.2: or the open one).
    context["student_actions"] = hooks.student_actions(user, student, enrollment)
    return render(request, "students/detail.html", context)


def _detail_sections(
    student: Any, *, contact_shown: bool, sensitive_shown: bool
) -> list[tuple[str, list[tuple[str, str]]]]:
    """The national form's sections as people read them: names, not codes (the ID number is shown
    above, masked or not by the reader's task). The phone, the addresses and the e-mail in full only
    for the registrar who keeps the record; health, disability and aid only once revealed (R21.1)."""
    from xueji.students.forms import SECTIONS

    def value(name: str) -> str:
        raw = getattr(student, name)
        if name in display.SENSITIVE and not sensitive_shown and raw not in (None, ""):
            return display.MASKED
        if name in display.CONTACT and not contact_shown:
            return display.contact_masked(name, raw).replace("（空）", "—")
        return display.shown(name, raw).replace("（空）", "—")

    return [
        (
            title,
            [
                (str(student._meta.get_field(name).verbose_name), value(name))
                for name in names
                if name != "id_number"
            ],
        )
        for title, names in SECTIONS
    ]


def _classes_for(user: Any, school: Any) -> Any:
    year = org_selectors.current_school_year(clock.today())
    return org_selectors.class_list(requested_by=user, school=school, school_year=year)


def _school_class(form: RecordForm) -> Any:
    value = form.data.get("school_class")
    if not value:
        return None
    field = form.fields["school_class"]
    assert isinstance(field, ModelChoiceField) and field.queryset is not None  # RecordForm's
    try:
        return field.queryset.get(pk=int(value))
    except (
        ValueError,
        TypeError,
        OverflowError,
        field.queryset.model.DoesNotExist,
    ) as exc:
        raise RuleViolation(
            rule="R4.1",
            code="class_mismatch",
            field="school_class",
            message="所选班级不存在或不属于本校，请重新选择。",
        ) from exc


@route("students:place")
def place(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """分班 (R4.1): the registrar places one student in a class of the student's grade this school
    year, or takes the student out of one; several at once on the placement page."""
    user = request.user
    student = selectors.student_get(requested_by=user, pk=pk)
    enrollment = selectors.current_enrollment(student)
    if enrollment.school_id != user.school_id:
        raise Http404
    classes = list(_classes_for(user, enrollment.school).filter(grade=enrollment.grade))
    error = ""
    if request.method == "POST":
        chosen = request.POST.get("school_class", "")
        school_class = next((c for c in classes if str(c.pk) == chosen), None)
        if chosen and school_class is None:
            error = "请从列表中选择本年级的班级。"
        else:
            try:
                status.enrollment_place_in_class(actor=user, student=student, school_class=school_class)
            except RuleViolation as refused:
                error = refused.for_people
            else:
                messages.success(
                    request, f"已将{student.name}编入{school_class}。" if school_class else "已取消分班。"
                )
                return redirect("students:detail", pk=student.pk)
    return render(
        request,
        "students/place.html",
        {"student": student, "enrollment": enrollment, "classes": classes, "error": error},
    )


def _record_page(request: AuthenticatedRequest, *, importing: bool) -> HttpResponse:
    user = request.user
    school = user.school
    classes = _classes_for(user, school)
    form = RecordForm(
        request.POST or None,
        school=school,
        classes=classes,
        with_xjh=importing,
        initial=_record_defaults(school, importing=importing),
    )
    if request.method == "POST":
        try:
            student = _submit_record(form, user, importing=importing)
        except RuleViolation as error:
            form.show(error)
        else:
            messages.success(request, f"已为 {student.name} 建立学籍，学籍号 {student.xjh}。")
            return redirect("students:detail", pk=student.pk)
    return render(request, "students/register.html", {"form": form, "importing": importing, "school": school})


def _record_defaults(school: Any, *, importing: bool) -> dict[str, Any]:
    """What most children have, so a registrar types only what differs."""
    defaults: dict[str, Any] = {
        "id_type": "1",
        "nationality": "CHN",
        "hk_mo_tw": "00",
        "political_status": "13",
        "health": "10",
        "left_behind": "0",
        "regular_class_disabled": "0",
        "disability": "0",
        "entry_mode": "11",
        "attendance_mode": "1",
        "source": "1",
    }
    if not importing:
        # New students enter the starting grade on the autumn semester's first day (R3.1).
        today = clock.today()
        autumn = org_selectors.autumn_semester(today.year if today.month >= 8 else today.year - 1)
        defaults["grade"] = 1 if school.offers_grade(1) else 7
        if autumn:
            defaults["entry_date"] = autumn.start.isoformat()
    return defaults


def _submit_record(form: RecordForm, user: Any, *, importing: bool) -> Any:
    common = {
        "actor": user,
        "school": user.school,
        "student": form.student_data(),
        "family": form.family_data(),
        "enrollment": form.enrollment_data(),
        "school_class": _school_class(form),
        "confirm_region": bool(form.data.get("confirm_region")),
        "duplicate_reason": str(form.data.get("duplicate_reason") or "")
        if form.data.get("confirm_duplicate")
        else "",
    }
    if importing:
        return services.student_import_existing(xjh=form.data.get("xjh", ""), **common)
    return services.student_register(**common)


@route("students:register")
def register(request: AuthenticatedRequest) -> HttpResponse:
    return _record_page(request, importing=False)


@route("students:import_existing")
def import_existing(request: AuthenticatedRequest) -> HttpResponse:
    return _record_page(request, importing=True)


class _DryRun(Exception):
    """Raised to roll back a validation-only run of the real service."""


@route("students:validate")
@require_POST
def validate(request: AuthenticatedRequest) -> JsonResponse:
    """Validate as the registrar types: run the real service and roll it back.

    Running the service itself (not a copy of its checks) means the form can never accept what
    the service would refuse. Returns the errors per field, and what the ID number tells.
    """
    user = request.user
    importing = request.POST.get("mode") == "import"
    form = RecordForm(
        request.POST, school=user.school, classes=_classes_for(user, user.school), with_xjh=importing
    )
    errors: dict[str, str] = {}
    try:
        with transaction.atomic():
            _submit_record(form, user, importing=importing)
            raise _DryRun
    except _DryRun:
        pass
    except RuleViolation as error:
        for violation in getattr(error, "violations", [error]):
            errors.setdefault(violation.field or "__all__", violation.for_people)
    facts = _id_facts(request.POST.get("id_type"), request.POST.get("id_number"))
    # The service stops at the first fields still empty; the age cut-off and the duplicate check
    # are told as soon as what they read is there (R3.2, R6.2), not only on submit.
    if facts is not None and not request.POST.get("birth_date"):
        errors.pop("birth_date", None)  # read from the ID number: the page fills it in
    if not importing and not {"birth_date", "entry_date", "grade"} & errors.keys():
        problem = _entry_age_problem(request.POST, facts)
        if problem is not None:
            errors[problem.field or "birth_date"] = problem.for_people
    if facts is not None and "id_number" not in errors:
        said = services.duplicate_preview(
            actor=user,
            values={
                "id_type": request.POST.get("id_type"),
                "id_number": identity.normalize_id_number(request.POST.get("id_number") or ""),
                "name": (request.POST.get("name") or "").strip(),
            },
        )
        if said:
            errors["id_number"] = said
    return JsonResponse({"errors": errors, "id": facts})


def _entry_age_problem(post: Any, facts: dict[str, str] | None) -> RuleViolation | None:
    """R3.1, R3.2 on what the form holds so far (the birth date typed, or read from the ID number)."""
    from xueji.students.validation import parse_date

    try:
        birth = parse_date(post.get("birth_date") or (facts or {}).get("birth_date") or "")
        entry = parse_date(post.get("entry_date") or "")
        grade = int(post.get("grade") or 0)
    except (ValueError, TypeError):
        return None
    return services.entry_age_problem(birth_date=birth, entry_date=entry, grade=grade)


def _id_facts(id_type: str | None, number: str | None) -> dict[str, str] | None:
    """What a resident ID number tells (birth date, gender, region), to fill the form (R6.3)."""
    if id_type not in ("1", "C") or not number or len(identity.normalize_id_number(number)) != 18:
        return None
    try:
        info = identity.parse_resident_id(number, today=clock.today())
    except RuleViolation:
        return None
    return {
        "birth_date": info.birth_date.isoformat(),
        "gender": info.gender,
        "region": info.region_name or "",
        "region_code": info.region_code,
    }


@route("students:edit")
def edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The registrar's direct edit: blank fields are filled (R5.1), the fields the district lets
    registrars correct are corrected, family members edited; every other filled field is shown
    read-only and changes through the information-change request (R9.1)."""
    user = request.user
    student = selectors.student_get(requested_by=user, pk=pk)
    enrollment = selectors.current_enrollment(student)
    if enrollment.school_id != user.school_id:
        raise Http404
    classes = _classes_for(user, enrollment.school).filter(grade=enrollment.grade)
    initial = {k: _form_value(v) for k, v in model_to_dict(student).items()}
    for member in student.family.all():
        for key, value in model_to_dict(member).items():
            initial[f"family{member.position}_{key}"] = _form_value(value)
    # R21.1: ID numbers are shown masked. The student's never changes here (R9.1); a member's masked
    # number sent back unchanged stands for the stored one, a full number typed over it replaces it.
    stored_ids = {k: v for k, v in initial.items() if k.endswith("id_number") and v}
    initial.update({k: identity.mask_id_number(v) for k, v in stored_ids.items()})
    locked = services.request_only_fields(student, enrollment.school.district)
    if request.method == "POST":
        data = request.POST.copy()
        for key, value in stored_ids.items():
            if data.get(key) == initial[key]:
                data[key] = value
        form = RecordForm(
            data, initial=initial, school=enrollment.school, classes=classes, with_enrollment=True
        )
        try:
            with transaction.atomic():
                services.student_update(
                    actor=user,
                    student=student,
                    changes={
                        k: v for k, v in form.student_data(only_present=True).items() if k not in locked
                    },
                    family=form.family_data(),
                    confirm_region=bool(form.data.get("confirm_region")),
                )
        except RuleViolation as error:
            form.show(error)
        else:
            messages.success(request, "已保存。修改已记入变更记录。")
            return redirect("students:detail", pk=student.pk)
    else:
        form = RecordForm(initial=initial, school=enrollment.school, classes=classes)
    for name in locked:  # R9.1: these change only through the guardian's request
        form.fields[name].disabled = True
    for name in (
        "grade",
        "school_class",  # 分班 is its own action (students:place)
        "entry_date",
        "entry_mode",
        "attendance_mode",
        "source",
        "class_seat_number",
        "aux_number",
    ):
        form.fields.pop(name, None)
    return render(
        request,
        "students/edit.html",
        {
            "form": form,
            "student": student,
            "enrollment": enrollment,
            "direct": direct_edits.labels(direct_edits.correctable(enrollment.school.district)),
        },
    )


def _form_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "1" if value else "0"
    return value


@route("students:evidence_upload")
@require_POST
def evidence_upload(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    student = selectors.student_get(requested_by=user, pk=pk)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择材料类别和文件。")
    else:
        upload = form.cleaned_data["file"]
        try:
            services.evidence_attach(
                actor=user,
                student=student,
                file=upload,
                original_name=upload.name,
                category=form.cleaned_data["category"],
                description=form.cleaned_data["description"],
            )
        except RuleViolation as error:
            messages.error(request, error.for_people)
        else:
            messages.success(request, f"已上传 {upload.name}。")
    return redirect(f"/students/{student.pk}/?tab=evidence")


@route("students:follow_up")
@require_POST
def follow_up(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Record an urging, a contact or a referral on the student's follow-up log."""
    user = request.user
    student = selectors.student_get(requested_by=user, pk=pk)
    form = FollowUpForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请填写类别、日期、经办人、方式和结果。")
    else:
        data = form.cleaned_data
        upload = data["file"]
        try:
            services.follow_up_record(
                actor=user,
                student=student,
                kind=data["kind"],
                on=data["on"],
                who=data["who"],
                way=data["way"],
                result=data["result"],
                file=upload,
                original_name=upload.name if upload else "",
            )
        except RuleViolation as error:
            messages.error(request, error.for_people)
        else:
            messages.success(request, "已记录跟进情况。")
    return redirect(f"/students/{student.pk}/?tab=status#follow-ups")


@route("students:evidence_download")
def evidence_download(request: AuthenticatedRequest, pk: int) -> FileResponse:
    item = selectors.evidence_get(requested_by=request.user, pk=pk)
    school = selectors.current_enrollment(
        selectors.student_get(requested_by=request.user, pk=item.student_id)
    ).school
    access_record(actor=request.user, action=actions.EVIDENCE_DOWNLOAD, subject=item, school=school)
    return evidence.file_response(item)


@route("students:entry_applications")
def entry_applications(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    rows = selectors.entry_applications(requested_by=user).order_by("state", "-submitted_at")
    return render(
        request,
        "students/entry_applications.html",
        {"applications": rows[:200], "pending": EntryApplication.State.PENDING},
    )


@route("students:entry_application_new")
def entry_application_new(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    form = EntryApplicationForm(request.POST or None, initial={"entry_year": clock.today().year})
    if request.method == "POST":
        assert user.school is not None  # a registrar's account always names its school
        try:
            # The form's data is the request's QueryDict (or an empty MultiValueDict).
            data = cast("MultiValueDict[str, Any]", form.data).dict()
            services.entry_application_submit(actor=user, school=user.school, data=data)
        except RuleViolation as error:
            form.is_valid()
            form.show(error)
        else:
            messages.success(request, "申请已提交区教育局审批。")
            return redirect("students:entry_applications")
    return render(request, "students/entry_application_new.html", {"form": form})


@route("students:entry_application_decide")
@require_POST
def entry_application_decide(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = selectors.entry_application_get(requested_by=request.user, pk=pk)
    try:
        services.entry_application_decide(
            actor=request.user,
            application=application,
            approve=request.POST.get("decision") == "approve",
            comment=request.POST.get("comment", ""),
        )
    except RuleViolation as error:
        messages.error(request, error.for_people)
    else:
        messages.success(request, "已审批。")
    return redirect("students:entry_applications")


# --------------------------------------------------------------------------- Excel export (R21.1)


@route("students:export")
def export(request: AuthenticatedRequest) -> HttpResponseBase:
    """「导出 Excel」 of the search page: every row its filters select, 名单 or 国家学籍表."""
    params, key, moved = saved_search.resolve(request, "students:search", exports.SEARCH_TERMS)
    if moved is not None and request.method == "GET" and not key:
        return moved  # an expired key: back to the search page, which says so
    filters = exports.StudentFilters.from_params(request.user, params)
    layout = exports.STUDENT_LAYOUTS.get(
        (request.POST if request.method == "POST" else request.GET).get("layout", ""),
        exports.STUDENT_LAYOUTS["list"],
    )
    inline_max = settings.XUEJI["EXPORT_INLINE_MAX_ROWS"]
    rows = exports.student_export_rows(requested_by=request.user, filters=filters)
    if rows.order_by()[: inline_max + 1].count() > inline_max:
        # Minutes of writing: a job with a progress page, not a request that times out.
        job = export_jobs.export_job_create(actor=request.user, filters=filters, layout=layout.key)
        runner.start_export(job)
        return redirect("exports:job", pk=job.pk)
    out = tempfile.TemporaryFile()  # closed (and so deleted) by the response once sent
    try:
        exports.students_export(requested_by=request.user, filters=filters, layout=layout.key, out=out)
    except RuleViolation as error:
        out.close()
        messages.error(request, error.for_people)
        return redirect(f"{reverse('students:search')}?s={key}" if key else reverse("students:search"))
    name = exports.filename(layout.filename, clock.today())
    return exports.xlsx_response(out, name=name, fallback=exports.filename(layout.fallback, clock.today()))


@route("students:possible_duplicates")
def possible_duplicates(request: AuthenticatedRequest) -> HttpResponse:
    """R6.2: registrations without an ID number confirmed as "not the same child", for the district."""
    rows = selectors.possible_duplicates(requested_by=request.user)
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    access_record(actor=request.user, action=actions.STUDENT_SEARCH, note="疑似重复学籍确认列表")
    return render(request, "students/possible_duplicates.html", {"page": page, "page_base": "?"})


@route("students:roster")
def roster(request: AuthenticatedRequest) -> HttpResponseBase:
    """「花名册」 PDF of the search's rows (a class, a grade, a school): the same filters as the page
    and its Excel, one class a page; logged as a print of personal data (R21.1)."""
    from xueji.students.roster_printing import roster_pdf

    params, key, moved = saved_search.resolve(request, "students:search", exports.SEARCH_TERMS)
    if moved is not None and request.method == "GET" and not key:
        return moved
    user = request.user
    filters = exports.StudentFilters.from_params(user, params)
    rows = exports.student_export_rows(requested_by=user, filters=filters).order_by(
        "school__code", "grade", "school_class__number", "class_seat_number", "student__name_initials", "pk"
    )
    cap = settings.XUEJI["EXPORT_INLINE_MAX_ROWS"]
    enrollments = list(rows[: cap + 1])
    if len(enrollments) > cap:
        messages.error(request, f"花名册一次最多打印 {cap} 名学生，请按学校、年级或班级缩小范围。")
        return redirect(f"{reverse('students:search')}?s={key}" if key else reverse("students:search"))
    school = filters.school or user.school
    scope = (
        filters.school_class.name
        if filters.school_class
        else (codes.GRADE_NAMES.get(filters.grade, "") if filters.grade else "")
    )
    access_record(
        actor=user,
        action=actions.STUDENT_ROSTER_PRINT,
        school=school,
        note=f"学生花名册：{filters.summary()}，{len(enrollments)} 人",
    )
    now = timezone.localtime(clock.now())
    content = roster_pdf(
        school=school.name if school else "",
        title=scope,
        enrollments=enrollments,
        printed_by=f"{user.full_name or user.username}（{user.unit_name}）",
        printed_at=f"{now:%Y-%m-%d %H:%M}",
    )
    response = HttpResponse(content, content_type="application/pdf")
    disposition = content_disposition_header(False, f"学生花名册-{school.name if school else ''}{scope}.pdf")
    assert disposition is not None
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
