"""Synthetic children and families, as the raw payloads a registrar would type into the form.

Everything is drawn from one ``random.Random`` so the demo is the same every time. Identity
numbers are synthetic but valid (GB 11643 check character, local region codes, the 17th digit
matching the gender, unique); nothing here is a real person.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass
from typing import Any

from xueji.core import clock
from xueji.core.identity import gb11643_check_char
from xueji.demo import names
from xueji.demo.district import DemoSchool, birth_range, entry_date, intake_date, school_year_of

# Where the children's ID numbers were issued, by the district of their school.
HOME_REGIONS: dict[str, dict[str, int]] = {
    "410503": {"410503": 62, "410502": 10, "410505": 8, "410522": 9, "410506": 3, "410523": 3, "410581": 5},
    "410502": {"410502": 62, "410503": 10, "410505": 8, "410522": 10, "410506": 4, "410523": 3, "410527": 3},
}
# Migrant workers' children (进城务工人员随迁子女) come from the counties and from other cities.
MIGRANT_REGIONS: dict[str, int] = {
    "410526": 30,
    "410527": 20,
    "411421": 15,
    "410928": 15,
    "411522": 10,
    "411302": 10,
}
AWAY_CITIES = (
    "广东省深圳市宝安区",
    "浙江省杭州市萧山区",
    "江苏省苏州市昆山市",
    "北京市大兴区",
    "上海市松江区",
)
POSTAL_CODES = {"410503": "455000", "410502": "455000", "410505": "455004", "410506": "455133"}
# 残疾类型 of special-education pupils, weighted (intellectual disability is the most common).
SPECIAL_DISABILITIES = {"5": 40, "2": 18, "1": 10, "7": 15, "3": 5, "4": 6, "6": 6}
MOBILE_PREFIXES = "130 131 132 133 135 136 137 138 139 150 151 152 155 156 157 158 159 180 181 182 183 185 186 187 188 189".split()
# Fields a registrar sometimes has not filled in yet (R5.1): what an incomplete record lacks.
OPTIONAL_AT_ENTRY = (
    "phone",
    "postal_code",
    "health",
    "household_type",
    "native_place",
    "mailing_address",
    "only_child",
    "preschool",
    "household_place_code",
)


@dataclass(frozen=True)
class Profile:
    """What the seed wants of one student; everything else is drawn at random."""

    school: DemoSchool
    grade: int
    id_type: str = "1"  # "1" resident ID, "C" HK/Macao/Taiwan residence permit, "Z" no number
    incomplete: bool = False
    migrant: bool = False
    left_behind: str = "0"
    regular_class: str = "0"  # 随班就读 code; its disability follows
    disability: str = "0"
    attendance: str = ""  # "" = drawn by the school's kind
    older: bool = False  # born a year before the grade's range (late start or a repeated year)
    birth: dt.date | None = None


@dataclass
class Payload:
    """Raw input for students.services: register (grade 1/7 intake) or import with a kept 学籍号."""

    student: dict[str, Any]
    family: list[dict[str, Any]]
    enrollment: dict[str, Any]
    xjh: str | None  # None: a new registration, the service assigns the number


def registers(school: DemoSchool, grade: int) -> bool:
    """A student of this school year's autumn intake is registered; everyone else is imported
    (entered in an earlier year)."""
    return grade == 1 or (grade == 7 and school.kind == "junior")


class People:
    """Students of school year ``year`` (its start year; default: the one holding today)."""

    def __init__(self, rng: random.Random, year: int | None = None):
        self.rng = rng
        self.year = school_year_of(clock.today()) if year is None else year
        self._used_ids: set[str] = set()
        self._surnames = list(names.SURNAMES)
        self._surname_cum = list(itertools.accumulate(names.SURNAMES.values()))

    # ------------------------------------------------------------------ small pieces

    def weighted(self, table: dict[str, int]) -> str:
        return self.rng.choices(list(table), weights=list(table.values()))[0]

    def surname(self) -> str:
        return self.rng.choices(self._surnames, cum_weights=self._surname_cum)[0]

    def given_name(self, chars: str) -> str:
        rng = self.rng
        if rng.random() < 0.15:
            return rng.choice(chars)
        first, second = rng.choice(chars), rng.choice(chars)
        while second == first and rng.random() < 0.9:  # doubled names (萱萱) exist, but rarely
            second = rng.choice(chars)
        return first + second

    def date_between(self, lo: dt.date, hi: dt.date) -> dt.date:
        return lo + dt.timedelta(days=self.rng.randint(0, (hi - lo).days))

    def id_number(self, region: str, birth: dt.date, *, male: bool) -> str:
        """A unique, valid 18-character number: region + birth date + sequence (odd = male) + check."""
        while True:
            sequence = self.rng.randrange(0, 500) * 2 + (1 if male else 0)
            body = f"{region}{birth:%Y%m%d}{sequence:03d}"
            number = body + gb11643_check_char(body)
            if number not in self._used_ids:
                self._used_ids.add(number)
                return number

    def phone(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def address(self, district: str, town: str = "") -> str:
        rng = self.rng
        area = {"410503": "北关区", "410502": "文峰区", "410505": "殷都区", "410506": "龙安区"}[district]
        if town:
            return f"河南省安阳市{area}{town}{rng.choice(names.VILLAGES[town])}{rng.randint(1, 260)}号"
        street = rng.choice(names.STREETS[district])
        if rng.random() < 0.15:
            return f"河南省安阳市{area}{street}{rng.randint(1, 400)}号"
        return (
            f"河南省安阳市{area}{street}{rng.randint(1, 400)}号{rng.choice(names.COMPOUNDS)}"
            f"{rng.randint(1, 18)}号楼{rng.randint(1, 4)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}"
        )

    def teacher_name(self) -> str:
        return self.surname() + self.given_name(names.TEACHER_CHARS)

    # ------------------------------------------------------------------ one student

    def student(self, p: Profile, *, seat: str = "") -> Payload:
        rng = self.rng
        school = p.school
        male = rng.random() < 0.52
        lo, hi = birth_range(p.grade, self.year)
        if p.older:
            lo, hi = years_before(lo, 1), years_before(hi, 1)
        birth = p.birth or self.date_between(lo, hi)
        region = self.weighted(MIGRANT_REGIONS if p.migrant else HOME_REGIONS[school.district])
        surname = self.surname()
        name = surname + self.given_name(names.BOY_CHARS if male else names.GIRL_CHARS)
        ethnicity = self.weighted({"01": 985, "03": 9, "11": 3, "02": 2, "08": 1})
        # Families live near the school; rural schools draw from their town's villages.
        home_district = (
            school.district
            if rng.random() < 0.85 or school.town
            else self.weighted({"410503": 1, "410502": 1, "410505": 1})
        )
        address = self.address(home_district, school.town)
        disability = p.disability
        if p.regular_class != "0" and disability == "0":
            disability = {"1": "1", "2": "2", "3": "5", "4": "4"}[p.regular_class]
        if school.kind == "special" and disability == "0":
            disability = self.weighted(SPECIAL_DISABILITIES)

        if p.id_type == "C":  # R24.1: a Hong Kong resident's residence permit, 810000…
            id_number = self.id_number("810000", birth, male=male)
            birthplace, native, household, hk_mo_tw, nationality = "810000", "香港", "810000", "01", "HKG"
        else:
            id_number = self.id_number(region, birth, male=male) if p.id_type == "1" else ""
            birthplace, native, household = region, names.NATIVE_PLACES[region], region
            hk_mo_tw, nationality = "00", "CHN"
        rural = bool(school.town) or p.migrant or region not in POSTAL_CODES
        father, mother, guardian_phone = self._parents(p, surname, birth, region, ethnicity, address)
        student: dict[str, Any] = {
            "name": name,
            "gender": "1" if male else "2",
            "birth_date": birth,
            "birthplace_code": birthplace,
            "native_place": native,
            "ethnicity": ethnicity,
            "nationality": nationality,
            "id_type": p.id_type,
            "hk_mo_tw": hk_mo_tw,
            "political_status": "03" if p.grade >= 8 and rng.random() < 0.12 else "13",
            "health": "50" if disability != "0" else ("20" if rng.random() < 0.03 else "10"),
            "household_place_code": household,
            "household_type": "1" if rural and rng.random() < 0.8 else "2",
            "current_address": address,
            "mailing_address": address,
            "home_address": address,
            "phone": guardian_phone,
            "postal_code": POSTAL_CODES.get(home_district, "455000"),
            "only_child": rng.random() < 0.3,
            "preschool": rng.random() < 0.97,
            "left_behind": p.left_behind,
            "migrant_child": p.migrant,
            "regular_class_disabled": p.regular_class,
            "disability": disability,
            "needs_aid": rng.random() < (0.12 if rural else 0.03),
        }
        if id_number:
            student["id_number"] = id_number
        student.update(self._commute(school, p))
        if p.incomplete:
            for field in rng.sample(OPTIONAL_AT_ENTRY, rng.randint(1, 3)):
                student.pop(field, None)
        attendance = p.attendance or ("2" if school.town and p.grade >= 7 and rng.random() < 0.35 else "1")
        enrollment = {
            "grade": p.grade,
            "entry_date": intake_date(self.year)
            if registers(school, p.grade)
            else entry_date(school, p.grade, self.year),
            "entry_mode": "11" if rng.random() < 0.92 else "12",
            "attendance_mode": attendance,
            "source": "1",
            "class_seat_number": seat,
        }
        xjh = None if registers(school, p.grade) else "G" + id_number
        return Payload(student=student, family=[father, mother], enrollment=enrollment, xjh=xjh)

    def _commute(self, school: DemoSchool, p: Profile) -> dict[str, Any]:
        rng = self.rng
        if p.attendance == "4":  # taught at home: no commute
            return {}
        if school.town:
            mode = self.weighted({"5": 45, "4": 30, "2": 15, "1": 10})
            km = round(rng.uniform(0.5, 8.0), 1)
        else:
            mode = self.weighted({"1": 35, "4": 45, "2": 10, "3": 10})
            km = round(rng.uniform(0.2, 4.5), 1)
        return {"commute_mode": mode, "commute_km": str(km), "school_bus": mode == "5"}

    def _parents(
        self, p: Profile, surname: str, birth: dt.date, region: str, ethnicity: str, address: str
    ) -> tuple[dict[str, Any], dict[str, Any], str]:
        rng = self.rng
        father_birth = self.date_between(years_before(birth, 38), years_before(birth, 24))
        mother_birth = self.date_between(years_before(birth, 35), years_before(birth, 22))
        # Parents of a Hong Kong child hold residence permits too (R24.1).
        parent_type, parent_region = ("C", "810000") if p.id_type == "C" else ("1", region)
        work = (
            rng.choice(names.EMPLOYERS)
            if rng.random() < 0.45
            else rng.choice(names.OCCUPATIONS[:3] + ("企业职工",))
        )
        father: dict[str, Any] = {
            "name": surname + self.given_name(names.FATHER_CHARS),
            "relation": "1",
            "ethnicity": ethnicity,
            "employer": work,
            "address": address,
            "household_place_code": parent_region,
            "phone": self.phone(),
            "is_guardian": True,
            "id_type": parent_type,
            "id_number": self.id_number(parent_region, father_birth, male=True),
        }
        mother: dict[str, Any] = {
            "name": self.surname() + self.given_name(names.MOTHER_CHARS),
            "relation": "2",
            "ethnicity": ethnicity if rng.random() < 0.9 else "01",
            "employer": rng.choice(names.EMPLOYERS) if rng.random() < 0.4 else rng.choice(names.OCCUPATIONS),
            "address": address,
            "phone": self.phone(),
            "is_guardian": True,
        }
        if rng.random() < 0.6:
            mother.update(
                id_type=parent_type, id_number=self.id_number(parent_region, mother_birth, male=False)
            )
        if p.migrant:
            father["employer"] = mother["employer"] = rng.choice(("务工", "个体经营", "企业职工"))
        if p.left_behind == "1":  # one parent works far away; the other stays with the child
            father.update(employer="在外务工", address=rng.choice(AWAY_CITIES))
            return father, mother, mother["phone"]
        if p.left_behind == "2":  # both parents away: a grandparent looks after the child
            grandparent_birth = self.date_between(
                years_before(father_birth, 32), years_before(father_birth, 22)
            )
            grandparent: dict[str, Any] = {
                "name": surname + self.given_name(names.FATHER_CHARS),
                "relation": "3",
                "relation_note": "祖父",
                "ethnicity": ethnicity,
                "employer": "务农",
                "address": address,
                "phone": self.phone(),
                "is_guardian": True,
                "id_type": "1",
                "id_number": self.id_number(region, grandparent_birth, male=True),
            }
            father.update(employer="在外务工", address=rng.choice(AWAY_CITIES))
            return grandparent, father, grandparent["phone"]
        return father, mother, father["phone"] if rng.random() < 0.5 else mother["phone"]

    def child_for_application(
        self, *, birth: dt.date, region: str = "410503"
    ) -> tuple[str, str, str, str, str]:
        """(name, gender, id_number, guardian name, guardian phone) of a child who is not yet a student."""
        male = self.rng.random() < 0.5
        surname = self.surname()
        name = surname + self.given_name(names.BOY_CHARS if male else names.GIRL_CHARS)
        guardian = surname + self.given_name(names.FATHER_CHARS)
        return name, "1" if male else "2", self.id_number(region, birth, male=male), guardian, self.phone()


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
