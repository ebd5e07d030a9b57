"""Working days and semester windows (RULES.md Calendar; used by transfer deadlines and the later kinds' deadlines).

Whether a day is a working day, most specific first:
1. an override of the district (or of a city or province above it: the closest wins);
2. a deployment-wide override (a State Council schedule entered before the library knows it);
3. ``chinesecalendar``, for the years it knows (2004–2026 in 1.11);
4. Monday to Friday.

A day that falls to rule 4 in a year for which no whole schedule has been entered (``CalendarYear``)
makes the answer *provisional*: the result says so in Chinese and the count goes on. Nothing here
raises for an unknown year: a transfer started on 24 December must get a deadline.

Deadlines in working days count from the day after the start (RULES.md: started Fri 2026-09-18,
the 10th working day is Fri 2026-10-09). A step is overdue once its (n+1)-th working day has begun;
a rest day right after the n-th working day is not yet late.

Each public function reads the overrides of the whole date range it needs in one query (plus one
for the year records when the range reaches a year the library does not know). Code that computes
many deadlines for one district can keep one ``WorkingCalendar`` and reuse what it loaded.
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import chinese_calendar
from django.db.models import Q

from xueji.core.clock import today as clock_today
from xueji.core.models import CalendarOverride, CalendarYear

if TYPE_CHECKING:  # a district is read by its code only: the calendar sits below the org app
    from xueji.org.models import Jurisdiction

ONE_DAY = dt.timedelta(days=1)

# The years the installed chinesecalendar knows; read from its data, so upgrading the package every
# November extends the range without a code change.
LIBRARY_YEARS = range(
    min(chinese_calendar.holidays).year,
    max(max(chinese_calendar.holidays).year, max(chinese_calendar.workdays).year) + 1,
)

MSG_PROVISIONAL = (
    "{years}的法定节假日安排尚未录入，截止日期按周一至周五推算，仅供参考；"
    "请区系统管理员录入该年安排后自动更新。"
)


@dataclass(frozen=True)
class WorkingDay:
    """A date found by counting working days; ``provisional`` when it rests on an unentered year."""

    date: dt.date
    provisional: bool = False
    warning: str = ""


@dataclass(frozen=True)
class DeadlineStatus:
    """Where ``today`` stands against a deadline of ``n`` working days counted after ``start``.

    ``elapsed`` is the working day today is (0 before the first one; a rest day keeps the count of
    the working day before it); ``overdue`` once ``elapsed`` exceeds ``n`` (day 10 of 10 is in time,
    day 11 is late); ``remaining`` working days after today, 0 once due or late.
    """

    start: dt.date
    n: int
    due: dt.date
    elapsed: int
    overdue: bool
    remaining: int
    provisional: bool = False
    warning: str = ""


def provisional_warning(years: Iterable[int]) -> str:
    """The Chinese warning for deadlines that rest on years whose schedule nobody entered yet."""
    years = sorted(set(years))
    if not years:
        return ""
    return MSG_PROVISIONAL.format(years="、".join(f"{year}年" for year in years))


@functools.lru_cache(maxsize=16384)
def _library_is_workday(day: dt.date) -> bool:
    return bool(chinese_calendar.is_workday(day))


def library_is_workday(day: dt.date) -> bool | None:
    """chinesecalendar's answer, or None for a year it does not know (it would raise)."""
    if day.year not in LIBRARY_YEARS:
        return None
    try:
        return _library_is_workday(day)
    except NotImplementedError:  # a release whose data has gaps: treat as unknown, never fail
        return None


def scope_ranks(district: Jurisdiction | None) -> dict[str, int]:
    """GB/T 2260 codes whose overrides apply to ``district``, ranked: the closer, the higher."""
    if district is None:
        return {}
    code = district.code
    # Later keys win, so a city passed as "district" ranks its own code highest.
    return {f"{code[:2]}0000": 1, f"{code[:4]}00": 2, code: 3}


def scope_filter(ranks: dict[str, int]) -> Q:
    scope = Q(jurisdiction__isnull=True)
    if ranks:
        scope |= Q(jurisdiction__code__in=sorted(ranks))
    return scope


