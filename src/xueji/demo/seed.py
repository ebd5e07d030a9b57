"""Seed the demo district once, through the same services every other writer uses.

Master data goes through org.services (actor: the demo superuser), students through
students.services with their own school's registrar as the actor: grade 1/7 of this school year's
autumn intake by ``student_register`` (the service assigns the 学籍号), everyone else by
``student_import_existing`` keeping the national "G" + ID number they were given years ago. So the
demo data passes every rule a registrar's input passes, and its audit trail is a real one. Last,
each kind of status change seeds its own demo cases in every state (its package's demo module),
through the same services a user triggers.

Everything is relative to the day the seed runs on (clock.today(), moved by `xueji demo --today`):
the school years around it, the grades, ages and entry dates of the students, the R3.3
applications and the cases' dates. So a demo started on any date has work in every state.

The whole seed is one transaction (the services nest inside it as savepoints): a failed seed
leaves nothing behind, and SQLite commits once instead of 5,000 times.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from django.db import transaction
from django.utils import timezone

from xueji.changes.kinds.demo_files import scan as demo_scan
from xueji.changes.kinds.registry import KINDS
from xueji.core import clock
from xueji.demo import archive as demo_archive
from xueji.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, REGISTRAR_OF
from xueji.demo.district import (
    DEMO_DISTRICT,
    GRADE_WEIGHT,
    JURISDICTIONS,
    SCHOOLS,
    SCHOOLS_BY_SLUG,
    DemoSchool,
    demo_school_years,
    intake_date,
    school_year_of,
)
from xueji.demo.people import Payload, People, Profile
from xueji.exchange import export_request_services
from xueji.exchange.exports import StudentFilters
from xueji.org import registrar_services, second_factor
from xueji.org import services as org_services
from xueji.org.models import Jurisdiction, School, SchoolClass, SchoolYear, User
from xueji.students import promotion_services
from xueji.students import selectors as student_selectors
from xueji.students import services as student_services
from xueji.students.models import EntryApplication, Student

SEED = 2026
DEFAULT_STUDENTS = 5200


def late_entry_birth(year: int) -> dt.date:
    """R3.3: a child eligible a year before school year ``year``, deferred, who enters now."""
    return dt.date(year - 7, 5, 12)


# The special cases a demo must show, placed before the random students (R3.3, R5.1, R6.4, R6.6,
# R24.1, 随班就读, 留守儿童, 随迁子女). Any seed with at least this many students has all of them.
SCENARIOS: tuple[tuple[str, int, dict[str, Any]], ...] = (
    ("hq", 1, {"late_entry": True}),  # approved late entry, registered (born late_entry_birth())
    ("hq", 3, {"incomplete": True}),  # imported years ago, still incomplete: overdue (R5.1)
    ("hq", 1, {"incomplete": True}),  # entered this autumn, due a month later
    ("hq", 1, {"id_type": "C"}),  # Hong Kong resident, residence permit 810000… (R24.1), gets a J number
    ("hq", 1, {"id_type": "Z"}),  # no ID number: a J number (R6.4)
    ("hq", 2, {"regular_class": "1"}),  # 视力残疾随班就读
    ("sez", 7, {"id_type": "Z"}),
    ("sez", 8, {"regular_class": "2"}),  # 听力残疾随班就读
    ("sez", 9, {"incomplete": True}),
    ("tj", 4, {"attendance": "4", "disability": "7"}),  # 送教上门 (R6.6)
    ("tj", 8, {"attendance": "4", "disability": "5", "older": True}),
    ("tj", 1, {"disability": "2"}),
    ("bz", 5, {"left_behind": "2"}),  # both parents work away: grandparents are guardians
    ("bz", 3, {"left_behind": "1"}),
    ("jfl", 4, {"migrant": True}),  # 进城务工人员随迁子女
    ("dg", 2, {"migrant": True}),
    ("dg", 5, {"regular_class": "3"}),  # 智力残疾随班就读
    ("dg", 1, {"incomplete": True}),
    ("blz", 8, {"regular_class": "4"}),  # 其他残疾（肢体）随班就读
    ("dfy", 6, {"older": True}),
)

# Deferrals (R3.3) of children who turn six by 31 August of the seed's calendar year and will enter
# a year later: (school, registrar, deciding officer or None for a pending application, birthday
# (month, day), the guardian's reason; {year} is the year of entry).
DEFERRALS: tuple[tuple[str, str, str | None, tuple[int, int], str], ...] = (
    (
        "hq",
        "hq_registrar",
        None,
        (7, 18),
        "儿童先天性心脏病术后康复中，医嘱建议推迟一年入学（附安阳市人民医院诊断证明）。",
    ),
    (
        "dg",
        "wf_registrar",
        "wf_officer",
        (8, 9),
        "儿童语言发育迟缓，正在康复训练，监护人申请推迟至{year}年入学（附康复机构评估报告）。",
    ),
)


@dataclass
class SeedReport:
    seeded: bool  # False: the demo district was already there, nothing was written
    students: int = 0
    registered: int = 0
    imported: int = 0
    schools: int = 0
    classes: int = 0
    accounts: int = 0
    cases: dict[str, int] = field(default_factory=dict)  # per kind of status change
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


def max_students() -> int:
    """Seats of every demo class, less two per class so no class is seeded completely full."""
    return sum((s.seats_per_class(g) - 2) * s.classes_per_grade for s in SCHOOLS for g in s.grades)


def is_seeded() -> bool:
    return Jurisdiction.objects.filter(code=DEMO_DISTRICT).exists()


def seeded_on() -> dt.date | None:
    """The demo's day when it was seeded (its superuser's creation, on the seed's clock), or None."""
    account = next(a for a in DEMO_ACCOUNTS if a.role == "")
    joined = User.objects.filter(username=account.username).values_list("date_joined", flat=True).first()
    return timezone.localdate(joined) if joined is not None and is_seeded() else None


