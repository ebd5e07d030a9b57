"""Every read of status-change cases, scoped to the requesting user (R2.2).

A school user sees the cases its school started or is the other party of; a district officer sees
the cases whose starting or other school lies under the jurisdiction; everyone else sees none. A
case outside the scope is the same 404 as a missing one. Lists cost a constant number of queries
however many cases they hold (the tests count them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone

from xueji.changes import services as engine
from xueji.changes.kinds.base import Party, Step
from xueji.changes.kinds.registry import KINDS, kind_of
from xueji.changes.models import Case, CaseDocument, CaseEvent
from xueji.core import clock
from xueji.core.calendar import WorkingCalendar, provisional_warning
from xueji.core.identity import mask_id_number
from xueji.org.models import Jurisdiction, Role, School

CASE_READERS = (Role.REGISTRAR, Role.SCHOOL_APPROVER, Role.DISTRICT_OFFICER)
MAX_PK = 2**63 - 1  # BigAutoField: larger ids cannot exist
# The filter values the list pages and the API accept: a state, or every open state at once.
ACTIVE = "active"
PLATFORM = "platform"
STATE_FILTERS = {
    ACTIVE: "办理中（全部未办结）",
    **dict(Case.State.choices),
    PLATFORM: "已办结、尚未在省平台办理",  # R17.1
}


def scope_of(user: Any) -> Q | None:
    """The cases a user may read; None = none at all."""
    if user is None or not user.is_authenticated or not user.has_role(*CASE_READERS):
        return None
    if user.is_school_user:
        return Q(school_id=user.school_id) | Q(other_school_id=user.school_id)
    # The jurisdiction's schools as a subquery, not joins: the case lists then filter on the
    # cases' own columns, which keeps their planning short (bench/cases.py).
    schools = School.objects.filter(district__code__startswith=user.jurisdiction.scope_prefix).values("pk")
    return Q(school_id__in=schools) | Q(other_school_id__in=schools)


def with_related(rows: QuerySet[Case]) -> QuerySet[Case]:
    # Everything a list row shows, and what kind.steps() and services.may_act() read: no query per row.
    return rows.select_related(
        "student",
        "school__district",
        "other_school__district",
        "owner_school",
        "owner_jurisdiction",
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
    mine: bool = False,
) -> QuerySet[Case]:
    """The user's cases, newest first; ``state`` is a Case.State or "active" (every open state);
    ``mine``: only those whose current step is the user's, in the inbox's order (all of them,
    where the home page shows the first few). Each row carries ``late``: its current step is past
    due (R10.7)."""
    scope = scope_of(requested_by)
    if scope is None:
        return Case.objects.none()
    cutoff = late_cutoff(requested_by=requested_by)
    rows = with_related(Case.objects.filter(scope)).annotate(
        late=ExpressionWrapper(_late(cutoff), output_field=BooleanField())
    )
    if mine:
        turn = _turn(requested_by)
        if turn is None:
            return Case.objects.none()
        rows = rows.filter(turn)
    if state == ACTIVE:
        rows = rows.filter(state__in=Case.OPEN_STATES)
    elif state == PLATFORM:
        rows = rows.filter(state=Case.State.COMPLETED, platform_ref="")
    elif state:
        rows = rows.filter(state=state)
    if kind:
        rows = rows.filter(kind=kind)
    if overdue:
        rows = rows.filter(_late(cutoff))
    return rows.order_by(*INBOX_ORDER) if mine else rows.order_by("-created_at", "-pk")


def case_get(*, requested_by: Any, pk: Any) -> Case:
    """One case, or 404 when it is missing or outside the user's scope (the same answer)."""
    scope = scope_of(requested_by)
    try:
        number = int(pk)
    except (TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc
    if scope is None or not 0 < number <= MAX_PK:
        raise Http404
    try:
        return with_related(Case.objects.filter(scope)).select_related("started_by").get(pk=number)
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
    if event.action in (CaseEvent.Action.EVIDENCE, CaseEvent.Action.DETACH) and "：" in comment:
        # The engine records the category's code; people read its name.
        code, name = comment.split("：", 1)
        comment = f"{kind_of(event.case.kind).document_label(code)}：{name}"
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
    events = []
    for row in rows:
        row.case = case  # the kind names the documents' categories
        events.append(_event(row))
    return events


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
    if case.student is not None:
        return case.student.name
    return kind_of(case.kind).student_label(case)[0] or "—"


def student_masked_id(case: Case) -> str:
    """R21.1: case pages and lists show ID numbers masked, to every party."""
    number = case.student.id_number if case.student is not None else kind_of(case.kind).student_label(case)[1]
    return mask_id_number(number) if number else "—"


def counterpart(case: Case) -> str:
    """The other party as lists show it: the other school, or who the case describes."""
    return kind_of(case.kind).counterpart(case)


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
    def counterpart(self) -> str:
        return counterpart(self.case)

    @property
    def route(self) -> str:
        return kind_of(self.case.kind).route(self.case)


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
            actions.update(("approve", "reject", "return") if step.may_reject else ("approve", "return"))
    if user.has_role(Role.REGISTRAR) and user.school_id == case.school_id:
        actions.add("withdraw")  # only the starting school withdraws (services.case_withdraw)
    for extra in kind_of(case.kind).extra_actions():
        if user.has_role(*extra.roles) and extra.allowed(user, case):
            actions.add(extra.key)
    return actions


# The home page shows this many to-dos; the case list's 待我办理 filter pages through all of them.
INBOX_SHOWN = 50
INBOX_ORDER = ("-late", F("step_due").asc(nulls_last=True), "pk")  # late first, then the earliest due


def _turn(user: Any) -> Q | None:
    """The open cases whose current step is the user's, as a filter: owned by the user's school or
    bureau, at a step (of its kind's ``every_step``) whose roles include the user's role. This is
    what services.may_act decides case by case, so the database can count the inbox and cut a page
    of it (the engine contract test checks the two agree at every step of every kind)."""
    if scope_of(user) is None:
        return None
    steps = Q()
    for kind in KINDS.values():
        keys = sorted({step.key for step in kind.every_step if user.has_role(*step.roles)})
        if keys:
            steps |= Q(kind=kind.key, step_key__in=keys)
    if not steps:
        return None
    if user.is_school_user:
        owner = Q(owner_school_id=user.school_id)
    else:
        bureaus = Jurisdiction.objects.filter(code__startswith=user.jurisdiction.scope_prefix).values("pk")
        owner = Q(owner_jurisdiction_id__in=bureaus)
    return Q(state__in=Case.OPEN_STATES) & owner & steps


def inbox(
    *, requested_by: Any, today: dt.date | None = None, limit: int | None = INBOX_SHOWN, offset: int = 0
) -> list[Todo]:
    """Open cases whose current step the user may act on, late ones first, then by due date: the
    first ``limit`` of them (None: all), from ``offset``."""
    user = requested_by
    turn = _turn(user)
    if turn is None:
        return []
    cutoff = late_cutoff(requested_by=user, today=today)
    late = ExpressionWrapper(_late(cutoff), output_field=BooleanField())
    chosen = Case.objects.filter(turn)
    if limit is not None:
        # The page is chosen on the cases' own columns first (one query), then only its rows are
        # joined to what they show: an officer's inbox holds thousands of to-dos (bench/cases.py).
        # Two queries, not a subquery: PostgreSQL misjudges a LIMIT subquery's size and joins all.
        page = chosen.annotate(late=late).order_by(*INBOX_ORDER).values_list("pk", flat=True)
        chosen = Case.objects.filter(pk__in=list(page[offset : offset + limit]))
    rows = with_related(chosen).annotate(late=late).order_by(*INBOX_ORDER)
    todos = []
    for case in rows:
        step = current_step(case)
        # The filter already chose these; may_act is the services' own word on each.
        if step is not None and engine.may_act(user, case, step):
            todos.append(Todo(case=case, step=step, late=bool(case.late)))  # type: ignore[attr-defined]
    return todos


def inbox_count(*, requested_by: Any) -> int:
    """How many open cases wait for the user (all of them, however many the home page shows)."""
    turn = _turn(requested_by)
    return 0 if turn is None else Case.objects.filter(turn).count()


def late_by_owner(*, requested_by: Any, today: dt.date | None = None) -> list[dict[str, Any]]:
    """R10.7: late steps of the cases an officer oversees, counted per party whose turn it is."""
    user = requested_by
    scope = scope_of(user)
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


def counts_by_kind_and_month(
    *, requested_by: Any, months: int = 12, today: dt.date | None = None
) -> dict[tuple[str, str], int]:
    """The user's cases started in the last ``months`` months, per (kind, "YYYY-MM"): the chart of
    status changes on the home page. One GROUP BY; the month is cut in Python from the day."""
    scope = scope_of(requested_by)
    if scope is None:
        return {}
    day = today or clock.today()
    first = (day.replace(day=1) - dt.timedelta(days=31 * (months - 1))).replace(day=1)
    rows = (
        Case.objects.filter(scope, created_at__date__gte=first)
        .annotate(day=TruncDate("created_at"))
        .values_list("kind", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[tuple[str, str], int] = {}
    for kind, on, n in rows:
        key = (kind, f"{on:%Y-%m}")
        counts[key] = counts.get(key, 0) + n
    return counts


# --------------------------------------------------------------------------- the case page


@dataclass
class TimelineStep:
    step: Step
    status: str  # done | current | stopped | future
    owner: str
    working_days: int | None = None  # the party's allowance, as its district's policy says
    events: list[Event] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return {"done": "已完成", "current": "当前环节", "stopped": "终止于此", "future": "待办"}[self.status]


def owner_label(case: Case, step: Step) -> str:
    school, bureau = engine.owner_of(case, step)
    if step.party == Party.EXTERNAL:
        recorder = school.name if school is not None else bureau_label(bureau)
        return f"{kind_of(case.kind).external_party(case)}（由{recorder}登记）"
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
        school, bureau = engine.owner_of(case, step)
        rows.append(
            TimelineStep(
                step=step,
                status=status,
                owner=owner_label(case, step),
                working_days=engine.step_days(step, school.district if school is not None else bureau),
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
    district = case.owner_school.district if case.owner_school is not None else case.owner_jurisdiction
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


def platform_pending(*, requested_by: Any) -> QuerySet[Case]:
    """R17.1: completed changes not yet entered on the provincial platform: a school's own (it
    makes the change there), or every school's in an officer's jurisdiction; oldest first."""
    user = requested_by
    scope = scope_of(user)
    if scope is None:
        return Case.objects.none()
    own = (
        Q(school_id=user.school_id)
        if user.is_school_user
        else Q(school__district__code__startswith=user.jurisdiction.scope_prefix)
    )
    return with_related(Case.objects.filter(own, state=Case.State.COMPLETED, platform_ref="")).order_by(
        "closed_at", "pk"
    )


def student_case_actions(user: Any, student: Any, enrollment: Any) -> list[tuple[str, str]]:
    """The buttons on a student's page: for the school's registrar, each kind that may start for
    the student's status; with an open status-changing case, that case instead (R17.2)."""
    from django.urls import reverse

    from xueji.changes.kinds.registry import KINDS

    if not (user.has_role(Role.REGISTRAR) and user.school_id == enrollment.school_id):
        return []
    open_case = engine.open_cases(student).first()
    if open_case is not None:
        return [(reverse("changes:detail", args=[open_case.pk]), f"正在办理：{open_case.number}")]
    return [
        (f"{reverse(kind.student_action[0])}?student={student.pk}", kind.student_action[1])
        for kind in KINDS.values()
        if kind.student_action and enrollment.status in kind.for_statuses
    ]


def card_changes(user: Any, student_ids: list[int]) -> dict[int, list[tuple[str, str, str, str]]]:
    """The completed cases of these students that the user may read, oldest first, by student, as
    a 学籍卡 lists them (R17.1): number, kind, day completed, provincial platform reference. One query."""
    scope = scope_of(user)
    found: dict[int, list[tuple[str, str, str, str]]] = {}
    if scope is None or not student_ids:
        return found
    rows = Case.objects.filter(scope, student_id__in=student_ids, state=Case.State.COMPLETED)
    for case in rows.order_by("closed_at", "pk"):
        closed = f"{timezone.localtime(case.closed_at):%Y-%m-%d}" if case.closed_at else ""
        found.setdefault(case.student_id, []).append(  # type: ignore[arg-type]
            (case.number, kind_of(case.kind).label, closed, case.platform_ref)
        )
    return found
