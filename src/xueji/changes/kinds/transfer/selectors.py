"""The transfer's own reads: the verified student (R10.3), what stands in the way of a transfer
before the form is filled, and the district's Tuesday filing batches (R10.4)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from xueji.changes import selectors as case_selectors
from xueji.changes import services as engine
from xueji.changes.kinds.transfer.kind import REFUSALS, TRANSFER
from xueji.changes.kinds.transfer.models import Verification
from xueji.changes.kinds.transfer.services import TRANSFERABLE, window_closed
from xueji.changes.models import Case, CaseEvent
from xueji.core import clock
from xueji.core.articles import cited
from xueji.org.models import Role, User
from xueji.students.models import Enrollment, Student

# How long a verification (核验, R10.3) lets the registrar start a transfer for the student found.
VERIFY_VALID = dt.timedelta(hours=24)


def verified_student(*, requested_by: User, pk: Any) -> Student:
    """A student this registrar found by ID number + name (R10.3) within the last 24 hours.

    The verification record is the proof: a registrar cannot open a transfer (and so learn a name)
    for a student id guessed rather than verified.
    """
    try:
        number = int(pk)
    except (TypeError, ValueError, OverflowError):
        number = 0
    verified = (
        0 < number <= case_selectors.MAX_PK
        and requested_by.has_role(Role.REGISTRAR)
        and Verification.objects.filter(
            registrar=requested_by, student_id=number, verified_at__gte=clock.now() - VERIFY_VALID
        ).exists()
    )
    student = Student.objects.filter(pk=number, enrollments__is_current=True).first() if verified else None
    if student is None:
        raise REFUSALS["not_verified"]()
    return student


def verified_enrollment(student: Student) -> Enrollment:
    return Enrollment.objects.select_related("school__district").get(student=student, is_current=True)


@dataclass(frozen=True)
class Notice:
    """A refusal the registrar should read on the verification card, before filling in the form.
    Advisory only: transfer_start decides, with the same rule."""

    rule: str
    message: str
    blocking: bool
    case: Case | None = None  # the open case, when the user may open it

    @property
    def for_people(self) -> str:
        return cited(self.message, self.rule)


def transfer_notices(*, requested_by: User, enrollment: Enrollment) -> list[Notice]:
    """What stands in the way of a transfer of the verified student into the user's school."""
    user = requested_by
    notices = []
    if enrollment.school_id == user.school_id:
        notices.append(
            Notice(
                "R10.8",
                "该学生是本校学生。转学由转入学校发起，学校不得为本校学生办理转出（第十条第四款）。",
                True,
            )
        )
    conflict = engine.open_case_conflict(enrollment.student_id, TRANSFER)
    open_case = engine.open_cases(enrollment.student_id).first()
    if open_case is not None:
        visible = case_selectors.case_list(requested_by=user).filter(pk=open_case.pk).exists()
        notices.append(Notice(conflict.rule, conflict.message, True, open_case if visible else None))
    if enrollment.status not in TRANSFERABLE:
        notices.append(
            Notice("R10.11", REFUSALS["not_enrolled"](status=enrollment.get_status_display()).message, True)
        )
    assert user.school is not None  # the transfer-in school's registrar
    same_province = enrollment.school.district.code[:2] == user.school.district.code[:2]
    next_window = window_closed(user.school) if same_province else None
    if next_window is not None:
        # Not blocking: the case can be prepared; filing waits for the district's exception.
        notices.append(
            Notice(
                "R10.7",
                "省内转学一般在新学期开学后两个月内办理，现已超出办理时间（第十条第三款）。"
                f"可以先准备材料，须由区教育局学籍干部登记例外理由后才能提交备案；下一次办理时间：{next_window}。",
                False,
            )
        )
    return notices


# --------------------------------------------------------------------------- the Tuesday filing (R10.4)


def _filing_rows(user: User) -> QuerySet[Case]:
    if case_selectors.scope_of(user) is None or not user.has_role(Role.DISTRICT_OFFICER):
        return Case.objects.none()
    assert user.jurisdiction is not None  # a district officer's account names the district
    return (
        case_selectors.with_related(
            Case.objects.filter(
                kind=TRANSFER.key,
                state=Case.State.OPEN,
                step_key="filing",
                owner_jurisdiction__code__startswith=user.jurisdiction.scope_prefix,
            )
        )
        .order_by("step_due", "created_at", "pk")
        .prefetch_related("documents")  # the summary lists them
    )


def filing_batches(*, requested_by: User) -> list[tuple[dt.date, list[Case]]]:
    """The cases of each 《转学备案汇总表》: open cases at the filing step of the officer's bureau,
    grouped by their filing Tuesday (the step's due date), earliest first."""
    rows = list(_filing_rows(requested_by))
    return [(day, list(cases)) for day, cases in itertools.groupby(rows, key=lambda c: c.step_due)]


@dataclass(frozen=True)
class Decided:
    case: Case
    student: str
    action: str  # CaseEvent.Action: approve or reject
    actor: str
    comment: str


PAST_BATCH_DAYS = 90  # how far back the page lists the bureau's filing decisions


def past_batches(*, requested_by: User, today: dt.date | None = None) -> list[tuple[dt.date, list[Decided]]]:
    """The bureau's filing decisions of the last ``PAST_BATCH_DAYS`` days, by the day they were
    taken, newest first: which transfers were filed and which refused (and why)."""
    if case_selectors.scope_of(requested_by) is None or not requested_by.has_role(Role.DISTRICT_OFFICER):
        return []
    assert requested_by.jurisdiction is not None
    since = (today or clock.today()) - dt.timedelta(days=PAST_BATCH_DAYS)
    events = (
        CaseEvent.objects.filter(
            case__kind=TRANSFER.key,
            step_key="filing",
            action__in=(CaseEvent.Action.APPROVE, CaseEvent.Action.REJECT),
            at__date__gte=since,
            actor__jurisdiction__code__startswith=requested_by.jurisdiction.scope_prefix,
        )
        .select_related("case__school", "case__student", "case__other_school", "actor")
        .order_by("-at", "-pk")
    )
    days: dict[dt.date, list[Decided]] = {}
    for event in events:
        actor = event.actor.full_name or event.actor.username if event.actor else "系统"
        day = timezone.localtime(event.at).date()
        decided = Decided(
            event.case, case_selectors.student_name(event.case), event.action, actor, event.comment
        )
        days.setdefault(day, []).append(decided)
    return list(days.items())


def filing_batch(*, requested_by: User, day: dt.date) -> list[Case]:
    return list(_filing_rows(requested_by).filter(step_due=day))
