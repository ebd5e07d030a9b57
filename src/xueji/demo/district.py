"""The demo district as data: jurisdictions, schools, school years and semesters (R2.1).

Henan 河南省 › Anyang 安阳市 › 北关区 (the district of the measures) and its neighbour 文峰区.
School names, codes and addresses are invented; they look like the real ones so a registrar
recognises the screens. 学校标识码 here are synthetic: "4105" + district suffix + kind + serial.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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

# Relative size of each grade's cohort in 2026–27: births in China fell from about 17.9 million
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


# start_year → (start, end, (semesters)). The demo lives in school year 2026–27.
SCHOOL_YEARS: dict[int, tuple[dt.date, dt.date, tuple[DemoSemester, ...]]] = {
    2025: (
        dt.date(2025, 9, 1),
        dt.date(2026, 8, 31),
        (
            DemoSemester("autumn", dt.date(2025, 9, 1), dt.date(2026, 1, 16), 20),
            DemoSemester("spring", dt.date(2026, 2, 24), dt.date(2026, 7, 3), 19),
        ),
    ),
    2026: (
        dt.date(2026, 9, 1),
        dt.date(2027, 8, 31),
        (
            DemoSemester("autumn", dt.date(2026, 9, 1), dt.date(2027, 1, 22), 20),
            DemoSemester("spring", dt.date(2027, 2, 22), dt.date(2027, 7, 2), 19),
        ),
    ),
}
CURRENT_YEAR = 2026
ENTRY_DATE = dt.date(2026, 9, 1)  # the autumn 2026 intake (R3.1)


def birth_range(grade: int, year: int = CURRENT_YEAR) -> tuple[dt.date, dt.date]:
    """Birth dates of a child in ``grade`` in school year ``year`` who started on time (R3.2)."""
    return dt.date(year - 6 - grade, 9, 1), dt.date(year - 5 - grade, 8, 31)


def entry_date(school: DemoSchool, grade: int, year: int = CURRENT_YEAR) -> dt.date:
    """When a student now in ``grade`` entered ``school``: grade 7 at junior schools, else grade 1."""
    first = 7 if school.kind == "junior" else 1
    return dt.date(year - (grade - first), 9, 1)
