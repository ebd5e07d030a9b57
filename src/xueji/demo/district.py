"""The demo district as data: jurisdictions, schools, school years and semesters (R2.1).

The school years are not fixed: the demo seeds those around the day it runs on (clock.today(), which
`xueji demo --today` moves), so a demo started on any date has a current term and students whose
grades, ages and entry dates fit that day.

Henan 河南省 › Anyang 安阳市 › 北关区 (the district of the measures) and its neighbour 文峰区.
School names, codes and addresses are invented; they look like the real ones so a registrar
recognises the screens. 学校标识码 here are synthetic: "4105" + district suffix + kind + serial.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from xueji.core import clock
from xueji.core.calendar import library_is_workday

# (code, name, level, parent code), parents first.
JURISDICTIONS: tuple[tuple[str, str, str, str | None], ...] = (
    ("410000", "河南省", "province", None),
    ("410500", "安阳市", "city", "410000"),
    ("410503", "北关区", "district", "410500"),
    ("410502", "文峰区", "district", "410500"),
)
DEMO_DISTRICT = "410503"  # its presence marks a seeded database


@dataclass(frozen=True)
class DemoSchool:
    slug: str  # short, for usernames: hq_registrar
    code: str  # 学校标识码, 10 digits
    name: str
    district: str  # GB/T 2260 code
    kind: str  # org.School.Kind value
    address: str
    classes_per_grade: int
    popularity: float  # how full its classes are, relative to the others
    town: str = ""  # rural schools: the town whose villages send the children

    @property
    def grades(self) -> range:
        return {"primary": range(1, 7), "junior": range(7, 10)}.get(self.kind, range(1, 10))

    def seats_per_class(self, grade: int) -> int:
        """Class sizes (班额): 45 in primary grades, 50 in junior grades, 12 in special education."""
        if self.kind == "special":
            return 12
        return 45 if grade <= 6 else 50


SCHOOLS: tuple[DemoSchool, ...] = (
    # 北关区
    DemoSchool("hq", "4105031001", "北关区红旗路小学", "410503", "primary", "河南省安阳市北关区红旗路128号", 4, 1.0),
    DemoSchool("jfl", "4105031002", "北关区解放路小学", "410503", "primary", "河南省安阳市北关区解放路东段56号", 3, 0.95),
    DemoSchool("dtl", "4105031003", "北关区灯塔路小学", "410503", "primary", "河南省安阳市北关区灯塔路与东风路交叉口北50米", 3, 0.85),
    DemoSchool("dfy", "4105031004", "北关区豆腐营小学", "410503", "primary", "河南省安阳市北关区豆腐营街道豆腐营街19号", 2, 0.8),
    DemoSchool("sez", "4105032001", "安阳市第十二中学", "410503", "junior", "河南省安阳市北关区人民大道东段302号", 4, 1.0),
    DemoSchool("sgl", "4105032002", "北关区曙光路中学", "410503", "junior", "河南省安阳市北关区曙光路77号", 3, 0.9),
    DemoSchool("bz", "4105033001", "北关区柏庄镇九年一贯制学校", "410503", "nine_year", "河南省安阳市北关区柏庄镇柏庄村南", 2, 0.8, "柏庄镇"),
    DemoSchool("tj", "4105034001", "北关区特殊教育学校", "410503", "special", "河南省安阳市北关区彰北路16号", 1, 0.6),
    # 文峰区
    DemoSchool("dg", "4105021001", "文峰区东关小学", "410502", "primary", "河南省安阳市文峰区东关街88号", 3, 1.0),
    DemoSchool("xdj", "4105021002", "文峰区西大街小学", "410502", "primary", "河南省安阳市文峰区西大街142号", 3, 0.9),
    DemoSchool("zhl", "4105021003", "文峰区中华路小学", "410502", "primary", "河南省安阳市文峰区中华路中段210号", 2, 0.85),
    DemoSchool("yml", "4105022001", "文峰区永明路中学", "410502", "junior", "河南省安阳市文峰区永明路9号", 3, 0.9),
    DemoSchool("blz", "4105023001", "文峰区宝莲寺镇九年一贯制学校", "410502", "nine_year", "河南省安阳市文峰区宝莲寺镇大正集村东", 2, 0.75, "宝莲寺镇"),
)  # fmt: skip
SCHOOLS_BY_SLUG = {s.slug: s for s in SCHOOLS}

# Relative size of each grade's cohort (as in 2026–27): births in China fell from about 17.9 million
# (2016) to 12.0 million (2020), so grade 1 is smaller than grade 5 — as in real schools.
GRADE_WEIGHT = {1: 0.78, 2: 0.86, 3: 0.95, 4: 1.0, 5: 1.0, 6: 0.97, 7: 0.97, 8: 0.96, 9: 0.95}


@dataclass(frozen=True)
class DemoSemester:
    term: str
    start: dt.date
    end: dt.date
    teaching_weeks: int

    @property
    def teaching_hours(self) -> int:
        return self.teaching_weeks * 5 * 6  # five days a week, six lessons a day


@dataclass(frozen=True)
class DemoSchoolYear:
    start_year: int
    start: dt.date
    end: dt.date
    semesters: tuple[DemoSemester, ...]

    @property
    def autumn(self) -> DemoSemester:
        return self.semesters[0]


def _is_school_day(day: dt.date) -> bool:
    """Monday to Friday, except the State Council's holidays and with its adjusted working weekends
    for the years chinesecalendar knows (the same library the working-day calendar reads)."""
    known = library_is_workday(day)
    return day.weekday() < 5 if known is None else known


def _first_school_day(day: dt.date) -> dt.date:
    while not _is_school_day(day):
        day += dt.timedelta(days=1)
    return day


def _weekday_on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def _weekday_on_or_before(day: dt.date, weekday: int) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - weekday) % 7)


def school_year_calendar(start_year: int) -> DemoSchoolYear:
    """The demo's calendar of a school year, any year: 1 September to 31 August; autumn from the
    first school day of September to the last Friday on or before 22 January (before the Spring
    Festival holidays); spring from the first school day from the Monday on or after 20 February to
    the first Friday of July. For 2025–26 and 2026–27 this gives the dates Henan's schools keep
    (spring 2026 begins on Tuesday 24 February, after the Spring Festival holidays)."""
    y = start_year
    autumn = DemoSemester(
        "autumn",
        _first_school_day(dt.date(y, 9, 1)),
        _weekday_on_or_before(dt.date(y + 1, 1, 22), 4),
        20,
    )
    spring = DemoSemester(
        "spring",
        _first_school_day(_weekday_on_or_after(dt.date(y + 1, 2, 20), 0)),
        _weekday_on_or_after(dt.date(y + 1, 7, 1), 4),
        19,
    )
    return DemoSchoolYear(y, dt.date(y, 9, 1), dt.date(y + 1, 8, 31), (autumn, spring))


def school_year_of(day: dt.date) -> int:
    """The start year of the demo's school year holding ``day`` (they run 1 September–31 August)."""
    return day.year if day.month >= 9 else day.year - 1


