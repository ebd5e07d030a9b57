"""`xueji demo --today`: the demo on any day (decision 0022). The seed is relative to its day, so a
demo started in a spring term, in the summer holidays or at the start of an autumn term has school
years around it, students whose grades, ages and entry dates fit it, and cases of every kind in
every state it reaches on the day the rest of the demo tests use (2026-11-27).

Each day is seeded once for the module (small: 150 students, the fewest that give the suspension
family all its cases) inside a transaction rolled back afterwards; the spring day goes through the
command itself. Like test_seed.py, these tests never use the ``world`` fixture.

Known, and reported: on a day whose three weeks before hold the National Day or Spring Festival
holidays (2025-10-21, 2026-02-24, 2026-10-13 in 2025–2030) the transfer demo cannot make its
overdue case (changes/kinds/transfer/demo.py skips it: its ten working days have not run out).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from xueji.changes.kinds.registry import KINDS
from xueji.core import clock
from xueji.demo.district import (
    birth_range,
    demo_school_years,
    school_year_calendar,
    school_year_of,
)

REFERENCE = dt.date(2026, 11, 27)  # the day test_transfers.py checks the demo's cases in detail
DAYS = (
    dt.date(2027, 3, 15),  # a spring term
    dt.date(2028, 7, 20),  # the summer holidays, the next autumn ahead
    dt.date(2030, 9, 5),  # the first week of an autumn term, on the demo's own semester rule
)
BY_COMMAND = dt.date(2027, 3, 15)
N = 150
# Kinds of the registry with no demo cases yet, and why: a strict xfail each, so the day a kind
# gets its demo module the test says to remove it from here.
WITHOUT_DEMO: dict[str, str] = {}

pytestmark = pytest.mark.django_db


@dataclass
class Seeded:
    day: dt.date
    output: str = ""
    env: dict[str, str] = field(default_factory=dict)
    states: Counter = field(default_factory=Counter)  # (kind, state, step, overdue) → cases
    years: dict[int, tuple[dt.date, dt.date]] = field(default_factory=dict)
    semesters: list[tuple[int, str, dt.date, dt.date]] = field(default_factory=list)
    enrollments: list[dict] = field(default_factory=list)
    applications: Counter = field(default_factory=Counter)
    overdue_records: int = 0
    class_years: set[int] = field(default_factory=set)
    promoted: list[str] = field(default_factory=list)  # the schools the demo has promoted (R14.2)


def _read(day: dt.date) -> Seeded:
    from xueji.changes.models import Case
    from xueji.org.models import SchoolClass, SchoolYear, Semester, User
    from xueji.students.models import Enrollment, EntryApplication, Promotion
    from xueji.students.selectors import todo_overdue_records

    seeded = Seeded(day)
    seeded.states = Counter(Case.objects.values_list("kind", "state", "step_key", "is_overdue").order_by())
    seeded.years = {y.start_year: (y.start, y.end) for y in SchoolYear.objects.all()}
    seeded.semesters = sorted(
        Semester.objects.values_list("school_year__start_year", "term", "start", "end"), key=lambda s: s[2]
    )
    # After a school year's last semester the demo has promoted 文峰区东关小学 (decision 0031,
    # tests/demo/test_school_year.py): its students are a year on, so the invariants below of the
    # students as seeded read the other schools, and the promotions are counted apart.
    promoted = list(Promotion.objects.values_list("school__code", flat=True))
    seeded.promoted = promoted
    seeded.enrollments = list(
        Enrollment.objects.filter(is_current=True)
        .exclude(school__code__in=promoted)
        .exclude(origin=Enrollment.Origin.TRANSFER)
        .exclude(placement_due=True)
        .values("grade", "entry_date", "origin", "student__birth_date", "student__id_number", "school__kind")
    )
    seeded.applications = Counter(EntryApplication.objects.values_list("kind", "state", "entry_year"))
    seeded.overdue_records = todo_overdue_records(
        requested_by=User.objects.get(username="bg_officer")
    ).count()
    seeded.class_years = set(
        SchoolClass.objects.exclude(school__code__in=promoted).values_list(
            "school_year__start_year", flat=True
        )
    )
    return seeded


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory) -> dict[dt.date, Seeded]:
    """Each day seeded in its own transaction, read, and rolled back."""
    from django.conf import settings
    from django.db import transaction

    from xueji.demo.seed import seed_demo

    found: dict[dt.date, Seeded] = {}
    with django_db_blocker.unblock():
        for day in (REFERENCE, *DAYS):
            atomic = transaction.atomic()
            atomic.__enter__()
            try:
                with pytest.MonkeyPatch.context() as mp:
                    mp.setattr(settings, "XUEJI_FIXED_TODAY", None)
                    mp.setattr(settings, "XUEJI_CLOCK_SHIFT_DAYS", 0)
                    mp.setattr(settings, "EVIDENCE_DIR", tmp_path_factory.mktemp("evidence"))
                    launched: list[dict[str, str]] = []
                    if day == BY_COMMAND:
                        mp.setattr(
                            "xueji.core.management.commands.demo.exec_gunicorn",
                            lambda argv, env, served=launched: served.append(env),
                        )
                        out = io.StringIO()
                        call_command(
                            "demo",
                            "--demo-database",
                            "--today",
                            day.isoformat(),
                            "--students",
                            str(N),
                            stdout=out,
                        )
                        output = out.getvalue()
                    else:
                        settings.XUEJI_CLOCK_SHIFT_DAYS = clock.shift_to(day)
                        seed_demo(students=N)
                        output = ""
                    assert clock.today() == day
                    found[day] = _read(day)
                    found[day].output = output
                    found[day].env = launched[0] if launched else {}
            finally:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
    return found


def _day_ids(day: dt.date) -> str:
    return day.isoformat()


# ------------------------------------------------------------------ the cases


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param(key, marks=pytest.mark.xfail(strict=True, reason=WITHOUT_DEMO[key]))
        if key in WITHOUT_DEMO
        else key
        for key in KINDS
    ],
)
def test_every_kind_of_the_registry_has_demo_cases_on_every_day(seeded, kind):
    for day, demo in seeded.items():
        assert any(k == kind for k, *_ in demo.states), f"{day}: no demo case of the kind {kind}"


@pytest.mark.parametrize("day", DAYS, ids=_day_ids)
def test_every_state_of_the_reference_day_is_reached_on_any_day(seeded, day):
    """Same kinds, states, steps and overdue flags, the same number of each, as on 2026-11-27."""
    reference, demo = seeded[REFERENCE].states, seeded[day].states
    assert demo == reference
    # The reference itself is the demo test_transfers.py and test_suspensions check in detail.
    assert reference[("transfer", "open", "in_school", True)] == 1  # the overdue step (R10.7)
    assert {state for _kind, state, *_ in reference} >= {"draft", "open", "returned", "rejected", "completed"}


# ------------------------------------------------------------------ the calendar and the students


@pytest.mark.parametrize("day", DAYS, ids=_day_ids)
def test_school_years_and_semesters_lie_around_the_day(seeded, day):
    demo = seeded[day]
    current = school_year_of(day)
    start, end = demo.years[current]
    assert start <= day <= end
    assert current - 1 in demo.years  # cases started a year ago
    assert demo.class_years == {current}  # the students are in this year's classes
    holding = [s for s in demo.semesters if s[2] <= day <= s[3]]
    ahead = [s for s in demo.semesters if s[2] > day]
    assert ahead, "no semester ahead: R10.7 could not name the next window"
    if day == dt.date(2028, 7, 20):
        assert not holding and ahead[0][1:3] == ("autumn", dt.date(2028, 9, 1))
        assert demo.promoted == ["4105021001"]  # the year has ended: one school has promoted
    else:
        assert len(holding) == 1 and demo.promoted == []


@pytest.mark.parametrize("day", DAYS, ids=_day_ids)
def test_r3_2_intake_entry_dates_and_ages_fit_the_day(seeded, day):
    demo = seeded[day]
    year = school_year_of(day)
    intake = school_year_calendar(year).autumn.start
    registered = [e for e in demo.enrollments if e["origin"] == "new"]
    assert registered and all(e["entry_date"] == intake and e["grade"] in (1, 7) for e in registered)
    imported = [e for e in demo.enrollments if e["origin"] == "imported"]
    assert imported and all(e["entry_date"] < intake for e in imported)
    assert all(e["entry_date"] <= day for e in demo.enrollments)
    for e in demo.enrollments:
        lo, hi = birth_range(e["grade"], year)
        birth = e["student__birth_date"]
        if e["grade"] == 1 and birth < lo:  # the approved late entry (R3.3)
            assert birth == dt.date(year - 7, 5, 12)
            continue
        assert lo.replace(year=lo.year - 1) <= birth <= hi, (e["grade"], birth)


@pytest.mark.parametrize("day", DAYS, ids=_day_ids)
def test_r3_3_applications_and_r5_1_todo_list_on_any_day(seeded, day):
    demo = seeded[day]
    year = school_year_of(day)
    assert demo.applications == Counter(
        {
            ("late_entry", "approved", year): 1,
            ("deferral", "pending", day.year + 1): 1,
            ("deferral", "approved", day.year + 1): 1,
        }
    )
    assert demo.overdue_records > 0


# ------------------------------------------------------------------ the command


def test_demo_today_seeds_on_that_day_and_serves_with_the_same_shift(seeded):
    demo = seeded[BY_COMMAND]
    assert "演示日期 Demo date: 2027-03-15" in demo.output and "演示区已建立" in demo.output
    shift = int(demo.env["XUEJI_CLOCK_SHIFT_DAYS"])
    assert shift == clock.shift_to(BY_COMMAND)  # the days from the real date, for every worker
    assert "XUEJI_FIXED_TODAY" not in demo.env and demo.env["XUEJI_ENV"] == "demo"


def test_demo_today_replaces_a_fixed_day_and_passes_the_shift_to_gunicorn(monkeypatch, settings, db):
    """On a seeded database the command only serves: the shift still reaches the workers."""
    launched = []
    monkeypatch.setattr(
        "xueji.core.management.commands.demo.exec_gunicorn", lambda argv, env: launched.append(env)
    )
    monkeypatch.setattr("xueji.core.management.commands.demo.is_seeded", lambda: True)
    monkeypatch.setattr("xueji.core.management.commands.demo.seeded_on", lambda: dt.date(2026, 1, 5))
    monkeypatch.setenv("XUEJI_FIXED_TODAY", "2026-09-10")
    out = io.StringIO()
    call_command("demo", "--demo-database", "--today", "2028-07-20", stdout=out)
    ((env,),) = [launched]
    assert env["XUEJI_CLOCK_SHIFT_DAYS"] == str(clock.shift_to(dt.date(2028, 7, 20)))
    assert "XUEJI_FIXED_TODAY" not in env
    assert clock.today() == dt.date(2028, 7, 20)
    text = out.getvalue()
    assert "代替 XUEJI_FIXED_TODAY" in text
    assert "演示数据是按 2026-01-05 建立的" in text and "xueji demo --today 2026-01-05" in text


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("2027-02-30", "不是日历上的日期"),
        ("2027-13-01", "不是日历上的日期"),
        ("tomorrow", "YYYY-MM-DD"),
        ("2027-3-15", "YYYY-MM-DD"),
        ("20270315", "YYYY-MM-DD"),
        ("", "YYYY-MM-DD"),
        ("1999-12-31", "之间"),
    ],
)
def test_demo_today_refuses_what_is_not_a_day(settings, raw, says):
    with pytest.raises(CommandError) as refused:
        call_command("demo", "--demo-database", "--today", raw, "--no-serve", stdout=io.StringIO())
    assert says in str(refused.value) and refused.value.returncode == 2


def test_demo_today_on_the_command_line_exits_2_without_a_traceback(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"XUEJI_FIXED_TODAY", "XUEJI_CLOCK_SHIFT_DAYS", "XUEJI_ENV", "DJANGO_SETTINGS_MODULE"}
    }
    env["XUEJI_DATA_DIR"] = str(tmp_path / "var")
    for raw in ("2027-02-30", "next-monday"):
        result = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "xueji", "demo", "--demo-database", "--today", raw, "--no-serve"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 2, result.stderr
        assert "--today" in result.stderr and "日期" in result.stderr
        assert "Traceback" not in result.stderr and "数据目录" not in result.stdout  # refused before any work


# ------------------------------------------------------------------ the demo's calendar, every day


def test_the_calendar_rule_gives_the_2025_and_2026_school_years_as_before():
    def dates(year):
        plan = school_year_calendar(year)
        return plan.start, plan.end, [(s.term, s.start, s.end, s.teaching_weeks) for s in plan.semesters]

    assert dates(2025) == (
        dt.date(2025, 9, 1),
        dt.date(2026, 8, 31),
        [
            ("autumn", dt.date(2025, 9, 1), dt.date(2026, 1, 16), 20),
            ("spring", dt.date(2026, 2, 24), dt.date(2026, 7, 3), 19),  # after the Spring Festival days off
        ],
    )
    assert dates(2026) == (
        dt.date(2026, 9, 1),
        dt.date(2027, 8, 31),
        [
            ("autumn", dt.date(2026, 9, 1), dt.date(2027, 1, 22), 20),
            ("spring", dt.date(2027, 2, 22), dt.date(2027, 7, 2), 19),
        ],
    )


def test_every_day_from_2026_to_2030_has_its_school_year_and_a_semester_ahead():
    day = dt.date(2026, 1, 1)
    while day <= dt.date(2030, 12, 31):
        years = demo_school_years(day)
        current = years[school_year_of(day)]
        assert current.start <= day <= current.end and school_year_of(day) - 1 in years
        semesters = sorted((s for y in years.values() for s in y.semesters), key=lambda s: s.start)
        for earlier, later in zip(semesters, semesters[1:], strict=False):
            assert earlier.end < later.start  # in order, never overlapping
        assert any(s.start > day for s in semesters), day
        day += dt.timedelta(days=1)
    for year in range(2025, 2031):
        autumn, spring = school_year_calendar(year).semesters
        assert autumn.start.month == 9 and autumn.start.day <= 3 and autumn.start.weekday() < 5
        assert autumn.end.weekday() == 4 and dt.date(year + 1, 1, 16) <= autumn.end <= dt.date(
            year + 1, 1, 22
        )
        assert spring.start.weekday() < 5 and dt.date(year + 1, 2, 20) <= spring.start <= dt.date(
            year + 1, 3, 1
        )
        assert spring.end.weekday() == 4 and spring.end.month == 7 and spring.end.day <= 7
