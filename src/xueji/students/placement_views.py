"""分班 (R4.1): the registrar places the school's students who have no class — after the promotion,
升学 or a return — several at a time into a class of their grade."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from xueji.audit import actions
from xueji.audit.services import access_record
from xueji.core.codes import GRADE_NAMES
from xueji.core.errors import RuleViolation
from xueji.core.web import AuthenticatedRequest, route
from xueji.org import selectors as org_selectors
from xueji.students import selectors, status


@route("students:placement")
def placement(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    school = user.school
    if school is None:
        raise Http404
    year = selectors.placement_year(school)
    classes = (
        list(
            org_selectors.class_list(requested_by=user, school=school, school_year=year).order_by(
                "grade", "number"
            )
        )
        if year
        else []
    )
    if request.method == "POST":
        chosen = next((c for c in classes if str(c.pk) == request.POST.get("school_class")), None)
        ids = [int(v) for v in request.POST.getlist("student") if v.isdigit()]
        try:
            if chosen is None:
                raise RuleViolation(rule="R4.1", code="class", field="school_class", message="请选择班级。")
            placed = status.enrollments_place(actor=user, school_class=chosen, student_ids=ids)
        except RuleViolation as error:
            messages.error(request, error.for_people)
        else:
            messages.success(request, f"已将 {placed} 名学生编入{chosen.name}。")
        return redirect("students:placement")
    rows = list(selectors.unplaced(requested_by=user, school=school)[:1000])
    grades: list[dict[str, Any]] = [
        {
            "grade": grade,
            "label": GRADE_NAMES.get(grade, grade),
            "students": list(group),
            "classes": [c for c in classes if c.grade == grade],
        }
        for grade, group in groupby(rows, key=lambda e: e.grade)
    ]
    access_record(actor=user, action=actions.STUDENT_SEARCH, school=school, note="待分班学生")  # R21.1
    return render(request, "students/placement.html", {"school": school, "year": year, "grades": grades})
