"""The dropout's pages: its start form (the generic one, from its facts schema) and the list R13.2
asks the school and the district to keep: every dropped-out student, the last effort to bring each
back, and those with none in the last 30 days first."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render

from xueji.audit import actions
from xueji.audit.services import access_record
from xueji.changes.kinds.dropout.kind import DROPOUT
from xueji.changes.models import Case
from xueji.core.web import AuthenticatedRequest, route
from xueji.org.models import Role
from xueji.students import selectors as student_selectors
from xueji.students.models import Enrollment, FollowUp, StatusPeriod

READERS = (Role.REGISTRAR, Role.SCHOOL_APPROVER, Role.DISTRICT_OFFICER)


def migrant_without_contact(user: Any) -> QuerySet[StatusPeriod]:
    """R13.3: dropped-out children of migrant workers (as their report says) with no contact with
    their household-registration place's education authority on the follow-up log yet."""
    periods = student_selectors.running_periods(requested_by=user, status=Enrollment.Status.DROPPED_OUT)
    migrant = Case.objects.filter(kind=DROPOUT.key, state=Case.State.COMPLETED, facts__migrant=True).values(
        "number"
    )
    return periods.filter(reference__in=migrant).exclude(
        student__follow_ups__kind=FollowUp.Kind.HOUSEHOLD_PLACE
    )


@route("dropout:list", roles=READERS)
def efforts(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    rows = {
        "waiting": list(student_selectors.dropouts_without_recent_effort(requested_by=user)[:200]),
        "migrant": list(migrant_without_contact(user)[:200]),
        "all": list(
            student_selectors.running_periods(requested_by=user, status=Enrollment.Status.DROPPED_OUT)[:200]
        ),
    }
    access_record(actor=user, action=actions.STUDENT_SEARCH, note="辍学学生劝返名单")  # R21.1
    return render(
        request,
        "dropout/efforts.html",
        {"rows": rows, "days": student_selectors.EFFORT_DAYS, "district_view": user.is_district_user},
    )
