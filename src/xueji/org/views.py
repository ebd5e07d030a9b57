"""Pages: schools and classes."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from xueji.core import clock
from xueji.core.codes import GRADE_NAMES
from xueji.core.web import route
from xueji.org import selectors
from xueji.org.models import Role


@route("org:schools")
def school_list_page(request: HttpRequest) -> HttpResponse:
    schools = selectors.school_list(requested_by=request.user).annotate(
        students=Count("enrollments", filter=Q(enrollments__is_current=True)),
    )
    return render(request, "org/schools.html", {"schools": schools})


@route("org:school")
def school_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    school = selectors.school_get(requested_by=request.user, pk=pk)
    year = selectors.current_school_year(clock.today())
    classes = list(selectors.class_list(requested_by=request.user, school=school, school_year=year))
    capacities = {c.grade: c for c in school.capacities.all()}
    by_grade = []
    for grade in school.grades:
        grade_classes = [c for c in classes if c.grade == grade]
        cap = capacities.get(grade)
        by_grade.append(
            {
                "grade": grade,
                "label": GRADE_NAMES[grade],
                "classes": grade_classes,
                "students": sum(c.students for c in grade_classes),
                "seats": cap.seats if cap else None,
            }
        )
    # The school's own staff print a class's 学籍卡 for the paper archive (R7.3).
    own = getattr(request.user, "school_id", None) == school.pk
    return render(
        request,
        "org/school.html",
        {
            "school": school,
            "year": year,
            "by_grade": by_grade,
            "own": own,
            # 花名册: the roles that read students (the district admin keeps base data, not rosters).
            "may_roster": getattr(request.user, "role", "")
            in (Role.REGISTRAR, Role.SCHOOL_APPROVER, Role.DISTRICT_OFFICER),
        },
    )