def demo_school_years(today: dt.date) -> dict[int, DemoSchoolYear]:
    """The school years the demo seeds around ``today``: the one holding it, the one before (cases
    started a year ago), and, once the current year's last semester has begun, the next autumn, so
    that there is always a semester ahead (R10.7's next window, a period ending next term)."""
    current = school_year_of(today)
    years = {y: school_year_calendar(y) for y in (current - 1, current)}
    if today >= years[current].semesters[-1].start:
        nxt = school_year_calendar(current + 1)
        years[current + 1] = DemoSchoolYear(nxt.start_year, nxt.start, nxt.end, (nxt.autumn,))
    return years


def _year(year: int | None) -> int:
    return school_year_of(clock.today()) if year is None else year


def intake_date(year: int | None = None) -> dt.date:
    """The day the autumn intake of school year ``year`` (default: today's) entered school (R3.1)."""
    return school_year_calendar(_year(year)).autumn.start


def birth_range(grade: int, year: int | None = None) -> tuple[dt.date, dt.date]:
    """Birth dates of a child in ``grade`` in school year ``year`` (default: today's) who started
    on time (R3.2)."""
    year = _year(year)
    return dt.date(year - 6 - grade, 9, 1), dt.date(year - 5 - grade, 8, 31)


def entry_date(school: DemoSchool, grade: int, year: int | None = None) -> dt.date:
    """When a student in ``grade`` in school year ``year`` (default: today's) entered ``school``:
    grade 7 at junior schools, else grade 1, on the first school day of that autumn."""
    first = 7 if school.kind == "junior" else 1
    return intake_date(_year(year) - (grade - first))
