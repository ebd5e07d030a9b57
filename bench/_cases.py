"""Synthetic status-change cases and 休学 periods for bench/cases.py and bench/daily.py.

Test data, written the way gen_demo writes students: straight into the real tables with COPY (the
services would take hours for 100,000 cases, and writing them is not what is measured). What the
engine would have made is taken from the product itself, so the lists see what real cases show:
each case's steps come from its kind (``KINDS[key].steps(case)``, branches included), the owner of
the current step from ``services.owner_of``, step and whole-case due dates from the district's
``WorkingCalendar`` and ``org.policy`` limits, numbers in the engine's format.

Every generated case is started by one account (``bench_cases``); both scripts remove all cases of
that account (with their timeline, documents and audit events) before writing their own, so they
replace each other's cases. Generated status periods carry the reference ``BENCH-…`` and are
likewise replaced, with their events and the enrollments' status.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import _common  # noqa: F401  (sets Django up first)
from django.db import connection

from xueji.changes import services as engine
from xueji.changes.kinds.registry import KINDS
from xueji.changes.models import Case, CaseEvent
from xueji.core.calendar import WorkingCalendar
from xueji.org.models import Jurisdiction, Role, School, User
from xueji.students.models import Enrollment, StatusPeriod, StatusPeriodEvent

BENCH_USER = "bench_cases"
PERIOD_REFERENCE = "BENCH-"
TZ = ZoneInfo("Asia/Shanghai")

# Kinds by share of all cases (transfers are most of the work of a district); a kind registered
# later and not listed here gets a small share, so every registered kind is present.
KIND_SHARES = {
    "transfer": 0.55,
    "suspension": 0.14,
    "resumption": 0.10,
    "extension": 0.03,
    "abroad": 0.09,
    "abroad_return": 0.09,
    "transfer_out": 0.02,
}
OTHER_KIND_SHARE = 0.02
# Closed cases, by state (the rest of a case's life is open: see Plan.open_share).
CLOSED_SHARES = {
    Case.State.COMPLETED: 0.82,
    Case.State.REJECTED: 0.05,
    Case.State.WITHDRAWN: 0.08,
    Case.State.LAPSED: 0.05,
}
OPEN_SHARES = {Case.State.DRAFT: 0.30, Case.State.OPEN: 0.60, Case.State.RETURNED: 0.10}
TRANSFER_EXTERNAL = 0.05  # from another province: no student record here, no other school
TRANSFER_OTHER_DISTRICT = 0.15  # the transfer-in school lies in another district


@dataclass(frozen=True)
class Plan:
    """How the generated cases look on ``today``."""

    today: dt.date
    open_share: float = 0.05  # draft + open + returned: a few weeks' intake of a 3-year history
    late_share: float = 0.15  # open steps past their due date
    flagged: bool = True  # late steps already flagged by the daily runs of earlier days
    draft_max_age: int = 27  # calendar days; 20 working days lapse a draft (R17.2)
    years: int = 3  # closed cases spread over this many years


def say(message: str) -> None:
    _common.say(message)


def bench_user() -> User:
    """The account that 'started' every generated case (a city-level admin: it reads nothing)."""
    city = Jurisdiction.objects.get(code="410100")
    user, _ = User.objects.get_or_create(
        username=BENCH_USER,
        defaults={"role": Role.DISTRICT_ADMIN, "jurisdiction": city, "full_name": "基准测试数据"},
    )
    return user


def persona(role: str, school: School) -> User:
    """A registrar or school approver of ``school`` (created once)."""
    user, _ = User.objects.get_or_create(
        username=f"bench_{role}_{school.code}",
        defaults={"role": role, "school": school, "full_name": "基准测试"},
    )
    return user


# --------------------------------------------------------------------------- removing


def remove_cases() -> int:
    """Delete every generated case with its events, documents and audit events; returns the count."""
    user = bench_user()
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM audit_auditevent a USING changes_case c WHERE c.started_by_id = %s "
            "AND a.subject_type = 'Case' AND a.subject_id = c.id::text",
            [user.pk],
        )
        for table in ("changes_caseevent", "changes_casedocument"):
            cursor.execute(
                f"DELETE FROM {table} t USING changes_case c WHERE t.case_id = c.id AND c.started_by_id = %s",  # noqa: S608
                [user.pk],
            )
        cursor.execute("DELETE FROM changes_case WHERE started_by_id = %s", [user.pk])
        return cursor.rowcount


def remove_periods() -> int:
    """Delete the generated status periods, their events and audit events; the students' current
    enrollments go back to 在读."""
    like = PERIOD_REFERENCE + "%"
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM audit_auditevent a USING students_statusperiod p WHERE p.reference LIKE %s "
            "AND a.action = 'enrollment.period_event' AND a.subject_type = 'Student' "
            "AND a.subject_id = p.student_id::text",
            [like],
        )
        cursor.execute(
            "DELETE FROM students_statusperiodevent e USING students_statusperiod p "
            "WHERE e.period_id = p.id AND p.reference LIKE %s",
            [like],
        )
        cursor.execute(
            "UPDATE students_enrollment e SET status = %s FROM students_statusperiod p "
            "WHERE p.reference LIKE %s AND e.id = p.enrollment_id AND e.is_current",
            [Enrollment.Status.ENROLLED, like],
        )
        cursor.execute("DELETE FROM students_statusperiod WHERE reference LIKE %s", [like])
        return cursor.rowcount


# --------------------------------------------------------------------------- writing


def reserve_ids(model: Any, n: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, n],
        )
        return [pk for (pk,) in cursor.fetchall()]


def copy_rows(model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """COPY ``rows`` (attname → value) into the model's table. A column the rows do not name gets
    the field's default, so a field added to the model later does not break the benchmark."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields]
    given = set(rows[0])
    defaults = {f.attname: _plain(f.get_default()) for f in fields if f.attname not in given}
    names = [f.attname for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([_plain(row[n]) if n in row else defaults[n] for n in names])


def _plain(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


# --------------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Pupil:
    student_id: int
    school_id: int
    grade: int


def sample_students(district_codes: Sequence[str], n: int, seed: int) -> list[Pupil]:
    """``n`` distinct current students (在读) of the districts, in a random order that depends
    only on the seed and the students (not on where rows lie): one case each, so the one-open-case-per-student constraint always holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.student_id, e.school_id, e.grade FROM students_enrollment e "
            "JOIN org_school s ON s.id = e.school_id JOIN org_jurisdiction d ON d.id = s.district_id "
            "WHERE e.is_current AND e.status = %s AND d.code = ANY(%s) "
            "ORDER BY md5(e.student_id::text || %s), e.student_id LIMIT %s",
            [Enrollment.Status.ENROLLED, list(district_codes), str(seed), n],
        )
        return [Pupil(*row) for row in cursor.fetchall()]


class CaseMaker:
    """Builds case rows (and their timeline) the way the engine would have left them on a day."""

    def __init__(self, plan: Plan, district_codes: Sequence[str], seed: int):
        self.plan = plan
        self.rng = random.Random(seed)
        self.starter = bench_user()
        schools = list(
            School.objects.filter(district__code__startswith="4101")
            .select_related("district")
            .order_by("code")
        )
        self.schools = {s.pk: s for s in schools}
        self.by_district: dict[str, list[School]] = {}
        for school in schools:
            self.by_district.setdefault(school.district.code, []).append(school)
        self.home = [code for code in district_codes if code in self.by_district]
        keys = list(KINDS)
        self.kinds = keys
        self.kind_weights = [KIND_SHARES.get(k, OTHER_KIND_SHARE) for k in keys]
        self.calendars: dict[int, WorkingCalendar] = {}
        self._due_cache: dict[tuple[Any, ...], dt.date | None] = {}

    # ------------------------------------------------------------------ dates

    def _calendar(self, district: Jurisdiction) -> WorkingCalendar:
        calendar = self.calendars.get(district.pk)
        if calendar is None:
            calendar = self.calendars[district.pk] = WorkingCalendar(district=district)
            last = self.plan.today + dt.timedelta(days=120)
            calendar.load(self.plan.today - dt.timedelta(days=366 * self.plan.years + 120), last)
        return calendar

    def _step_due(self, step: Any, start: dt.date, district: Jurisdiction) -> dt.date | None:
        """The engine's due date for a step started on ``start`` (services._due, memoised)."""
        key = (step.key, step.days.key if step.days else None, start, district.pk)
        if key not in self._due_cache:
            if step.due is not None:  # e.g. the Tuesday filing of a transfer (R10.4)
                due = step.due(start, district)[0]
            elif step.days is not None:
                due = self._calendar(district).add_working_days(start, engine.step_days(step, district)).date
            else:
                due = None
            self._due_cache[key] = due
        return self._due_cache[key]

    def _working_days(self, start: dt.date, n: int, district: Jurisdiction) -> dt.date:
        key = ("n", n, start, district.pk)
        if key not in self._due_cache:
            self._due_cache[key] = self._calendar(district).add_working_days(start, n).date
        return self._due_cache[key]  # type: ignore[return-value]

    def _at(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(
            day, dt.time(8 + self.rng.randrange(10), self.rng.randrange(60), self.rng.randrange(60)), TZ
        )

    def _days_ago(self, low: int, high: int) -> dt.date:
        return self.plan.today - dt.timedelta(days=self.rng.randint(low, high))

    # ------------------------------------------------------------------ parties

    def _school_for(self, codes: Sequence[str], grade: int, not_id: int) -> School | None:
        pool = self.by_district[self.rng.choice(codes)]
        for _ in range(20):
            school = pool[self.rng.randrange(len(pool))]
            if school.pk != not_id and school.grade_from <= grade <= school.grade_to:
                return school
        return None

    def _parties(self, kind: str, pupil: Pupil) -> tuple[School, School | None, int | None, dict]:
        """(starting school, other school, student id, facts) of a case about ``pupil``."""
        own = self.schools[pupil.school_id]
        rng = self.rng
        today = self.plan.today
        guardian = "基准监护人"
        if kind == "transfer":
            facts: dict[str, Any] = {
                "grade": pupil.grade,
                "grounds": rng.choice(("household_moved", "preferential", "migrant_child")),
                "nature": rng.choice(("returning", "migrant", "other")),
                "scope": "intra_province",
            }
            r = rng.random()
            if r < TRANSFER_EXTERNAL:  # from another province: the student is not here yet
                facts["scope"] = "cross_province"
                facts["external"] = {
                    "name": "外省学生",
                    "id_number": "110101201401010011",
                    "province": "河北省",
                    "school": "石家庄市某小学",
                    "grade": str(pupil.grade),
                }
                return own, None, None, facts
            elsewhere = [code for code in self.by_district if code != own.district.code]
            cross = r < TRANSFER_EXTERNAL + TRANSFER_OTHER_DISTRICT and elsewhere
            new = self._school_for(elsewhere if cross else [own.district.code], pupil.grade, own.pk)
            if new is None:
                return own, None, None, {**facts, "external": {"name": "外省学生", "grade": str(pupil.grade)}}
            return new, own, pupil.student_id, facts  # the student's own school is the transfer-out one
        day = today - dt.timedelta(days=rng.randint(0, 60))
        facts = {"grade": pupil.grade, "guardian_name": guardian}
        if kind == "suspension":
            facts.update(
                ground="illness",
                starts_on=day.isoformat(),
                ends_on=(day + dt.timedelta(days=364)).isoformat(),
            )
        elif kind == "extension":
            facts.update(current_ends_on=day.isoformat(), ends_on=(day + dt.timedelta(days=365)).isoformat())
        elif kind == "resumption":
            other = rng.random() < 0.2 and pupil.grade < 9
            facts.update(resume_on=day.isoformat(), requested_grade=pupil.grade + (1 if other else 0))
        elif kind == "abroad":
            facts.update(leaves_on=day.isoformat(), school_abroad="新加坡某学校")
        elif kind == "abroad_return":
            facts.update(returns_on=day.isoformat())
        elif kind == "transfer_out":
            facts.update(to_province="北京市", to_school="北京市某小学", requested_on=day.isoformat())
        return own, None, pupil.student_id, facts

    # ------------------------------------------------------------------ one case

    def case(self, pupil: Pupil) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """One case row (without id and number) and its timeline (without ids)."""
        rng, plan, today = self.rng, self.plan, self.plan.today
        key = rng.choices(self.kinds, self.kind_weights)[0]
        kind = KINDS[key]
        school, other, student_id, facts = self._parties(key, pupil)
        case = Case(kind=key, school=school, other_school=other, student_id=student_id, facts=facts)
        steps = kind.steps(case)
        if rng.random() < plan.open_share:
            state = rng.choices(list(OPEN_SHARES), list(OPEN_SHARES.values()))[0]
        else:
            state = rng.choices(list(CLOSED_SHARES), list(CLOSED_SHARES.values()))[0]
        row: dict[str, Any] = {
            "kind": key,
            "student_id": student_id,
            "state": state,
            "facts": facts,
            "exclusive": kind.status_changing,
            "school_id": school.pk,
            "other_school_id": other.pk if other else None,
            "step_key": "",
            "owner_school_id": None,
            "owner_jurisdiction_id": None,
            "step_started_on": None,
            "step_due": None,
            "due_provisional": False,
            "is_overdue": False,
            "case_started_on": None,
            "case_due": None,
            "case_overdue": False,
            "platform_ref": "",
            "platform_on": None,
            "started_by_id": self.starter.pk,
            "closed_at": None,
        }
        # Where the case stands: its current step, when it started, when the case was created.
        if state == Case.State.DRAFT:
            index, start = 0, self._days_ago(0, plan.draft_max_age)
            created = start
        elif state == Case.State.RETURNED:
            index, start = 0, self._days_ago(0, 14)
            created = start - dt.timedelta(days=rng.randint(5, 40))
        elif state == Case.State.OPEN:
            index = rng.randrange(1, len(steps))
            late = rng.random() < plan.late_share
            start = self._days_ago(16, 75) if late else self._days_ago(0, 12)
            created = start - dt.timedelta(days=rng.randint(1, 7) * index)
        else:  # closed: somewhere in the last years
            created = self._days_ago(20, 365 * plan.years)
            if state == Case.State.LAPSED:
                index, start = 0, created
                closed = created + dt.timedelta(days=rng.randint(28, 35))
            elif state == Case.State.COMPLETED:
                index, start = len(steps), None
                closed = created + dt.timedelta(days=rng.randint(5, 60))
            else:  # rejected at a later step; withdrawn at any
                low = 1 if state == Case.State.REJECTED else 0
                index = rng.randrange(low, len(steps))
                start = created + dt.timedelta(days=rng.randint(1, 7) * index)
                closed = start + dt.timedelta(days=rng.randint(0, 10))
            row["closed_at"] = self._at(min(closed, today))
        row["created_at"] = self._at(created)
        step = steps[index] if index < len(steps) else None
        if step is not None and start is not None:
            owner_school, bureau = engine.owner_of(case, step)
            district = owner_school.district if owner_school is not None else bureau
            due = self._step_due(step, start, district)
            row.update(
                step_key=step.key,
                owner_school_id=owner_school.pk if owner_school else None,
                owner_jurisdiction_id=bureau.pk if bureau else None,
                step_started_on=start,
                step_due=due,
                is_overdue=bool(
                    plan.flagged and state in Case.OPEN_STATES and due and due < today - dt.timedelta(days=1)
                ),
            )
        # The case's own clock (R10.7), from the step that starts it.
        clock_at = next((i for i, s in enumerate(steps) if s.starts_case_clock), None)
        if kind.case_days is not None and clock_at is not None and index >= clock_at:
            base = start if start is not None else created + dt.timedelta(days=7)
            began = base if index == clock_at else base - dt.timedelta(days=rng.randint(2, 12))
            due = self._working_days(began, kind.case_days.value(school.district), school.district)
            row.update(
                case_started_on=began,
                case_due=due,
                case_overdue=bool(
                    plan.flagged and state == Case.State.OPEN and due < today - dt.timedelta(days=1)
                ),
            )
        if state == Case.State.COMPLETED and rng.random() < 0.9:  # R17.1: entered on the platform
            platform_on = min(row["closed_at"].date() + dt.timedelta(days=rng.randint(0, 10)), today)
            row.update(platform_ref=f"SJPT{rng.randrange(10**10):010d}", platform_on=platform_on)
        return row, self._timeline(state, steps, index, created, row["closed_at"])

    def _timeline(
        self, state: str, steps: Sequence[Any], index: int, created: dt.date, closed: dt.datetime | None
    ) -> list[dict[str, Any]]:
        """The case's events as the engine writes them: start, submit, one approval per step
        passed, and how it ended."""
        actor = self.starter.pk
        first = steps[0].key
        events = [
            {"at": self._at(created), "actor_id": actor, "step_key": first, "action": "start", "comment": ""}
        ]
        day = created
        if state not in (Case.State.DRAFT, Case.State.LAPSED) and index > 0:
            day += dt.timedelta(days=1)
            events.append(
                {"at": self._at(day), "actor_id": actor, "step_key": first, "action": "submit", "comment": ""}
            )
            for step in steps[1:index]:
                day += dt.timedelta(days=self.rng.randint(1, 6))
                events.append(
                    {
                        "at": self._at(day),
                        "actor_id": actor,
                        "step_key": step.key,
                        "action": "approve",
                        "comment": "同意",
                    }
                )
        end = {
            Case.State.COMPLETED: CaseEvent.Action.COMPLETE,
            Case.State.REJECTED: CaseEvent.Action.REJECT,
            Case.State.WITHDRAWN: CaseEvent.Action.WITHDRAW,
            Case.State.LAPSED: CaseEvent.Action.LAPSE,
            Case.State.RETURNED: CaseEvent.Action.RETURN,
        }.get(state)
        if end is not None:
            at = closed or self._at(self.plan.today)
            step_key = steps[min(index, len(steps) - 1)].key if state != Case.State.COMPLETED else ""
            events.append(
                {"at": at, "actor_id": actor, "step_key": step_key, "action": end, "comment": "基准数据"}
            )
        return events


def write_cases(maker: CaseMaker, pupils: Iterable[Pupil]) -> dict[str, int]:
    """Build and COPY one case per pupil, with its timeline; returns counts by state."""
    rows, events = [], []
    for pupil in pupils:
        row, timeline = maker.case(pupil)
        rows.append(row)
        events.append(timeline)
    ids = reserve_ids(Case, len(rows))
    flat = []
    counts: dict[str, int] = {}
    for pk, row, timeline in zip(ids, rows, events, strict=True):
        row["id"] = pk
        row["number"] = f"{KINDS[row['kind']].number_prefix}{row['created_at'].year}{pk:05d}"
        counts[str(row["state"])] = counts.get(str(row["state"]), 0) + 1
        for event in timeline:
            event["case_id"] = pk
            flat.append(event)
    for event, pk in zip(flat, reserve_ids(CaseEvent, len(flat)), strict=True):
        event["id"] = pk
    copy_rows(Case, rows)
    copy_rows(CaseEvent, flat)
    return counts


# --------------------------------------------------------------------------- status periods


def write_periods(*, today: dt.date, share: float, seed: int, district_codes: Sequence[str]) -> int:
    """Running 休学 periods for ``share`` of the districts' current students: each a year long,
    planned ends spread from 200 days ago to a year ahead (so the daily run crosses every kind of
    threshold: 30 days before, the end, each 30 days after), the enrollment set to 休学. A few
    出国（境） periods without an end beside them (the daily run does not read those)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM students_enrollment e JOIN org_school s ON s.id = e.school_id "
            "JOIN org_jurisdiction d ON d.id = s.district_id WHERE e.is_current AND d.code = ANY(%s)",
            [list(district_codes)],
        )
        (total,) = cursor.fetchone()
        cursor.execute(
            "SELECT e.id, e.student_id FROM students_enrollment e JOIN org_school s ON s.id = e.school_id "
            "JOIN org_jurisdiction d ON d.id = s.district_id "
            "WHERE e.is_current AND e.status = %s AND d.code = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM changes_case c WHERE c.student_id = e.student_id "
            "AND c.state IN ('draft', 'open', 'returned')) "
            "ORDER BY md5(e.student_id::text || %s), e.student_id LIMIT %s",
            [Enrollment.Status.ENROLLED, list(district_codes), f"p{seed}", round(total * share * 1.1)],
        )
        chosen = cursor.fetchall()
    rng = random.Random(seed)
    suspended = round(total * share)
    rows = []
    now = dt.datetime.now(TZ)
    for n, (enrollment_id, student_id) in enumerate(chosen):
        if n < suspended:
            ends_on = today + dt.timedelta(days=rng.randint(-200, 365))
            status, starts_on = Enrollment.Status.SUSPENDED, ends_on - dt.timedelta(days=364)
        else:
            ends_on, status = None, Enrollment.Status.ABROAD
            starts_on = today - dt.timedelta(days=rng.randint(0, 700))
        rows.append(
            {
                "student_id": student_id,
                "enrollment_id": enrollment_id,
                "status": status,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "closed_on": None,
                "reference": f"{PERIOD_REFERENCE}{n:07d}",
                "created_at": now,
            }
        )
    for row, pk in zip(rows, reserve_ids(StatusPeriod, len(rows)), strict=True):
        row["id"] = pk
    copy_rows(StatusPeriod, rows)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE students_enrollment e SET status = p.status FROM students_statusperiod p "
            "WHERE p.reference LIKE %s AND e.id = p.enrollment_id",
            [PERIOD_REFERENCE + "%"],
        )
    return len(rows)


def period_event_count() -> int:
    return StatusPeriodEvent.objects.count()


# --------------------------------------------------------------------------- students


def ensure_students(total: int, *, skip: bool = False) -> dict[str, int]:
    """The shared data set (bench/_common.py) for the default 2,000,000; for another ``total``
    (a quick run, best in a database of its own) half in 金水区 and half over the other eleven
    districts, generating only what is missing. Returns current students per district."""
    if total == _common.BIG_DISTRICT_STUDENTS + _common.OTHER_STUDENTS:
        return _common.ensure_students(skip=skip)
    from xueji.demo.generate import generate

    _common.require_postgresql()
    _common.migrate()
    counts = _common.students_by_district()
    if skip:
        return counts
    big = total // 2
    missing_big = big - counts.get(_common.BIG_DISTRICT, 0)
    missing_other = total - big - sum(counts.get(code, 0) for code in _common.OTHER_DISTRICTS)
    for missing, districts in (
        (missing_big, [_common.BIG_DISTRICT]),
        (missing_other, _common.OTHER_DISTRICTS),
    ):
        if missing > 0:
            say(f"生成 {missing:,} 名合成学生 Generating {missing:,} synthetic students in {districts} …")
            report = generate(students=missing, districts=districts, log=say)
            say(f"  done in {report.seconds:.0f} s")
    if missing_big > 0 or missing_other > 0:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        counts = _common.students_by_district()
    return counts