def seed_demo(*, students: int = DEFAULT_STUDENTS, log: Callable[[str], None] | None = None) -> SeedReport:
    """Create the demo district with ``students`` students, unless it exists already (idempotent)."""
    say = log or (lambda _msg: None)
    started = time.perf_counter()
    if students > max_students():
        raise ValueError(f"演示学校共有 {max_students()} 个学位，容纳不下 {students} 名学生。")
    with transaction.atomic():
        # Checked inside the transaction: a second `xueji demo` started at the same moment waits
        # for the first one's write lock (SQLite) or trips the unique codes (PostgreSQL).
        if is_seeded():
            return SeedReport(seeded=False)
        seeder = _Seeder(random.Random(SEED), say)
        report = seeder.run(students)
    report.seconds = time.perf_counter() - started
    return report


class _Seeder:
    def __init__(self, rng: random.Random, say: Callable[[str], None]):
        self.rng = rng
        self.say = say
        self.today = clock.today()
        self.year = school_year_of(self.today)  # the school year the students are in
        self.people = People(rng, self.year)
        self.report = SeedReport(seeded=True)

    def _timed(self, label: str, started: float) -> None:
        self.report.timings[label] = time.perf_counter() - started

    def run(self, students: int) -> SeedReport:
        t = time.perf_counter()
        self.admin = self._superuser()
        self.jurisdictions = self._jurisdictions()
        self.years = self._school_years()
        self.schools = self._schools()
        self.classes = self._classes()
        self.users = self._accounts()
        self._timed("master data", t)
        t = time.perf_counter()
        self._students(students)
        self._timed("students", t)
        t = time.perf_counter()
        # Last, once the students exist: cases of every kind in every state, so every inbox has work.
        for kind in KINDS.values():
            if kind.demo:
                seed = importlib.import_module(kind.demo).seed
                made = seed(users=self.users, schools=self.schools, people=self.people, say=self.say)
                self.report.cases[kind.key] = len(made)
        self._timed("cases", t)
        demo_archive.seed(users=self.users, schools=self.schools, rng=random.Random(SEED + 1), say=self.say)
        self._export_request()
        self._school_year_end()
        return self.report

    def _export_request(self) -> None:
        """R21.1: an unmasked 国家学籍表 of one class, asked by a registrar, waiting for the district."""
        registrar = self.users["hq_registrar"]
        school = registrar.school
        assert school is not None  # a registrar belongs to a school (R2.2)
        export_request_services.export_request_create(
            actor=registrar,
            filters=StudentFilters(grade=1),
            layout="national",
            purpose="与全国中小学生学籍信息管理系统核对一年级新生的身份信息",
            recipient="安阳市教育局",
        )

    def _school_year_end(self) -> None:
        """A demo started after a school year's last semester (``--today 2027-07-10``): 文峰区东关小学
        has already promoted (R14.2), so its graduates wait for 升学 (R6.5) and the district's list
        shows one school done; every other school is left for the demo's users to promote."""
        registrar, approver, school = (
            self.users["wf_registrar"],
            self.users["wf_approver"],
            self.schools["dg"],
        )
        standing = student_selectors.promotion_statuses(requested_by=registrar, schools=[school])[0]
        if standing.refusal or standing.year is None or standing.next_year is None:
            return  # an ordinary school day: nothing to promote
        org_services.classes_for_next_year(
            actor=registrar, school=school, school_year=standing.year, next_year=standing.next_year
        )
        submitted = promotion_services.promotion_submit(actor=registrar, school=school)
        promotion_services.promotion_confirm(actor=approver, promotion=submitted)

    # ------------------------------------------------------------------ master data (org.services)

    def _superuser(self) -> User:
        # The one account no service creates: the first actor, as `createsuperuser` would make it.
        account = next(a for a in DEMO_ACCOUNTS if a.role == "")
        return User.objects.create_superuser(
            username=account.username, password=DEMO_PASSWORD, full_name=account.full_name, email=""
        )

    def _jurisdictions(self) -> dict[str, Jurisdiction]:
        made: dict[str, Jurisdiction] = {}
        for code, name, level, parent in JURISDICTIONS:
            made[code] = org_services.jurisdiction_create(
                actor=self.admin, code=code, name=name, level=level, parent=made[parent] if parent else None
            )
        return made

    def _school_years(self) -> dict[int, SchoolYear]:
        years = {}
        for start_year, planned in demo_school_years(self.today).items():
            existing = SchoolYear.objects.filter(start_year=start_year).first()
            if existing is not None:  # made by `xueji gen_demo` on the same database: keep it
                years[start_year] = existing
                continue
            year = org_services.school_year_create(
                actor=self.admin, start_year=start_year, start=planned.start, end=planned.end
            )
            for s in planned.semesters:
                org_services.semester_create(
                    actor=self.admin,
                    school_year=year,
                    term=s.term,
                    start=s.start,
                    end=s.end,
                    teaching_weeks=s.teaching_weeks,
                    teaching_hours=s.teaching_hours,
                )
            years[start_year] = year
        return years

    def _schools(self) -> dict[str, School]:
        made = {}
        for s in SCHOOLS:
            made[s.slug] = org_services.school_create(
                actor=self.admin,
                code=s.code,
                name=s.name,
                district=self.jurisdictions[s.district],
                kind=s.kind,
                grade_from=s.grades[0],
                grade_to=s.grades[-1],
                address=s.address,
                capacity={g: (s.classes_per_grade, s.seats_per_class(g)) for g in s.grades},
            )
        self.report.schools = len(made)
        # The services read school.district on every call: fetch it once, not once per student.
        by_pk = School.objects.select_related("district").in_bulk([school.pk for school in made.values()])
        return {slug: by_pk[school.pk] for slug, school in made.items()}

    def _classes(self) -> dict[tuple[str, int, int], SchoolClass]:
        made = {}
        for s in SCHOOLS:
            for grade in s.grades:
                for number in range(1, s.classes_per_grade + 1):
                    made[s.slug, grade, number] = org_services.class_create(
                        actor=self.admin,
                        school=self.schools[s.slug],
                        school_year=self.years[self.year],
                        grade=grade,
                        number=number,
                        capacity=s.seats_per_class(grade),
                        head_teacher=self.people.teacher_name(),
                    )
        self.report.classes = len(made)
        return made

    def _accounts(self) -> dict[str, User]:
        users = {}
        for a in DEMO_ACCOUNTS:
            if a.role == "":
                users[a.username] = self.admin
                continue
            users[a.username] = org_services.user_create(
                actor=self.admin,
                username=a.username,
                password=DEMO_PASSWORD,
                full_name=a.full_name,
                role=a.role,
                school=self.schools[a.school] if a.school else None,
                jurisdiction=self.jurisdictions[a.jurisdiction] if a.jurisdiction else None,
                phone=self.people.phone(),
            )
        self._registrars_on_file(users)
        for a in DEMO_ACCOUNTS:  # R21.1: the published secrets, so visitors can compute codes
            if a.needs_second_factor:
                second_factor.device_install_known(
                    actor=self.admin, user=users[a.username], key_hex=a.totp_key.hex()
                )
        self.report.accounts = len(users)
        return users

    def _registrars_on_file(self, users: dict[str, User]) -> None:
        """R19.1: every demo registrar was filed and trained before go-live; the district enters
        each paper filing with its scanned appointment (the demo's one-page PDFs)."""
        officers = {u.jurisdiction_id: u for u in users.values() if u.role == "district_officer"}
        for a in DEMO_ACCOUNTS:
            if a.role != "registrar":
                continue
            user = users[a.username]
            assert user.school is not None  # a registrar belongs to a school (R2.2)
            registrar_services.registrar_record_paper_filing(
                actor=officers[user.school.district_id],
                user=user,
                full_name=user.full_name,
                phone=user.phone or self.people.phone(),
                trained_on=dt.date(self.year, 7, 10),
                document=BytesIO(demo_scan("学籍管理员任命文件", user.full_name, user.school.name)),
                document_name=f"{user.school.name}学籍管理员任命.pdf",
            )

    # ------------------------------------------------------------------ students (students.services)

    def _allocate(self, n: int) -> dict[tuple[str, int, int], int]:
        """How many random students each class gets: by seats, cohort size and the school's pull."""
        weights = {
            key: cls.capacity
            * GRADE_WEIGHT[key[1]]
            * SCHOOLS_BY_SLUG[key[0]].popularity
            * self.rng.uniform(0.9, 1.1)
            for key, cls in self.classes.items()
        }
        total = sum(weights.values())
        exact = {key: n * w / total for key, w in weights.items()}
        quota = {key: min(int(x), self.classes[key].capacity - 2) for key, x in exact.items()}
        # Largest remainders first, so the quotas add up to n exactly (n <= max_students()).
        order = sorted(exact, key=lambda k: exact[k] - int(exact[k]), reverse=True)
        missing = n - sum(quota.values())
        while missing > 0:
            for key in order:
                if missing and quota[key] < self.classes[key].capacity - 2:
                    quota[key] += 1
                    missing -= 1
        return quota

    def _random_profile(self, school: DemoSchool, grade: int) -> Profile:
        rng = self.rng
        roll = rng.random
        rural = bool(school.town)
        regular = "0"
        if school.kind != "special" and roll() < 0.004:
            regular = rng.choice("1234")
        left = "0"
        if roll() < (0.06 if rural else 0.01):
            left = "2" if roll() < 0.5 else "1"
        return Profile(
            school=school,
            grade=grade,
            incomplete=roll() < 0.03,
            migrant=roll() < (0.01 if rural else 0.05),
            left_behind=left,
            regular_class=regular,
            # Late starters and repeated years, never in grade 1 (that needs an R3.3 decision).
            older=grade > 1 and roll() < (0.3 if school.kind == "special" else 0.01),
        )

    def _students(self, n: int) -> None:
        late_birth = late_entry_birth(self.year)
        scenarios = [
            Profile(
                school=SCHOOLS_BY_SLUG[slug],
                grade=g,
                birth=late_birth if kw.get("late_entry") else None,
                **{k: v for k, v in kw.items() if k != "late_entry"},
            )
            for slug, g, kw in SCENARIOS
        ][:n]
        plan = [
            (p, (p.school.slug, p.grade, 1 + i % p.school.classes_per_grade)) for i, p in enumerate(scenarios)
        ]
        for key, count in self._allocate(n - len(scenarios)).items():
            plan += [(self._random_profile(SCHOOLS_BY_SLUG[key[0]], key[1]), key) for _ in range(count)]
        seats: dict[tuple[str, int, int], int] = dict.fromkeys(self.classes, 0)
        work: list[tuple[Profile, Payload, SchoolClass]] = []
        for profile, key in plan:
            seats[key] += 1
            work.append((profile, self.people.student(profile, seat=f"{seats[key]:02d}"), self.classes[key]))
        late = next((payload for p, payload, _ in work if p.birth == late_birth), None)
        self._entry_applications(late)
        # The district went live a year before this one's intake: the records then on file were
        # imported that day, each later intake registered on its first school day. So R5.1's month
        # has run out for every record (the overdue list has work) except this autumn's.
        live = intake_date(self.year - 1)
        written: list[tuple[Profile, Student]] = []
        for done, (profile, payload, school_class) in enumerate(work, start=1):
            with clock.fixed(min(max(payload.enrollment["entry_date"], live), self.today)):
                written.append((profile, self._write(profile.school, payload, school_class)))
            if done % 500 == 0 or done == len(work):
                self.say(f"  已建立 {done}/{len(work)} 名学生的学籍 ({done} students)")
        self._household_proofs(written)

    def _household_proofs(self, written: list[tuple[Profile, Student]]) -> None:
        """R5.1: each school's registrar uploads the household proofs in one go, but for a few
        students (and those whose form is incomplete anyway) that are still to come."""
        scan = demo_scan("户口簿/户籍证明", "（演示学生）", "入学材料")
        by_school: dict[str, list[student_services.Upload]] = {}
        for profile, student in written:
            if profile.incomplete or self.rng.random() < 0.03:
                continue
            by_school.setdefault(profile.school.slug, []).append(
                student_services.Upload(student, f"户口簿-{student.name}.pdf", scan)
            )
        for slug, files in by_school.items():
            student_services.evidence_attach_many(
                actor=self.users[REGISTRAR_OF[slug]],
                school=self.schools[slug],
                category="household",
                files=files,
            )
        self.say(f"  已上传 {sum(map(len, by_school.values()))} 份户口簿扫描件 (household proofs)")

    def _write(self, school: DemoSchool, payload: Payload, school_class: SchoolClass) -> Student:
        common: dict[str, Any] = {
            "actor": self.users[REGISTRAR_OF[school.slug]],
            "school": self.schools[school.slug],
            "student": payload.student,
            "family": payload.family,
            "enrollment": payload.enrollment,
            "school_class": school_class,
        }
        if payload.xjh is None:
            self.report.registered += 1
            student = student_services.student_register(**common)
        else:
            self.report.imported += 1
            student = student_services.student_import_existing(xjh=payload.xjh, **common)
        self.report.students += 1
        return student

    # ------------------------------------------------------------------ R3.3 applications

    def _entry_applications(self, late: Payload | None) -> None:
        """One approved late entry (the child is registered afterwards), one pending and one approved deferral."""
        year = self.year
        if late is not None:
            father = late.family[0]
            # Applied for and approved in the summer before this school year's intake.
            with clock.fixed(dt.date(year, 7, 15)):
                application = student_services.entry_application_submit(
                    actor=self.users["hq_registrar"],
                    school=self.schools["hq"],
                    data={
                        "kind": EntryApplication.Kind.LATE_ENTRY,
                        "child_name": late.student["name"],
                        "id_number": late.student["id_number"],
                        "entry_year": year,
                        "reason": f"{year - 1}年经批准推迟入学（术后康复），现已康复，申请{year}年秋季入读一年级。",
                        "guardian_name": father["name"],
                        "guardian_phone": father["phone"],
                    },
                )
                student_services.entry_application_decide(
                    actor=self.users["bg_officer"],
                    application=application,
                    approve=True,
                    comment="同意入学，编入一年级。",
                )
        # This calendar year's six-year-olds (the intake just past in the autumn, the coming one
        # otherwise), deferred to next year: an application may name this year to three years on.
        entry = self.today.year + 1
        for slug, registrar, officer, (month, day), reason in DEFERRALS:
            school = self.schools[slug]
            name, _gender, id_number, guardian, phone = self.people.child_for_application(
                birth=dt.date(entry - 7, month, day), region=school.district.code
            )
            application = student_services.entry_application_submit(
                actor=self.users[registrar],
                school=school,
                data={
                    "kind": EntryApplication.Kind.DEFERRAL,
                    "child_name": name,
                    "id_number": id_number,
                    "entry_year": entry,
                    "reason": reason.format(year=entry),
                    "guardian_name": guardian,
                    "guardian_phone": phone,
                },
            )
            if officer:
                student_services.entry_application_decide(
                    actor=self.users[officer],
                    application=application,
                    approve=True,
                    comment=f"同意推迟至{entry}年入学。",
                )
