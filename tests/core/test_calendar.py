"""Working days, deadlines and semester windows (RULES.md Calendar, R10.7), on the real database."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xueji.core import calendar
from xueji.core.calendar import (
    WorkingCalendar,
    WorkingDay,
    add_working_days,
    deadline_status,
    first_working_day_from,
    is_working_day,
    months_window_last_day,
    within_months_after,
    working_days_between,
)
from xueji.org.calendar_services import calendar_day_set, calendar_year_load
from xueji.org.selectors import semester_last_started, semester_of

D = dt.date
WARNING_2027 = "2027年的法定节假日安排尚未录入，截止日期按周一至周五推算，仅供参考；请区系统管理员录入该年安排后自动更新。"


@pytest.fixture
def superuser(world):
    from xueji.org.models import User

    return User.objects.create_superuser(username="root", password="Xueji-root-2026!", role="")


# ---------------------------------------------------------------------- the RULES.md example


def test_calendar_day_10_vs_11_across_national_day(db):
    """Started Fri 2026-09-18: Sun 09-20 is worked, 09-25..27 and 10-01..07 are off."""
    tenth = add_working_days(D(2026, 9, 18), 10)
    assert tenth == WorkingDay(D(2026, 10, 9), provisional=False, warning="")
    assert working_days_between(D(2026, 9, 18), D(2026, 9, 20)) == 1  # the working Sunday

    on_day_10 = deadline_status(D(2026, 9, 18), 10, today=D(2026, 10, 9))
    assert (on_day_10.due, on_day_10.elapsed, on_day_10.overdue, on_day_10.remaining) == (
        D(2026, 10, 9),
        10,
        False,
        0,
    )
    on_day_11 = deadline_status(D(2026, 9, 18), 10, today=D(2026, 10, 10))  # an adjusted working Saturday
    assert (on_day_11.elapsed, on_day_11.overdue) == (11, True)


def test_calendar_national_day_counts_as_one_stretch_of_rest(db):
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 8)) == 1
    status = deadline_status(D(2026, 9, 30), 2, today=D(2026, 10, 5))
    assert (status.due, status.elapsed, status.overdue, status.remaining) == (D(2026, 10, 9), 0, False, 2)


def test_calendar_rest_day_after_the_last_working_day_is_not_yet_late(db):
    # Tue 2026-09-01 + 3 working days = Fri 09-04; Saturday keeps day 3, Monday is day 4.
    assert deadline_status(D(2026, 9, 1), 3, today=D(2026, 9, 5)).overdue is False
    assert deadline_status(D(2026, 9, 1), 3, today=D(2026, 9, 7)).overdue is True


def test_calendar_start_day_never_counts(db):
    assert add_working_days(D(2026, 9, 7), 1).date == D(2026, 9, 8)  # Monday → Tuesday
    assert add_working_days(D(2026, 10, 3), 1).date == D(2026, 10, 8)  # started during National Day
    assert add_working_days(D(2026, 9, 7), 0).date == D(2026, 9, 7)
    with pytest.raises(ValueError):
        add_working_days(D(2026, 9, 7), -1)


def test_calendar_working_days_between_is_zero_up_to_the_start(db):
    assert working_days_between(D(2026, 9, 18), D(2026, 9, 18)) == 0
    assert working_days_between(D(2026, 9, 18), D(2026, 9, 1)) == 0
    assert deadline_status(D(2026, 9, 18), 10, today=D(2026, 9, 1)).elapsed == 0


def test_calendar_is_working_day_follows_the_state_council_and_weekdays(db):
    assert is_working_day(D(2026, 9, 20)) is True  # adjusted working Sunday
    assert is_working_day(D(2026, 10, 1)) is False
    assert is_working_day(D(2026, 10, 12)) is True
    assert is_working_day(D(2027, 1, 1)) is True  # unknown year: Monday–Friday
    assert is_working_day(D(2027, 1, 2)) is False
    assert is_working_day(D(2003, 12, 31)) is True  # before the library: Monday–Friday too


def test_calendar_first_working_day_from_moves_a_day_off_forward(db):
    """R10.4: a filing Tuesday that is not a working day moves to the next working day."""
    assert first_working_day_from(D(2026, 10, 6)).date == D(2026, 10, 8)  # Tuesday in National Day
    assert first_working_day_from(D(2026, 9, 8)).date == D(2026, 9, 8)


# ---------------------------------------------------------------------- years nobody entered yet


def test_calendar_deadline_started_2026_12_24_is_provisional_not_an_error(db):
    """chinesecalendar 1.11 raises for 2027; we count Monday–Friday and say so."""
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2027, 1, 4))
    tenth = add_working_days(D(2026, 12, 24), 10)
    assert tenth == WorkingDay(D(2027, 1, 7), provisional=True, warning=WARNING_2027)
    status = deadline_status(D(2026, 12, 24), 10, today=D(2026, 12, 28))
    assert (status.due, status.elapsed, status.overdue, status.provisional, status.warning) == (
        D(2027, 1, 7),
        2,
        False,
        True,
        WARNING_2027,
    )


def test_calendar_deadline_entirely_in_a_known_year_carries_no_warning(db):
    result = add_working_days(D(2026, 12, 10), 5)
    assert (result.date, result.provisional, result.warning) == (D(2026, 12, 17), False, "")


def test_calendar_warning_names_every_unknown_year(db):
    result = add_working_days(D(2027, 12, 20), 15)
    assert result.provisional
    assert result.warning.startswith("2027年、2028年的法定节假日安排尚未录入")


def test_calendar_loading_2027_ends_the_provisional_deadline_and_moves_it(world):
    calendar_year_load(
        actor=world.admin,
        year=2027,
        rows=[(D(2027, 1, 1), "holiday", "元旦")],
        source="国务院办公厅关于2027年部分节假日安排的通知",
    )
    tenth = add_working_days(D(2026, 12, 24), 10)
    assert tenth == WorkingDay(D(2027, 1, 8), provisional=False, warning="")
    assert deadline_status(D(2026, 12, 24), 10, today=D(2027, 1, 8)).overdue is False
    assert deadline_status(D(2026, 12, 24), 10, today=D(2027, 1, 11)).overdue is True


def test_calendar_single_day_in_unknown_year_moves_the_date_but_stays_provisional(world):
    calendar_day_set(actor=world.admin, day=D(2027, 1, 1), kind="holiday", note="元旦")
    tenth = add_working_days(D(2026, 12, 24), 10)
    assert (tenth.date, tenth.provisional, tenth.warning) == (D(2027, 1, 8), True, WARNING_2027)


def test_calendar_district_year_record_covers_only_that_district(world):
    calendar_year_load(
        actor=world.admin, year=2027, rows=[(D(2027, 1, 1), "放假", "元旦")], jurisdiction=world.beiguan
    )
    assert add_working_days(D(2026, 12, 24), 10, district=world.beiguan).provisional is False
    assert add_working_days(D(2026, 12, 24), 10, district=world.wenfeng).provisional is True
    assert add_working_days(D(2026, 12, 24), 10).provisional is True


# ---------------------------------------------------------------------- precedence


def test_calendar_district_closure_moves_a_deadline_for_that_district_only(world):
    calendar_day_set(
        actor=world.admin, day=D(2026, 9, 21), kind="holiday", note="暴雨停课", jurisdiction=world.beiguan
    )
    assert add_working_days(D(2026, 9, 18), 10, district=world.beiguan).date == D(2026, 10, 10)
    assert add_working_days(D(2026, 9, 18), 10, district=world.wenfeng).date == D(2026, 10, 9)
    assert add_working_days(D(2026, 9, 18), 10).date == D(2026, 10, 9)
    assert is_working_day(D(2026, 9, 21), district=world.beiguan) is False
    assert is_working_day(D(2026, 9, 21), district=world.wenfeng) is True


def test_calendar_deployment_wide_override_beats_the_library(world):
    calendar_day_set(actor=world.admin, day=D(2026, 10, 9), kind="holiday", note="更正")
    calendar_day_set(actor=world.admin, day=D(2026, 10, 4), kind="workday", note="更正")
    assert is_working_day(D(2026, 10, 9)) is False
    assert is_working_day(D(2026, 10, 4), district=world.wenfeng) is True
    assert add_working_days(D(2026, 9, 18), 10).date == D(2026, 10, 8)


def test_calendar_district_override_beats_the_deployment_wide_one(world):
    calendar_day_set(actor=world.admin, day=D(2026, 10, 9), kind="holiday", note="更正")
    calendar_day_set(
        actor=world.admin, day=D(2026, 10, 9), kind="workday", note="本区照常上课", jurisdiction=world.beiguan
    )
    assert is_working_day(D(2026, 10, 9), district=world.beiguan) is True
    assert is_working_day(D(2026, 10, 9), district=world.wenfeng) is False


def test_calendar_city_closure_reaches_its_districts_and_the_district_still_wins(world, superuser):
    calendar_day_set(
        actor=superuser, day=D(2026, 9, 22), kind="holiday", note="全市停课", jurisdiction=world.anyang
    )
    calendar_day_set(
        actor=world.admin, day=D(2026, 9, 22), kind="workday", note="本区补课", jurisdiction=world.beiguan
    )
    assert is_working_day(D(2026, 9, 22), district=world.wenfeng) is False
    assert is_working_day(D(2026, 9, 22), district=world.beiguan) is True
    assert is_working_day(D(2026, 9, 22)) is True  # deployment-wide: the city's closure is local


# ---------------------------------------------------------------------- query budget


@pytest.mark.parametrize(
    ("start", "queries"),
    [(D(2026, 9, 18), 1), (D(2026, 12, 24), 2)],  # + 1 for the year records of 2027
)
def test_calendar_add_working_days_runs_a_constant_number_of_queries(world, start, queries):
    calendar_day_set(actor=world.admin, day=D(2026, 9, 21), kind="holiday", jurisdiction=world.beiguan)
    counts = []
    for n in (1, 10, 30):
        for district in (None, world.beiguan):
            with CaptureQueriesContext(connection) as ctx:
                add_working_days(start, n, district=district)
            counts.append(len(ctx))
    assert counts == [queries] * len(counts)


def test_calendar_one_calendar_answers_many_deadlines_from_one_load(world):
    cal = WorkingCalendar(district=world.beiguan)
    cal.load(D(2026, 9, 1), D(2027, 1, 31))
    with CaptureQueriesContext(connection) as ctx:
        dues = [cal.add_working_days(D(2026, 9, 1) + dt.timedelta(days=i), 10).date for i in range(60)]
        cal.deadline_status(D(2026, 9, 18), 10, today=D(2026, 10, 10))
    assert len(ctx) == 0
    assert dues[17] == D(2026, 10, 9)


def test_calendar_long_closure_beyond_the_first_window_is_still_counted(world):
    """The first read covers 2n + 31 days; a longer closure costs one more query, not a wrong date."""
    rows = [(D(2026, 3, 2) + dt.timedelta(days=i), "holiday", "停课") for i in range(60)]
    calendar_year_load(actor=world.admin, year=2026, rows=rows, jurisdiction=world.beiguan)
    result = add_working_days(D(2026, 3, 1), 1, district=world.beiguan)
    assert result.date == D(2026, 5, 6)  # 05-01..05 is Labour Day


# ---------------------------------------------------------------------- against the library


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.dates(min_value=D(2026, 1, 1), max_value=D(2026, 11, 10)), n=st.integers(1, 30))
def test_calendar_matches_chinesecalendar_for_2026(db, start, n):
    day, counted = start, 0
    while counted < n:
        day += dt.timedelta(days=1)
        counted += chinese_calendar.is_workday(day)
    expected = day
    result = add_working_days(start, n)
    assert result == WorkingDay(expected, provisional=False, warning="")
    if chinese_calendar.is_workday(start):  # find_workday first moves a rest-day start to a workday
        assert result.date == chinese_calendar.find_workday(n, start)
    assert working_days_between(start, result.date) == n
    assert working_days_between(start, result.date - dt.timedelta(days=1)) == n - 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.dates(min_value=D(2026, 10, 1), max_value=D(2028, 12, 31)), n=st.integers(0, 40))
def test_calendar_never_raises_and_round_trips_in_unknown_years(db, start, n):
    result = add_working_days(start, n)
    assert working_days_between(start, result.date) == n
    assert result.provisional == (n > 0 and result.date.year > 2026)


# ---------------------------------------------------------------------- R10.7 window and semesters


def test_r10_7_two_month_window_edges():
    start = D(2026, 9, 1)
    assert months_window_last_day(start) == D(2026, 11, 1)
    assert within_months_after(start, D(2026, 9, 1)) is True
    assert within_months_after(start, D(2026, 10, 31)) is True
    assert within_months_after(start, D(2026, 11, 1)) is True
    assert within_months_after(start, D(2026, 11, 2)) is False
    assert within_months_after(start, D(2026, 8, 31)) is False


def test_r10_7_window_ending_in_a_short_month_ends_on_its_last_day():
    assert months_window_last_day(D(2026, 12, 31)) == D(2027, 2, 28)
    assert months_window_last_day(D(2027, 12, 31)) == D(2028, 2, 29)
    assert months_window_last_day(D(2027, 2, 24)) == D(2027, 4, 24)
    assert within_months_after(D(2026, 12, 31), D(2027, 3, 1)) is False
    assert within_months_after(D(2026, 9, 1), D(2026, 10, 1), months=1) is True


def test_r10_7_semester_of_a_day(world):
    autumn = semester_of(D(2026, 9, 10))
    assert (autumn.school_year.start_year, autumn.term) == (2026, "autumn")
    assert semester_of(D(2026, 8, 25)) is None  # summer holidays
    spring = semester_last_started(D(2026, 8, 25))
    assert (spring.school_year.start_year, spring.term, spring.start) == (2025, "spring", D(2026, 2, 24))
    assert within_months_after(autumn.start, D(2026, 9, 10)) is True


def test_calendar_library_years_come_from_the_installed_package():
    assert calendar.LIBRARY_YEARS == range(2004, 2027)