class WorkingCalendar:
    """The working days of one district (or, with ``district=None``, of the deployment as a whole).

    Loads overrides lazily per date range and keeps them, so repeated questions over the same
    weeks cost no further queries. Not shared between requests: a schedule loaded by an admin is
    seen by the next calendar made.
    """

    def __init__(self, *, district: Jurisdiction | None = None):
        self.district = district
        self._ranks = scope_ranks(district)
        self._scope = scope_filter(self._ranks)
        self._first: dt.date | None = None
        self._last: dt.date | None = None
        self._overrides: dict[dt.date, tuple[int, bool]] = {}  # day → (rank, is working day)
        self._entered_years: set[int] = set()
        self._checked_years: set[int] = set()

    # ------------------------------------------------------------------ loading

    def load(self, first: dt.date, last: dt.date) -> None:
        """Make sure every day from ``first`` to ``last`` is known: one query for what is missing."""
        if last < first:
            return
        if self._first is None or self._last is None:
            pieces = [(first, last)]
        else:
            pieces = []
            if first < self._first:
                pieces.append((first, self._first - ONE_DAY))
            if last > self._last:
                pieces.append((self._last + ONE_DAY, last))
        if not pieces:
            return
        days = Q()
        for piece_first, piece_last in pieces:
            days |= Q(day__range=(piece_first, piece_last))
        rows = CalendarOverride.objects.filter(days, self._scope).values_list(
            "day", "kind", "jurisdiction__code"
        )
        for day, kind, code in rows:
            rank = 0 if code is None else self._ranks[code]
            if day not in self._overrides or rank > self._overrides[day][0]:
                self._overrides[day] = (rank, kind == CalendarOverride.Kind.WORKDAY)
        years = {year for a, b in pieces for year in range(a.year, b.year + 1)}
        unknown = sorted(years - set(LIBRARY_YEARS) - self._checked_years)
        if unknown:
            self._entered_years.update(
                CalendarYear.objects.filter(self._scope, year__in=unknown).values_list("year", flat=True)
            )
            self._checked_years.update(unknown)
        self._first = first if self._first is None else min(first, self._first)
        self._last = last if self._last is None else max(last, self._last)

    def load_for(self, starts: Iterable[dt.date], n: int) -> None:
        """Load at once what counting ``n`` working days from each of ``starts`` needs (one query
        for a whole batch, instead of one each time a start falls outside what is loaded)."""
        starts = list(starts)
        if starts and n:
            self.load(min(starts) + ONE_DAY, self._window(max(starts), n))

    def _window(self, start: dt.date, n: int) -> dt.date:
        # n working days fit in 2n + 31 calendar days even across the Spring Festival; a longer
        # local closure only costs another query.
        return start + dt.timedelta(days=2 * n + 31)

    # ------------------------------------------------------------------ single days

    def _resolve(self, day: dt.date) -> tuple[bool, bool]:
        """(is a working day, provisional) for one loaded day, by the precedence in the module doc."""
        library = library_is_workday(day)
        override = self._overrides.get(day)
        if override is not None:
            working = override[1]
        elif library is not None:
            working = library
        else:
            working = day.weekday() < 5
        return working, library is None and day.year not in self._entered_years

    def is_working_day(self, day: dt.date) -> bool:
        self.load(day, day)
        return self._resolve(day)[0]

    def is_provisional(self, day: dt.date) -> bool:
        """True when ``day`` lies in a year neither the library nor an entered schedule covers."""
        self.load(day, day)
        return self._resolve(day)[1]

    # ------------------------------------------------------------------ counting

    def _add(self, start: dt.date, n: int) -> tuple[dt.date, set[int]]:
        if n < 0:
            raise ValueError("n must not be negative")
        day, counted, unknown_years = start, 0, set()
        if n:
            self.load(start + ONE_DAY, self._window(start, n))
        while counted < n:
            day += ONE_DAY
            if self._last is None or day > self._last:
                self.load(day, self._window(day, n - counted))
            working, provisional = self._resolve(day)
            if provisional:
                unknown_years.add(day.year)
            if working:
                counted += 1
        return day, unknown_years

    def add_working_days(self, start: dt.date, n: int) -> WorkingDay:
        """The n-th working day after ``start`` (``start`` itself never counts); n = 0 gives ``start``."""
        day, unknown_years = self._add(start, n)
        return WorkingDay(day, bool(unknown_years), provisional_warning(unknown_years))

    def _count(self, start: dt.date, end: dt.date) -> tuple[int, set[int]]:
        self.load(start + ONE_DAY, end)
        counted, unknown_years = 0, set()
        day = start + ONE_DAY
        while day <= end:
            working, provisional = self._resolve(day)
            if provisional:
                unknown_years.add(day.year)
            if working:
                counted += 1
            day += ONE_DAY
        return counted, unknown_years

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end``: "today is day N of the deadline"."""
        return self._count(start, end)[0]

    def first_working_day_from(self, day: dt.date) -> WorkingDay:
        """``day`` if it is a working day, else the next one (R10.4: a Tuesday off moves to the next)."""
        return self.add_working_days(day - ONE_DAY, 1)

    def deadline_status(self, start: dt.date, n: int, *, today: dt.date) -> DeadlineStatus:
        self.load(start + ONE_DAY, max(today, self._window(start, n)))
        due, unknown_years = self._add(start, n)
        elapsed, unknown_so_far = self._count(start, today)
        unknown_years |= unknown_so_far
        return DeadlineStatus(
            start=start,
            n=n,
            due=due,
            elapsed=elapsed,
            overdue=elapsed > n,
            remaining=max(n - elapsed, 0),
            provisional=bool(unknown_years),
            warning=provisional_warning(unknown_years),
        )


# ---------------------------------------------------------------------- one-off questions


def is_working_day(day: dt.date, *, district: Jurisdiction | None = None) -> bool:
    return WorkingCalendar(district=district).is_working_day(day)


def add_working_days(start: dt.date, n: int, *, district: Jurisdiction | None = None) -> WorkingDay:
    """The n-th working day after ``start`` for the schools of ``district``; never raises for a year."""
    return WorkingCalendar(district=district).add_working_days(start, n)


def working_days_between(start: dt.date, end: dt.date, *, district: Jurisdiction | None = None) -> int:
    """Working days in (start, end]; ``working_days_between(s, add_working_days(s, n).date) == n``."""
    return WorkingCalendar(district=district).working_days_between(start, end)


def first_working_day_from(day: dt.date, *, district: Jurisdiction | None = None) -> WorkingDay:
    return WorkingCalendar(district=district).first_working_day_from(day)


def deadline_status(
    start: dt.date, n: int, *, today: dt.date | None = None, district: Jurisdiction | None = None
) -> DeadlineStatus:
    """R10.7 (and the later kinds' deadlines): is ``today`` (default: the clock's today) still within the n-th working day?"""
    return WorkingCalendar(district=district).deadline_status(start, n, today=today or clock_today())


# ---------------------------------------------------------------------- calendar months and semesters


def add_months(day: dt.date, months: int) -> dt.date:
    """The corresponding day ``months`` calendar months later; a day the month lacks rolls to its end."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))


def months_window_last_day(start: dt.date, months: int = 2) -> dt.date:
    """The last day of "within ``months`` months after ``start``": the corresponding day, inclusive.

    Civil Code Art. 201–202 (the start day is not counted; the period ends on the corresponding day
    of the last month, or that month's last day) and the project's R5.1 due date (decision 0002):
    a semester starting 2026-09-01 keeps R10.7's window open up to and including 2026-11-01;
    31 Dec + 2 months ends on 28/29 Feb. The window is not stretched when its last day is a rest day.
    """
    return add_months(start, months)


def within_months_after(start: dt.date, day: dt.date, months: int = 2) -> bool:
    """R10.7: ``day`` lies from ``start`` up to and including ``months_window_last_day(start, months)``."""
    return start <= day <= months_window_last_day(start, months)
