"""Pages: the home to-do list, schools and classes."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from xueji.changes import selectors as change_selectors
from xueji.core import clock
from xueji.core.codes import GRADE_NAMES
from xueji.core.web import route
from xueji.org import selectors
from xueji.org.models import Role
from xueji.students import selectors as student_selectors
from xueji.students.models import EntryApplication


@route("home")
def home(request: HttpRequest) -> HttpResponse:
    """Each role's to-do list: what waits for this user, overdue first."""
    user = request.user
    context: dict = {"today": clock.today()}
    if user.role in (Role.REGISTRAR, Role.SCHOOL_APPROVER):
        overdue = student_selectors.todo_overdue_records(requested_by=user)
        context["overdue_count"] = overdue.count()
        context["overdue"] = overdue.order_by("record_due", "pk")[:20]
        context["incomplete_count"] = student_selectors.enrollment_search(
            requested_by=user, incomplete=True
        ).count()
        context["enrolled_count"] = student_selectors.enrollment_search(requested_by=user).count()
    if user.role == Role.REGISTRAR:
        context["unplaced_count"] = (
            student_selectors.enrollment_search(requested_by=user).filter(school_class__isnull=True).count()
        )
        context["my_applications"] = student_selectors.entry_applications(requested_by=user).order_by(
            "-submitted_at"
        )[:5]
    if user.role == Role.DISTRICT_OFFICER:
        context["overdue_by_school"] = list(student_selectors.todo_overdue_by_school(requested_by=user)[:20])
        context["overdue_count"] = sum(row["n"] for row in context["overdue_by_school"])
        context["pending_applications"] = student_selectors.entry_applications(
            requested_by=user, state=EntryApplication.State.PENDING
        )[:20]
        context["stats"] = student_selectors.district_statistics(requested_by=user)
    if user.role in (Role.REGISTRAR, Role.SCHOOL_APPROVER, Role.DISTRICT_OFFICER):
        # Status-change cases whose current step is this user's (R10.7: late ones first).
        context["todos"] = change_selectors.inbox(requested_by=user)
    if user.role == Role.REGISTRAR:
        # R10.10: received by transfer, still to be placed in a class.
        unplaced = change_selectors.unplaced_transfers(requested_by=user)
        context["unplaced_transfers"] = list(unplaced[:20])
    if user.role == Role.DISTRICT_OFFICER:
        context["late_by_owner"] = change_selectors.late_by_owner(requested_by=user)
        context["filing_count"] = sum(len(c) for _, c in change_selectors.filing_batches(requested_by=user))
    if user.role == Role.DISTRICT_ADMIN:
        context["schools"] = selectors.school_list(requested_by=user).count()
    return render(request, "org/home.html", context)


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
    return render(request, "org/school.html", {"school": school, "year": year, "by_grade": by_grade})
