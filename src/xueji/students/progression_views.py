"""升学 pages (R6.5, R8.1): a junior-high school's registrar finds a primary graduate by number and
enrolls the student; a primary school sees its graduates and where they went, and reads the
snapshot it keeps of each record that left."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from xueji.audit import actions
from xueji.audit.services import access_record, masked_query
from xueji.core import clock, saved_search
from xueji.core.errors import RuleViolation
from xueji.core.web import AuthenticatedRequest, route
from xueji.org import selectors as org_selectors
from xueji.org.models import School, SchoolClass
from xueji.students import progression_services, selectors


def _grade_7_classes(user: Any, school: School, day: dt.date) -> list[SchoolClass]:
    year = org_selectors.school_year_for(day) or org_selectors.current_school_year(day)
    if year is None or not school.offers_grade(7):
        return []
    return list(org_selectors.class_list(requested_by=user, school=school, school_year=year).filter(grade=7))


@route("students:continuing")
def continuing(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    school = user.school
    if school is None:
        raise Http404
    if request.method == "POST" and request.POST.get("action") != "find":
        return _leave(request, school) if request.POST.get("action") == "leave" else _enroll(request, school)
    # R21.1: the number looked for is posted and kept on the server; the URL carries only a key.
    params, key, moved = saved_search.resolve(request, "students:continuing", ("q",))
    if moved is not None:
        return moved
    context: dict[str, Any] = {"school": school, "receives": school.offers_grade(7)}
    if context["receives"]:
        q = params.get("q", "").strip()[:40]
        day = progression_services.intake_day(clock.today())
        context |= {
            "q": q,
            "searched": key is not None,
            "entry_date": day,
            "classes": _grade_7_classes(user, school, day),
        }
        if q:
            found = selectors.graduate_find(requested_by=user, q=q)
            context["found"] = found
            access_record(
                actor=user,
                action=actions.STUDENT_SEARCH,
                school=found.school if found else None,
                subject=found.student if found else None,
                note=f"升学查找“{masked_query(q)}”",
            )  # R21.1
        context["received"] = selectors.progressions(requested_by=user, school=school, into=True)[:100]
    if school.grade_to < 9:
        context["pending"] = selectors.graduates_pending(requested_by=user, school=school)[:500]
        context["left"] = selectors.progressions(requested_by=user, school=school, into=False)[:500]
        access_record(actor=user, action=actions.STUDENT_SEARCH, school=school, note="本校毕业生")
    return render(request, "students/continuing.html", context)


def _leave(request: AuthenticatedRequest, school: School) -> HttpResponse:
    """A graduate of this school went on outside the deployment (R6.5): recorded, record kept here."""
    found = (
        selectors.graduates_pending(requested_by=request.user, school=school)
        .filter(student_id=_int(request.POST.get("student")) or 0)
        .first()
    )
    if found is None:
        raise Http404
    try:
        progression_services.graduate_leaves(
            actor=request.user, student=found.student, to_party=request.POST.get("to_party", "")
        )
    except RuleViolation as error:
        messages.error(request, error.for_people)
    else:
        messages.success(request, f"已记录：{found.student.name}升入本系统外学校，学籍档案由本校永久保存。")
    return redirect("students:continuing")


def _enroll(request: AuthenticatedRequest, school: School) -> HttpResponse:
    post = request.POST
    student_id = _int(post.get("student"))
    enrollment = (
        selectors.graduate_by_student(requested_by=request.user, student_id=student_id)
        if student_id
        else None
    )
    try:
        if enrollment is None:
            raise RuleViolation(
                rule="R6.5",
                code="no_student",
                field="student",
                message="没有找到尚未升学的毕业生：请先按学籍号或身份证件号查找。已在其他学校入学的学生请按转学办理。",
            )
        try:
            entry_date = dt.date.fromisoformat(post.get("entry_date", ""))
        except ValueError:
            raise RuleViolation(
                rule="R6.5", code="entry_date", field="entry_date", message="请填写入学日期，如 2027-09-01。"
            ) from None
        school_class = None
        if post.get("school_class"):
            school_class = next(
                (
                    c
                    for c in _grade_7_classes(request.user, school, entry_date)
                    if c.pk == _int(post["school_class"])
                ),
                None,
            )
            if school_class is None:
                raise RuleViolation(
                    rule="R4.1",
                    code="class",
                    field="school_class",
                    message="所选班级不是本校七年级的班级，请重新选择。",
                )
        progression_services.graduate_enroll(
            actor=request.user,
            student=enrollment.student,
            school=school,
            entry_date=entry_date,
            school_class=school_class,
        )
    except RuleViolation as error:
        messages.error(request, error.for_people)
        return redirect("students:continuing")
    messages.success(request, f"已办理升学入学：{enrollment.student.name}，学籍号不变。")
    return redirect("students:continuing")


@route("students:continuing_record")
def record(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """One 升学 record and the snapshot the primary school keeps (R8.1), read-only."""
    found = selectors.progression_get(requested_by=request.user, pk=pk)
    access_record(
        actor=request.user,
        action=actions.STUDENT_VIEW,
        school=found.from_school,
        subject=found.student,
        note="升学档案快照",
    )
    return render(request, "students/continuing_record.html", {"p": found})


def _int(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None
