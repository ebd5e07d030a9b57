"""The home page: each role's to-do list. It sits on top of the apps, like the URLconf: it reads
the students' and the cases' selectors, and each kind of status change adds its own cards."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render

from xueji import home_charts
from xueji.archive import selectors as archive_selectors
from xueji.changes import selectors as change_selectors
from xueji.changes.blocked import blocked
from xueji.changes.kinds.registry import KINDS
from xueji.core import clock
from xueji.core.web import AuthenticatedRequest, route
from xueji.exchange import selectors as export_selectors
from xueji.exchange.models import ExportRequest
from xueji.org import selectors
from xueji.org.models import Role
from xueji.students import selectors as student_selectors
from xueji.students.models import Enrollment, EntryApplication

BLOCKED_LOOKED_AT = 2000  # open cases checked for a step nobody can take (a district has hundreds)


@route("home", unfiled=True)
def home(request: AuthenticatedRequest) -> HttpResponse:
    """Each role's to-do list: what waits for this user, overdue first."""
    user = request.user
    context: dict = {"today": clock.today()}
    if user.role == Role.REGISTRAR:
        # R19.1: an account not (or no longer) on file sees why, and who must act, and nothing else.
        filing = selectors.registrar_own_filing(requested_by=user)
        if not user.registrar_on_file:
            return render(
                request, "org/registrar_unfiled.html", {"filing": filing, "today": context["today"]}
            )
        if filing is not None and filing.state == filing.State.GRACE:
            context["grace_until"] = filing.grace_until
    if user.role == Role.DISTRICT_OFFICER:  # R21.1: unmasked exports waiting for a written decision
        context["exports_waiting"] = (
            export_selectors.export_requests(requested_by=user)
            .filter(state=ExportRequest.State.PENDING)
            .exclude(requested_by=user)
            .count()
        )
    if user.role in (Role.SCHOOL_APPROVER, Role.DISTRICT_OFFICER):
        filings = selectors.registrar_filings(requested_by=user)
        context["registrars_waiting"] = filings.filter(state="filed").count()
        if user.role == Role.SCHOOL_APPROVER:
            context["registrars_unfiled"] = (
                selectors.registrar_accounts(requested_by=user)
                .filter(Q(live__isnull=True) | Q(live="grace"))
                .count()
            )
    if user.role in (Role.REGISTRAR, Role.SCHOOL_APPROVER):
        overdue = student_selectors.todo_overdue_records(requested_by=user)
        context["overdue_count"] = overdue.count()
        context["overdue"] = overdue.order_by("record_due", "pk")[:20]
        context["incomplete_count"] = student_selectors.enrollment_search(
            requested_by=user, incomplete=True
        ).count()
        context["enrolled_count"] = (
            student_selectors.enrollment_search(requested_by=user)
            .filter(status=Enrollment.Status.ENROLLED)  # 在读: not the suspended, abroad, …
            .count()
        )
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
        context["possible_duplicates"] = student_selectors.possible_duplicates(
            requested_by=user
        ).count()  # R6.2
    if user.role in (Role.REGISTRAR, Role.SCHOOL_APPROVER, Role.DISTRICT_OFFICER):
        # Status-change cases whose current step is this user's (R10.7: late ones first).
        context["todos"] = change_selectors.inbox(requested_by=user, limit=change_selectors.INBOX_SHOWN)
        context["todos_total"] = (
            change_selectors.inbox_count(requested_by=user)
            if len(context["todos"]) == change_selectors.INBOX_SHOWN
            else len(context["todos"])
        )
    if user.role == Role.REGISTRAR:
        # R10.10, R12.5: arrived by transfer or back from a suspension, still to be placed in a class.
        context["awaiting_class"] = list(student_selectors.awaiting_class(requested_by=user)[:20])
    if user.role == Role.DISTRICT_OFFICER:
        context["late_by_owner"] = change_selectors.late_by_owner(requested_by=user)
    if user.role in (Role.REGISTRAR, Role.SCHOOL_APPROVER, Role.DISTRICT_OFFICER):
        # Steps nobody can take (a school without an approver): the district and the school see why.
        active = change_selectors.case_list(requested_by=user, state=change_selectors.ACTIVE)
        context["blocked"] = blocked(active[:BLOCKED_LOOKED_AT])
    if user.role in (Role.REGISTRAR, Role.DISTRICT_OFFICER):
        # R17.1: changes completed here and not yet made on the provincial platform.
        context["platform_pending"] = change_selectors.platform_pending(requested_by=user).count()
        # R8.1: paper archives handed over and not yet confirmed (late ones counted apart).
        receipts = archive_selectors.receipts_pending(requested_by=user)
        context["receipts_pending"] = (len(receipts), sum(1 for r in receipts if r.late))
    # Each kind's own figures for this user (the transfers waiting for Tuesday's filing, …).
    context["kind_cards"] = [card for kind in KINDS.values() for card in kind.home_cards(user)]
    if user.role == Role.DISTRICT_ADMIN:
        context["schools"] = selectors.school_list(requested_by=user).count()
    if user.role == Role.SECURITY_ADMIN:
        accounts = selectors.accounts_of(requested_by=user)
        context["accounts"] = accounts.count()
        context["accounts_inactive"] = accounts.filter(is_active=False).count()
    if user.role in (Role.REGISTRAR, Role.SCHOOL_APPROVER, Role.DISTRICT_OFFICER):
        context["charts"] = home_charts.for_home(user)
    return render(request, "home.html", context)
