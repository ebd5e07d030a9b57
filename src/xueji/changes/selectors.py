"""Every read of status-change cases, scoped to the requesting user (R2.2).

A school user sees the cases its school started or is the other party of; a district officer sees
the cases whose starting or other school lies under the jurisdiction; everyone else sees none. A
case outside the scope is the same 404 as a missing one. Lists cost a constant number of queries
however many cases they hold (the tests count them).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet
from django.http import Http404

from xueji.audit.models import AuditEvent
from xueji.changes import services as engine
from xueji.changes.kinds import Step, kind_of
from xueji.changes.kinds.base import Party
from xueji.changes.models import Case, CaseDocument, CaseEvent
from xueji.core import clock
from xueji.core.calendar import WorkingCalendar, provisional_warning
from xueji.core.errors import RuleViolation
from xueji.core.identity import mask_id_number
from xueji.org.models import Role
from xueji.students import selectors as student_selectors
from xueji.students.models import Enrollment, Student

CASE_READERS = (Role.REGISTRAR, Role.SCHOOL_APPROVER, Role.DISTRICT_OFFICER)
MAX_PK = 2**63 - 1  # BigAutoField: larger ids cannot exist
# How long a verification (核验, R10.3) lets the registrar start a transfer for the student found.
VERIFY_VALID = dt.timedelta(hours=24)
MSG_NOT_VERIFIED = (
    "请先按身份证号和姓名核验该学生的学籍（第十条：转入学校在线核验学籍），核验后 24 小时内可以发起转学。"
)
# The filter values the list pages and the API accept: a state, or every open state at once.
ACTIVE = "active"
STATE_FILTERS = {ACTIVE: "办理中（全部未办结）", **dict(Case.State.choices)}


def _scope(user: Any) -> Q | None:
    """The cases a user may read; None = none at all."""
    if user is None or not user.is_authenticated or not user.has_role(*CASE_READERS):
        return None
    if user.is_school_user:
        return Q(school_id=user.school_id) | Q(other_school_id=user.school_id)
    prefix = user.jurisdiction.scope_prefix
    return Q(school__district__code__startswith=prefix) | Q(other_school__district__code__startswith=prefix)


def _related(rows: QuerySet[Case]) -> QuerySet[Case]:
    # Everything a list row shows, and what kind.steps() and services.may_act() read: no query per row.
    return rows.select_related(
        "student",
        "school__district",
        "other_school__district",
        "owner_school",
        "owner_jurisdiction",
        "started_by",
    )


def _district_of(user: Any) -> Any:
    return user.jurisdiction if user.is_district_user else user.school.district


def late_cutoff(*, requested_by: Any, today: dt.date | None = None) -> dt.date:
    """The last working day up to today: a step is late once a working day after its due date has
    begun (core.calendar: a rest day right after the due date is not yet late). Counted in the
    user's own district, which owns every step of the user's inbox."""
    today = today or clock.today()
    calendar = WorkingCalendar(district=_district_of(requested_by))
    earliest = today - dt.timedelta(days=30)
    calendar.load(earliest, today)  # one query; then no day below costs another
    day = today
    while day > earliest and not calendar.is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def _late(cutoff: dt.date) -> Q:
    # Live, not only the nightly flag: a step due yesterday is late this morning (R10.7).
    return Q(state__in=Case.OPEN_STATES) & (Q(is_overdue=True) | Q(step_due__lt=cutoff))


def case_list(
    *,
    requested_by: Any,
    state: str = "",
    overdue: bool = False,
    kind: str = "",
) -> QuerySet[Case]:
    """The user's cases, newest first; ``state`` is a Case.State or "active" (every open state).
    Each row carries ``late``: its current step is past due (R10.7)."""
    scope = _scope(requested_by)
    if scope is None:
        return Case.objects.none()
    cutoff = late_cutoff(requested_by=requested_by)
    rows = _related(Case.objects.filter(scope)).annotate(
        late=ExpressionWrapper(_late(cutoff), output_field=BooleanField())
    )
    if state == ACTIVE:
        rows = rows.filter(state__in=Case.OPEN_STATES)
    elif state:
        rows = rows.filter(state=state)
    if kind:
        rows = rows.filter(kind=kind)
    if overdue:
        rows = rows.filter(_late(cutoff))
    return rows.order_by("-created_at", "-pk")


def case_get(*, requested_by: Any, pk: Any) -> Case:
    """One case, or 404 when it is missing or outside the user's scope (the same answer)."""
    scope = _scope(requested_by)
    try:
        number = int(pk)
    except (TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc
    if scope is None or not 0 < number <= MAX_PK:
        raise Http404
    try:
        return _related(Case.objects.filter(scope)).get(pk=number)
    except Case.DoesNotExist as exc:
        raise Http404 from exc


@dataclass(frozen=True)
class Event:
    """One line of a case's timeline, as people read it."""

    at: dt.datetime
    actor: str
    unit: str
    step_key: str
    action: str
    action_label: str
    comment: str


def _event(event: CaseEvent) -> Event:
    actor = event.actor
    comment = event.comment
    if event.action == CaseEvent.Action.EVIDENCE and "：" in comment:
        # The engine records the category's code; people read its name.
        from xueji.changes.forms import document_label

        code, name = comment.split("：", 1)
        comment = f"{document_label(code)}：{name}"
    return Event(
        at=event.at,
        actor=(actor.full_name or actor.username) if actor else "系统",
        unit=actor.unit_name if actor else "",
        step_key=event.step_key,
        action=event.action,
        action_label=event.get_action_display(),
        comment=comment,
    )


def case_events(*, requested_by: Any, case: Case) -> list[Event]:
    case_get(requested_by=requested_by, pk=case.pk)
    rows = case.events.select_related("actor__school", "actor__jurisdiction").order_by("at", "pk")
    return [_event(e) for e in rows]


def case_documents(*, requested_by: Any, case: Case) -> list[CaseDocument]:
    case_get(requested_by=requested_by, pk=case.pk)
    return list(case.documents.select_related("uploaded_by").order_by("uploaded_at", "pk"))


def case_document_get(*, requested_by: Any, pk: Any, case: Case | None = None) -> CaseDocument:
    """A document of a case the user may read (and of ``case``, when given); else 404."""
    try:
        number = int(pk)
    except (TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc
    if not 0 < number <= MAX_PK:
        raise Http404
    document = CaseDocument.objects.filter(pk=number).select_related("case").first()
    if document is None or (case is not None and document.case_id != case.pk):
        raise Http404
    document.case = case_get(requested_by=requested_by, pk=document.case_id)  # 404 outside scope
    return document


# --------------------------------------------------------------------------- what the viewer may do


def student_name(case: Case) -> str:
    if case.student_id:
        return case.student.name
    return (case.facts.get("external") or {}).get("name", "") or "—"


def student_masked_id(case: Case) -> str:
    """R21.1: case pages and lists show ID numbers masked, to every party."""
    if case.student_id:
        number = case.student.id_number
    else:
        number = (case.facts.get("external") or {}).get("id_number", "")
    return mask_id_number(number) if number else "—"


def from_school_name(case: Case) -> str:
    """Where the record comes from: the other school, or the external party a registrar described."""
    if case.other_school_id:
        return case.other_school.name
    external = case.facts.get("external") or {}
    where = f"{external.get('province', '')}{external.get('school', '')}"
    return f"{where}（系统外）" if where else "—"


@dataclass(frozen=True)
class Todo:
    """One line of an inbox: a case whose current step the user may act on."""

    case: Case
    step: Step
    late: bool

    @property
    def kind(self) -> str:
        return kind_of(self.case.kind).label

    @property
    def student(self) -> str:
        return student_name(self.case)

    @property
    def from_school(self) -> str:
        return from_school_name(self.case)


def current_step(case: Case) -> Step | None:
    if not case.step_key:
        return None
    try:
        return kind_of(case.kind).step(case, case.step_key)
    except KeyError:
        return None


def case_actions(*, requested_by: Any, case: Case) -> set[str]:
    """The verbs the user may use on the case now: the page shows these buttons, the API lists them.

    The services check again; this only keeps buttons away from people who would be refused.
    """
    user = requested_by
    actions: set[str] = set()
    if not case.is_open or user is None or not user.is_authenticated:
        return actions
    step = current_step(case)
    if step is not None and engine.may_act(user, case, step):
        actions.add("upload")
        if case.state in (Case.State.DRAFT, Case.State.RETURNED):
            actions.add("submit")
        else:
            actions.update(("approve", "reject", "return"))
    if user.has_role(Role.REGISTRAR) and user.school_id == case.school_id:
        actions.add("withdraw")  # only the starting school withdraws (services.case_withdraw)
    if (
        case.kind == "transfer"
        and user.has_role(Role.DISTRICT_OFFICER)
        and case.facts.get("needs_exception")
        and not case.facts.get("exception")
        and case.school.district.code.startswith(user.jurisdiction.scope_prefix)
    ):
        actions.add("exception")  # R10.9
    return actions


def inbox(*, requested_by: Any, today: dt.date | None = None) -> list[Todo]:
    """Open cases whose current step the user may act on, late ones first, then by due date.

    The database narrows to the steps owned by the user's school or bureau; services.may_act then
    decides exactly (the step's roles), from what the query already fetched.
    """
    user = requested_by
    if _scope(user) is None:
        return []
    if user.is_school_user:
        owner = Q(owner_school_id=user.school_id)
    else:
        owner = Q(owner_jurisdiction__code__startswith=user.jurisdiction.scope_prefix)
    cutoff = late_cutoff(requested_by=user, today=today)
    rows = (
        _related(Case.objects.filter(owner, state__in=Case.OPEN_STATES))
        .annotate(late=ExpressionWrapper(_late(cutoff), output_field=BooleanField()))
        .order_by("-late", F("step_due").asc(nulls_last=True), "pk")
    )
    todos = []
    for case in rows:
        step = current_step(case)
        if step is not None and engine.may_act(user, case, step):
            todos.append(Todo(case=case, step=step, late=bool(case.late)))  # type: ignore[attr-defined]
    return todos


def late_by_owner(*, requested_by: Any, today: dt.date | None = None) -> list[dict[str, Any]]:
    """R10.7: late steps of the cases an officer oversees, counted per party whose turn it is."""
    user = requested_by
    scope = _scope(user)
    if scope is None or not user.is_district_user:
        return []
    cutoff = late_cutoff(requested_by=user, today=today)
    rows = (
        Case.objects.filter(scope)
        .filter(_late(cutoff))
        .values("owner_school__name", "owner_school__code", "owner_jurisdiction__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "owner_school__code", "owner_jurisdiction__name")
    )
    return [
        {
            "unit": row["owner_school__name"] or f"{row['owner_jurisdiction__name']}教育局",
            "code": row["owner_school__code"] or "",
            "n": row["n"],
        }
        for row in rows
    ]


# --------------------------------------------------------------------------- the Tuesday filing (R10.4)


def _filing_rows(user: Any) -> QuerySet[Case]:
    if _scope(user) is None or not user.has_role(Role.DISTRICT_OFFICER):
        return Case.objects.none()
    return (
        _related(
            Case.objects.filter(
                state=Case.State.OPEN,
                step_key="filing",
                owner_jurisdiction__code__startswith=user.jurisdiction.scope_prefix,
            )
        )
        .order_by("step_due", "created_at", "pk")
        .prefetch_related("documents")
    )  # the summary lists them


def filing_batches(*, requested_by: Any) -> list[tuple[dt.date, list[Case]]]:
    """The cases of each 《转学备案汇总表》: open cases at the filing step of the officer's bureau,
    grouped by their filing Tuesday (the step's due date), earliest first."""
    rows = list(_filing_rows(requested_by))
    return [(day, list(cases)) for day, cases in itertools.groupby(rows, key=lambda c: c.step_due)]


def filing_batch(*, requested_by: Any, day: dt.date) -> list[Case]:
    return list(_filing_rows(requested_by).filter(step_due=day))


# --------------------------------------------------------------------------- the case page


@dataclass
class TimelineStep:
    step: Step
    status: str  # done | current | stopped | future
    owner: str
    events: list[Event] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return {"done": "已完成", "current": "当前环节", "stopped": "终止于此", "future": "待办"}[self.status]


def owner_label(case: Case, step: Step) -> str:
    school, bureau = engine.owner_of(case, step)
    if step.party == Party.EXTERNAL:
        external = case.facts.get("external") or {}
        where = f"{external.get('province', '')}{external.get('school', '')}" or "外省转出方"
        return f"{where}（由{bureau_label(bureau)}登记）"
    if school is not None:
        return school.name
    return bureau_label(bureau)


def bureau_label(bureau: Any) -> str:
    return f"{bureau.name}教育局" if bureau is not None else "区教育局"


def case_timeline(*, case: Case, events: list[Event]) -> tuple[list[TimelineStep], list[Event]]:
    """Every step of the case with its past events, and the events outside any step (办结).

    Done steps lie before the current one; a rejected or withdrawn case stops at its step; a step
    a correction sent the case back past shows its earlier events but is to be done again.
    """
    steps = kind_of(case.kind).steps(case)
    keys = [s.key for s in steps]
    current = keys.index(case.step_key) if case.step_key in keys else None
    rows = []
    for index, step in enumerate(steps):
        if case.state == Case.State.COMPLETED:
            status = "done"
        elif current is None or index > current:
            status = "future"
        elif index < current:
            status = "done"
        else:
            status = "current" if case.is_open else "stopped"
        rows.append(
            TimelineStep(
                step=step,
                status=status,
                owner=owner_label(case, step),
                events=[e for e in events if e.step_key == step.key],
            )
        )
    rest = [e for e in events if e.step_key not in keys]
    return rows, rest


@dataclass(frozen=True)
class Due:
    """Where the current step stands against its due date, in working days (R10.7)."""

    date: dt.date
    remaining: int
    overdue_days: int
    provisional: bool
    warning: str

    @property
    def text(self) -> str:
        if self.overdue_days:
            return f"已逾期 {self.overdue_days} 个工作日"
        if self.remaining:
            return f"剩余 {self.remaining} 个工作日"
        return "今日截止"


def case_due(case: Case, today: dt.date | None = None) -> Due | None:
    if not case.is_open or case.step_due is None or case.step_started_on is None:
        return None
    district = case.owner_school.district if case.owner_school_id else case.owner_jurisdiction
    calendar = WorkingCalendar(district=district)
    # The step's allowance in working days: 10 for most steps; for the Tuesday filing (R10.4) the
    # working days up to that Tuesday.
    n = calendar.working_days_between(case.step_started_on, case.step_due)
    status = calendar.deadline_status(case.step_started_on, n, today=today or clock.today())
    warning = status.warning
    if case.due_provisional and not warning:
        warning = provisional_warning([case.step_due.year])
    return Due(
        date=case.step_due,
        remaining=status.remaining,
        overdue_days=status.elapsed - n if status.overdue else 0,
        provisional=case.due_provisional or status.provisional,
        warning=warning,
    )


def missing_evidence(case: Case) -> dict[str, str]:
    return engine.missing_evidence(case) if case.is_open else {}


# --------------------------------------------------------------------------- transfers


def verified_student(*, requested_by: Any, pk: Any) -> Student:
    """A student this registrar found by ID number + name (R10.3) within the last 24 hours.

    The verification's access-log row is the proof: a registrar cannot open a transfer (and so
    learn a name) for a student id guessed rather than verified.
    """
    try:
        number = int(pk)
    except (TypeError, ValueError, OverflowError):
        number = 0
    verified = (
        0 < number <= MAX_PK
        and requested_by.has_role(Role.REGISTRAR)
        and AuditEvent.objects.filter(
            action="transfer.verify",
            actor=requested_by,
            subject_type="Student",
            subject_id=str(number),
            at__gte=clock.now() - VERIFY_VALID,
        ).exists()
    )
    student = Student.objects.filter(pk=number, enrollments__is_current=True).first() if verified else None
    if student is None:
        raise RuleViolation(rule="R10.3", code="not_verified", field="student_id", message=MSG_NOT_VERIFIED)
    return student


@dataclass(frozen=True)
class Notice:
    """A refusal the registrar should read on the verification card, before filling in the form.
    Advisory only: transfer_start decides, with the same rule."""

    rule: str
    message: str
    blocking: bool
    case: Case | None = None  # the open case, when the user may open it


def transfer_notices(*, requested_by: Any, enrollment: Enrollment) -> list[Notice]:
    """What stands in the way of a transfer of the verified student into the user's school."""
    from xueji.core.calendar import months_window_last_day, semester_of

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
    open_case = Case.objects.filter(student_id=enrollment.student_id, state__in=Case.OPEN_STATES).first()
    if open_case is not None:
        visible = _scope(user) is not None and case_list(requested_by=user).filter(pk=open_case.pk).exists()
        notices.append(
            Notice(
                "R10.10",
                engine.MSG_OPEN_CASE.format(number=open_case.number),
                True,
                open_case if visible else None,
            )
        )
    if enrollment.status != Enrollment.Status.ENROLLED:
        notices.append(
            Notice(
                "R10.11",
                f"该学生学籍状态为“{enrollment.get_status_display()}”，只有在读学生可以办理转学。",
                True,
            )
        )
    same_province = enrollment.school.district.code[:2] == user.school.district.code[:2]
    today = clock.today()
    semester = semester_of(today)
    if same_province and (semester is None or today > months_window_last_day(semester.start, 2)):
        when = f"本学期 {semester.start:%Y年%m月%d日} 开学，" if semester else "现不在学期内，"
        notices.append(
            Notice(
                "R10.7",
                f"省内转学一般在新学期开学后两个月内办理，{when}已超出办理时间（第十条第三款）。",
                True,
            )
        )
    return notices


def verified_enrollment(student: Student) -> Enrollment:
    return Enrollment.objects.select_related("school__district").get(student=student, is_current=True)


def unplaced_transfers(*, requested_by: Any) -> QuerySet[Enrollment]:
    """R10.10: students received by transfer and not yet placed in a class (分班), for the registrar."""
    if not requested_by.has_role(Role.REGISTRAR):
        return Enrollment.objects.none()
    return student_selectors.enrollment_search(requested_by=requested_by).filter(
        origin=Enrollment.Origin.TRANSFER, school_class__isnull=True
    )
