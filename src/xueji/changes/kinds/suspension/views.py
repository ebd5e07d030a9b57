"""The suspension's pages: its start form (the generic one, from its facts schema) and the list
that R12.6 asks for — suspensions ending soon, and ended ones without resumption, with each
student's last urging — for the school and the district."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from xueji.audit import actions
from xueji.audit.services import access_record
from xueji.changes.kinds.suspension.schemas import START_KEYS
from xueji.changes.kinds.suspension.services import STARTER
from xueji.changes.start_views import start_page
from xueji.core.web import AuthenticatedRequest, route
from xueji.org.models import Role
from xueji.students import selectors as student_selectors
from xueji.students import status
from xueji.students.models import Enrollment

READERS = (Role.REGISTRAR, Role.SCHOOL_APPROVER, Role.DISTRICT_OFFICER)

new = start_page(
    STARTER,
    name="suspension:new",
    keys=START_KEYS,
    title="休学申请",
    intro="由监护人提出申请（第十二条）。因病、连续请假休学的，系统按所填起止日期计算占本学期教学时间的比例："
    "因病须达到三分之一以上（含），请假须超过三分之一。学校审核后报区教育局审批；休学期一般为一年。",
)


@route("suspension:list", roles=READERS)
def periods(request: AuthenticatedRequest) -> HttpResponse:
    """R12.6: who is to be urged to resume, computed live: suspensions ending within the warning
    days and ended ones not yet resumed (期满未复学), with the last urging recorded for each."""
    user = request.user
    if user.is_district_user:
        district = user.jurisdiction
    else:
        assert user.school is not None  # a school user's account names the school
        district = user.school.district
    within = status.WARN_DAYS.value(district)
    rows = {
        "soon": list(
            student_selectors.running_periods(
                requested_by=user, status=Enrollment.Status.SUSPENDED, ending_within=within
            )[:200]
        ),
        "ended": list(
            student_selectors.running_periods(
                requested_by=user, status=Enrollment.Status.SUSPENDED, ended=True
            )[:200]
        ),
        "abroad": list(
            student_selectors.running_periods(requested_by=user, status=Enrollment.Status.ABROAD)[:200]
        ),
    }
    access_record(actor=user, action=actions.STUDENT_SEARCH, note="休学期满督促名单")  # R21.1
    return render(
        request,
        "suspension/periods.html",
        {"rows": rows, "within": within, "district_view": user.is_district_user},
    )
