"""The school year's pages (R14.2): the promotion's standing, preview and decision for a school;
which schools have promoted, for the district's officer; next year's classes for the registrar."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from xueji.audit import actions
from xueji.audit.services import access_record
from xueji.core import clock
from xueji.core.codes import GRADE_NAMES
from xueji.core.errors import RuleViolation
from xueji.core.web import AuthenticatedRequest, route
from xueji.org import selectors as org_selectors
from xueji.org import services as org_services
from xueji.org.models import School
from xueji.students import promotion_printing, promotion_services, selectors
from xueji.students.models import Promotion


@route("students:promotion")
def promotion(request: AuthenticatedRequest) -> HttpResponse:
    """A school user sees the school's promotion; a district officer sees every school's standing
    and opens one."""
    user = request.user
    context: dict[str, Any] = {}
    if user.is_school_user:
        school = user.school
    else:
        schools = list(org_selectors.school_list(requested_by=user).order_by("code"))
        context["overview"] = selectors.promotion_statuses(requested_by=user, schools=schools)
        code = request.GET.get("school", "")
        school = next((s for s in schools if s.code == code), None)
    context["school"] = school
    if school is not None:
        standing = selectors.promotion_statuses(requested_by=user, schools=[school])[0]
        context["standing"] = standing
        context["rows"] = selectors.promotion_preview(requested_by=user, school=school, year=standing.year)
        context["staying"] = selectors.promotion_staying(requested_by=user, school=school, year=standing.year)
        context["history"] = history = list(
            selectors.promotion_history(requested_by=user, school=school)[:10]
        )
        latest = history[0] if history else None
        if latest and latest.state == Promotion.State.RETURNED and not standing.promotion:
            context["returned"] = latest  # sent back and not submitted again: say why, at the top
        access_record(actor=user, action=actions.STUDENT_SEARCH, school=school, note="学年升级")  # R21.1
    return render(request, "students/promotion.html", context)


@route("students:promotion_print")
def print_promotion(request: AuthenticatedRequest) -> HttpResponse:
    """The preview (before) or the result (after) on paper, for the school's signatures and stamp."""
    user = request.user
    if user.is_school_user:
        school = _own_school(request)
    else:
        school = org_selectors.school_get_by_code(requested_by=user, code=request.GET.get("school", ""))
    standing = selectors.promotion_statuses(requested_by=user, schools=[school])[0]
    rows = selectors.promotion_preview(requested_by=user, school=school, year=standing.year)
    now = clock.now()
    data = promotion_printing.promotion_pdf(
        standing=standing,
        rows=rows,
        printed_by=user.full_name or user.username,
        printed_at=f"{timezone.localtime(now):%Y-%m-%d %H:%M}",
    )
    access_record(actor=user, action=actions.CASE_PRINT, school=school, note="学年升级打印")  # R21.1
    response = HttpResponse(data, content_type="application/pdf")
    name = quote(f"{school.name}学年升级{'结果' if standing.done else '预览'}.pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{name}"
    return response


@route("students:promotion_submit")
def submit(request: AuthenticatedRequest) -> HttpResponse:
    if request.method != "POST":  # a bookmark or a reload: the page, not a bare 405
        return redirect("students:promotion")
    try:
        done = promotion_services.promotion_submit(actor=request.user, school=_own_school(request))
    except RuleViolation as error:
        messages.error(request, error.for_people)
    else:
        messages.success(request, f"已提交{done.school_year}升级，请学校审核人确认。")
    return redirect("students:promotion")


@route("students:promotion_decide")
def decide(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    if request.method != "POST":  # a bookmark or a reload: the page, not a bare 405
        return redirect("students:promotion")
    found = (
        selectors.promotion_history(requested_by=request.user, school=_own_school(request))
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    try:
        if request.POST.get("decision") == "confirm":
            done = promotion_services.promotion_confirm(actor=request.user, promotion=found)
            r = done.result
            messages.success(
                request,
                f"已完成{done.school_year}升级：升级 {r['moved']} 人，毕业 {r['graduated']} 人，"
                f"留级 {r['repeated']} 人；待分班 {r['unplaced'] + r['repeated']} 人。",
            )
        else:
            promotion_services.promotion_return(
                actor=request.user, promotion=found, comment=request.POST.get("comment", "")
            )
            messages.success(request, "已退回学籍管理员。")
    except RuleViolation as error:
        messages.error(request, error.for_people)
    return redirect("students:promotion")


@route("students:promotion_classes")
def classes(request: AuthenticatedRequest) -> HttpResponse:
    """Next year's classes of the registrar's school: made from this year's in one step, then
    edited (capacity, head teacher), added to or removed while empty."""
    user = request.user
    school = _own_school(request)
    standing = selectors.promotion_statuses(requested_by=user, schools=[school])[0]
    year, next_year = standing.year, standing.next_year
    if request.method == "POST" and year is not None and next_year is not None:
        try:
            _classes_post(request, school, year, next_year)
        except RuleViolation as error:
            messages.error(request, error.for_people)
        return redirect("students:promotion_classes")
    rows = []
    if next_year is not None:
        rows = list(
            org_selectors.class_list(requested_by=user, school=school, school_year=next_year).order_by(
                "grade", "number"
            )
        )
    context = {
        "school": school,
        "standing": standing,
        "classes": rows,
        "grades": [(g, GRADE_NAMES.get(g, g)) for g in school.grades],
    }
    return render(request, "students/promotion_classes.html", context)


def _classes_post(request: AuthenticatedRequest, school: Any, year: Any, next_year: Any) -> None:
    user, post = request.user, request.POST
    action = post.get("action", "")
    if action == "prepare":
        made = org_services.classes_for_next_year(
            actor=user, school=school, school_year=year, next_year=next_year
        )
        messages.success(
            request,
            f"已按{year}班级生成 {made} 个{next_year}班级。" if made else "下一学年班级已齐全，没有新增。",
        )
        return
    if action == "add":
        grade = _int(post.get("grade"))
        if grade is None:
            raise RuleViolation(rule="R14.2", code="grade", field="grade", message="请选择年级。")
        added = org_services.next_year_class_add(
            actor=user, school=school, school_year=next_year, grade=grade
        )
        messages.success(request, f"已新增{added.name}。")
        return
    target = (
        org_selectors.class_list(requested_by=user, school=school, school_year=next_year)
        .filter(pk=_int(post.get("class")) or 0)
        .first()
    )
    if target is None:
        raise Http404
    if action == "delete":
        org_services.next_year_class_delete(actor=user, school_class=target)
        messages.success(request, f"已删除{target.name}。")
        return
    capacity = _int(post.get("capacity"))
    if capacity is None or not 1 <= capacity <= 80:
        raise RuleViolation(
            rule="R14.2", code="capacity", field="capacity", message="额定人数应为 1 至 80 之间的整数。"
        )
    teacher = post.get("head_teacher", "").strip()
    if len(teacher) > 30:
        raise RuleViolation(
            rule="R14.2",
            code="head_teacher",
            field="head_teacher",
            message=f"班主任姓名不能超过 30 字（现为 {len(teacher)} 字）。",
        )
    org_services.next_year_class_save(
        actor=user, school_class=target, capacity=capacity, head_teacher=teacher
    )
    messages.success(request, f"已保存{target.name}。")


def _own_school(request: AuthenticatedRequest) -> School:
    """The school of the registrar or approver on these routes (their roles hang on one)."""
    school = request.user.school
    if school is None:
        raise Http404
    return school


def _int(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None
