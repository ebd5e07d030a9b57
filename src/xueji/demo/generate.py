"""Synthetic students at province scale for load tests and benchmarks (``xueji gen_demo``).

Why this bypasses the services: the seed (demo.seed) goes through student_register one student at
a time — about a minute for 5,000 — so two million would take most of a day. The data is synthetic
and never a real district's, so this writes the rows directly: COPY on PostgreSQL, bulk_create
on SQLite. It writes no audit events and no history rows, which a real
record would have; refusing to run in production keeps it that way (docs/decisions/0013).

What the services would guarantee is built in instead, and tests/demo/test_gen_demo.py checks it:
valid GB 11643 numbers whose region is the school's district, birth date and 17th digit agreeing
with the record, birth dates that fit the grade in the current school year, 学籍号 = "G" + ID number
with its XjhAlias, one current enrollment, a guardian, and is_complete as the rules compute it:
R5.1's household proof is an Evidence row for most students (uploaded by the city's loader account,
``gen_loader``); the scans themselves are not written (two million files), so downloading one
answers as for a missing file.

Layout: 郑州市 (410100) and up to its twelve districts and counties — none of them the demo's
(北关区 410503, 文峰区 410502) or a region the demo draws ID numbers from, so neither side can take
the other's codes or numbers. Every district has a fixed, seed-determined list of schools (code:
district + kind digit + serial, the demo's format); each run fills the next schools nobody has used
yet, so a second run adds N students in new schools. ID sequence numbers continue above the largest
already stored for each region and birth date, so they never collide with earlier runs either.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import itertools
import math
import queue
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from xueji.core import clock
from xueji.core.identity import gb11643_check_char
from xueji.demo import names
from xueji.demo.district import GRADE_WEIGHT, birth_range, school_year_calendar, school_year_of
from xueji.org import selectors as org_selectors
from xueji.org.models import (
    GradeCapacity,
    Jurisdiction,
    Role,
    School,
    SchoolClass,
    SchoolYear,
    Semester,
    User,
)
from xueji.students import rules
from xueji.students.models import Enrollment, Evidence, FamilyMember, Student, XjhAlias
from xueji.students.services import RECORD_MONTHS

DEFAULT_SEED = 20260901
CHUNK = 50_000  # students per COPY round and per progress line
CLASS_SIZE = 45
SCHOOL_SIZE = (800, 2500)  # students per school
SCHOOLS_PER_DISTRICT = 100
STUDENTS_PER_DISTRICT = SCHOOLS_PER_DISTRICT * sum(SCHOOL_SIZE) // 2
MAX_SERIAL = 999  # three digits of the school code per kind

MSG_PRODUCTION = (
    "gen_demo 只生成合成（虚构）学生数据，不能在生产环境运行（XUEJI_ENV=production）。"
    "请在演示或测试数据库上运行。(gen_demo writes synthetic students and refuses to run in production.)"
)

CITY = ("410100", "郑州市")


@dataclass(frozen=True)
class District:
    code: str  # GB/T 2260, present in the region table identity.region_info reads
    name: str
    postal_code: str


DISTRICTS: tuple[District, ...] = (
    District("410105", "金水区", "450003"),
    District("410102", "中原区", "450007"),
    District("410103", "二七区", "450052"),
    District("410104", "管城回族区", "450000"),
    District("410108", "惠济区", "450044"),
    District("410106", "上街区", "450041"),
    District("410122", "中牟县", "451450"),
    District("410181", "巩义市", "451200"),
    District("410182", "荥阳市", "450100"),
    District("410183", "新密市", "452370"),
    District("410184", "新郑市", "451100"),
    District("410185", "登封市", "452470"),
)

# School kinds: (School.Kind, code digit as in the demo's codes, grades, name suffix, share).
KINDS: tuple[tuple[str, str, range, str, float], ...] = (
    ("primary", "1", range(1, 7), "小学", 0.58),
    ("junior", "2", range(7, 10), "初级中学", 0.28),
    ("nine_year", "3", range(1, 10), "九年一贯制学校", 0.14),
)
STREETS = (
    "文化路", "农业路", "经三路", "纬五路", "花园路", "金水路", "黄河路", "丰产路", "建设路", "桐柏路",
    "嵩山路", "伏牛路", "工人路", "大学路", "航海路", "陇海路", "长江路", "中州大道", "未来路", "紫荆山路",
    "商城路", "城东路", "东风路", "沙口路", "科学大道", "化工路", "南阳路", "北环路", "政七街", "顺河路",
)  # fmt: skip
COMPOUNDS = (
    "幸福家园", "锦绣花园", "阳光小区", "金色家园", "翰林苑", "泰和园", "安居小区", "御景园", "和谐家园",
    "滨河花园", "学府佳苑", "丽景苑", "朝阳小区", "邮电小区", "铁路家属院", "电业局家属院", "绿城花园",
    "建业森林半岛", "正商城", "康桥华城", "名门世家", "万科城", "碧水云天", "橄榄城",
)  # fmt: skip
EMPLOYERS = (
    "郑州大学", "河南省人民医院", "郑州市第一人民医院", "郑州宇通客车股份有限公司", "中国移动河南分公司",
    "国网郑州供电公司", "郑州地铁集团有限公司", "郑州日产汽车有限公司", "河南省教育厅", "郑州市公安局",
    "中国工商银行郑州分行", "郑州市自来水总公司", "河南中烟工业有限责任公司", "郑州市金水区人民政府",
    "郑州铁路局", "中铁七局集团有限公司", "郑州煤矿机械集团股份有限公司", "郑州市第一中学",
)  # fmt: skip
MOBILE_PREFIXES = ("130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155",
                   "156", "158", "159", "176", "177", "180", "182", "185", "186", "187", "188", "189")  # fmt: skip
KILOMETRES = tuple(Decimal(f"{tenths / 10:.1f}") for tenths in range(2, 48))  # 上下学距离 0.2–4.7 km
ETHNICITIES = ("01",) * 195 + ("03", "03", "02", "08", "11")  # 汉族 ~97.5 %, 回族, 蒙古族, 壮族, 满族

# GB 11643: weight of position i is 2^(17-i) mod 11; the check character indexes this string.
# The same algorithm as identity.gb11643_check_char, split so the 14-digit prefix (region + birth
# date) is summed once per prefix, not once per number; a check below ties the two together.
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK = "10X98765432"
_SEQ_SUM = tuple(sum(int(d) * w for d, w in zip(f"{s:03d}", _WEIGHTS[14:], strict=True)) for s in range(1000))
# Parents' ID numbers are derived from the child's, one-to-one (see _parent_id): the child's day
# counts from here, the father's and mother's days from theirs (two days per child day).
_CHILD_EPOCH = dt.date(2000, 1, 1)
_FATHER_EPOCH = dt.date(1950, 1, 1)
_MOTHER_EPOCH = dt.date(1952, 1, 1)


class ProductionRefused(Exception):
    pass


@dataclass(frozen=True)
class SchoolPlan:
    code: str
    name: str
    kind: str
    grades: range
    size: int  # what the school holds when full; a run may fill it only partly
    district: District
    address: str


@dataclass
class GenerateReport:
    students: int = 0
    family_members: int = 0
    schools: int = 0  # schools that received students in this run
    schools_created: int = 0
    classes_created: int = 0
    districts: int = 0
    school_year: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


# --------------------------------------------------------------------------- layout


def _cn_number(n: int) -> str:
    """1..999 in Chinese numerals, as school names write them: 十二, 一百零五, 一百一十."""
    digits = "零一二三四五六七八九"
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = digits[hundreds] + "百" if hundreds else ""
    if tens:
        out += ("" if tens == 1 and not hundreds else digits[tens]) + "十"
    elif hundreds and ones:
        out += "零"
    if ones:
        out += digits[ones]
    return out


def district_layout(seed: int, district: District) -> Iterator[SchoolPlan]:
    """The district's schools in a fixed order: the same seed always gives the same schools."""
    rng = random.Random(f"{seed}:{district.code}")
    serials = dict.fromkeys((k[0] for k in KINDS), 0)
    shares = list(itertools.accumulate(k[4] for k in KINDS))
    while True:
        kind, digit, grades, suffix, _ = KINDS[bisect.bisect(shares, rng.random() * shares[-1])]
        if serials[kind] == MAX_SERIAL:
            if all(s == MAX_SERIAL for s in serials.values()):
                return
            continue
        serials[kind] += 1
        serial = serials[kind]
        lo, hi = SCHOOL_SIZE
        if kind == "junior":  # three grades: fewer pupils than a six-grade primary school
            lo, hi = lo, (lo + hi) // 2
        yield SchoolPlan(
            code=f"{district.code}{digit}{serial:03d}",
            name=f"{district.name}第{_cn_number(serial)}{suffix}",
            kind=kind,
            grades=grades,
            size=rng.randint(lo, hi),
            district=district,
            address=f"河南省郑州市{district.name}{rng.choice(STREETS)}{rng.randint(1, 300)}号",
        )


def default_district_count(students: int) -> int:
    return max(1, min(len(DISTRICTS), math.ceil(students / STUDENTS_PER_DISTRICT)))


def _split(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split by ``weights`` into integers that add up exactly (largest remainders)."""
    exact = [total * w / sum(weights) for w in weights]
    parts = [int(x) for x in exact]
    for i in sorted(range(len(exact)), key=lambda i: exact[i] - parts[i], reverse=True)[: total - sum(parts)]:
        parts[i] += 1
    return parts


# --------------------------------------------------------------------------- entry point


def choose_districts(students: int, districts: int | Sequence[str] | None) -> tuple[District, ...]:
    """The first ``districts`` of DISTRICTS, the ones with the given codes, or enough for ``students``."""
    if districts is None or districts == 0:
        return DISTRICTS[: default_district_count(students)]
    if isinstance(districts, int):
        if not 1 <= districts <= len(DISTRICTS):
            raise ValueError(f"区县数应在 1–{len(DISTRICTS)} 之间。(--districts must be 1–{len(DISTRICTS)}.)")
        return DISTRICTS[:districts]
    by_code = {d.code: d for d in DISTRICTS}
    unknown = [code for code in districts if code not in by_code]
    if unknown or not districts:
        raise ValueError(
            f"区县代码 {'、'.join(unknown)} 不在可生成的区县中（{'、'.join(by_code)}）。"
            "(--districts takes a count or codes from this list.)"
        )
    return tuple(by_code[code] for code in dict.fromkeys(districts))


def generate(
    *,
    students: int,
    seed: int = DEFAULT_SEED,
    districts: int | Sequence[str] | None = None,
    log: Callable[[str], None] | None = None,
) -> GenerateReport:
    """Add ``students`` synthetic students in schools nobody has used yet; one transaction.

    ``districts``: how many of DISTRICTS to spread them over (first ones first), or their codes;
    by default enough for about STUDENTS_PER_DISTRICT each.
    """
    if getattr(settings, "ENV", "production") == "production":
        raise ProductionRefused(MSG_PRODUCTION)
    if students < 1:
        raise ValueError("学生人数至少为 1。(--students must be at least 1.)")
    chosen = choose_districts(students, districts)
    say = log or (lambda _msg: None)
    started = time.perf_counter()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # two runs at once would pick the same free schools
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('xueji.gen_demo'))")
        report = _Generator(seed=seed, districts=chosen, say=say).run(students)
    report.seconds = time.perf_counter() - started
    return report


# --------------------------------------------------------------------------- master data


def _school_year(today: dt.date) -> SchoolYear:
    """The school year holding today, created with its semesters (as the demo defines them) if missing."""
    year = org_selectors.school_year_for(today)
    if year is None:
        planned = school_year_calendar(school_year_of(today))
        year, _ = SchoolYear.objects.get_or_create(
            start_year=planned.start_year, defaults={"start": planned.start, "end": planned.end}
        )
    for term, start, end, weeks in _semesters(year):
        Semester.objects.get_or_create(
            school_year=year,
            term=term,
            defaults={"start": start, "end": end, "teaching_weeks": weeks, "teaching_hours": weeks * 30},
        )
    return year


def _semesters(year: SchoolYear) -> list[tuple[str, dt.date, dt.date, int]]:
    """The demo's semesters of that school year, inside its dates (a year made elsewhere may differ)."""
    return [
        (s.term, max(year.start, s.start), min(year.end, s.end), s.teaching_weeks)
        for s in school_year_calendar(year.start_year).semesters
    ]


def _loader() -> User:
    """The city's account the generated proofs name as their uploader; it cannot log in."""
    city = Jurisdiction.objects.get(code=CITY[0])
    user, made = User.objects.get_or_create(
        username="gen_loader",
        defaults={
            "full_name": f"{CITY[1]}生成数据",
            "role": Role.DISTRICT_OFFICER,
            "jurisdiction": city,
            "is_active": False,
        },
    )
    if made:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _jurisdictions(districts: Sequence[District]) -> dict[str, Jurisdiction]:
    # The province is linked when it exists but never created here: the demo seed creates
    # 河南省 410000 itself and would trip over one made by us.
    province = Jurisdiction.objects.filter(code="410000").first()
    city, _ = Jurisdiction.objects.get_or_create(
        code=CITY[0], defaults={"name": CITY[1], "level": Jurisdiction.Level.CITY, "parent": province}
    )
    made = {}
    for d in districts:
        made[d.code], _ = Jurisdiction.objects.get_or_create(
            code=d.code, defaults={"name": d.name, "level": Jurisdiction.Level.DISTRICT, "parent": city}
        )
    return made


# --------------------------------------------------------------------------- the generator


@dataclass
class _Placement:
    school: School
    plan: SchoolPlan
    by_grade: dict[int, int]  # students per grade in this run
    classes: dict[int, list[SchoolClass]]


class _Generator:
    def __init__(self, *, seed: int, districts: Sequence[District], say: Callable[[str], None]):
        self.seed = seed
        self.districts = districts
        self.say = say
        self.report = GenerateReport(districts=len(districts))
        self.today = clock.today()
        self.names = _NamePool()
        self._prefix_sums: dict[str, int] = {}
        self._next_seq: dict[tuple[str, int], int] = {}

    def _timed(self, label: str, started: float) -> None:
        self.report.timings[label] = self.report.timings.get(label, 0.0) + time.perf_counter() - started

    def run(self, total: int) -> GenerateReport:
        t = time.perf_counter()
        self.year = _school_year(self.today)
        self.report.school_year = self.year.start_year
        self.jurisdictions = _jurisdictions(self.districts)
        self.loader = _loader()
        placements = self._place(total)
        self._timed("master data", t)
        t = time.perf_counter()
        self._load_sequences()
        self._timed("sequences", t)
        self._students(placements, total)
        return self.report

    # ------------------------------------------------------------------ schools and classes

    def _place(self, total: int) -> list[_Placement]:
        """Pick the next unused schools of each district, create them and their classes."""
        used = set(
            School.objects.filter(district__code__in=[d.code for d in self.districts])
            .filter(Exists(Enrollment.objects.filter(school=OuterRef("pk"))))
            .values_list("code", flat=True)
        )
        chosen: list[tuple[SchoolPlan, int]] = []
        for district, share in zip(self.districts, _split(total, [1] * len(self.districts)), strict=True):
            left = share
            layout = (p for p in district_layout(self.seed, district) if p.code not in used)
            mine: list[tuple[SchoolPlan, int]] = []
            while left > 0:
                if mine and left < SCHOOL_SIZE[0]:  # no tiny last school: the previous one takes the rest
                    mine[-1] = (mine[-1][0], mine[-1][1] + left)
                    break
                plan = next(layout, None)
                if plan is None:
                    raise ValueError(f"{district.name}的学校编号已用完，请增加区县数（--districts）。")
                mine.append((plan, min(plan.size, left)))
                left -= mine[-1][1]
            chosen += mine
        existing = School.objects.in_bulk([p.code for p, _ in chosen], field_name="code")
        new = [
            School(
                code=p.code,
                name=p.name,
                district=self.jurisdictions[p.district.code],
                kind=p.kind,
                grade_from=p.grades[0],
                grade_to=p.grades[-1],
                address=p.address,
            )
            for p, _ in chosen
            if p.code not in existing
        ]
        School.objects.bulk_create(new, batch_size=1000)
        self.report.schools_created = len(new)
        self.report.schools = len(chosen)
        schools = School.objects.in_bulk([p.code for p, _ in chosen], field_name="code")

        placements = []
        capacities, classes = [], []
        for plan, n in chosen:
            grades = list(plan.grades)
            by_grade = dict(zip(grades, _split(n, [GRADE_WEIGHT[g] for g in grades]), strict=True))
            school = schools[plan.code]
            placements.append(_Placement(school=school, plan=plan, by_grade=by_grade, classes={}))
            rng = random.Random(f"{self.seed}:{plan.code}:classes")
            for grade, count in by_grade.items():
                k = math.ceil(count / CLASS_SIZE)
                capacities.append(
                    GradeCapacity(school=school, grade=grade, classes=max(1, k), seats_per_class=CLASS_SIZE)
                )
                classes += [
                    SchoolClass(
                        school=school,
                        school_year=self.year,
                        grade=grade,
                        number=number,
                        capacity=CLASS_SIZE,
                        head_teacher=self.names.teacher(rng),
                    )
                    for number in range(1, k + 1)
                ]
        GradeCapacity.objects.bulk_create(capacities, batch_size=2000, ignore_conflicts=True)
        before = SchoolClass.objects.filter(school__in=schools.values(), school_year=self.year).count()
        SchoolClass.objects.bulk_create(classes, batch_size=2000, ignore_conflicts=True)
        rows = SchoolClass.objects.filter(school__in=schools.values(), school_year=self.year)
        self.report.classes_created = rows.count() - before
        by_key: dict[tuple[int, int], list[SchoolClass]] = {}
        for c in rows.order_by("number"):
            by_key.setdefault((c.school_id, c.grade), []).append(c)
        for p in placements:
            for grade, count in p.by_grade.items():
                p.classes[grade] = by_key.get((p.school.pk, grade), [])[: math.ceil(count / CLASS_SIZE)]
        return placements

    # ------------------------------------------------------------------ identity numbers

    def _load_sequences(self) -> None:
        """Continue each (region, birth date, gender) above the largest sequence already stored."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT substr(id_number, 1, 14), max(substr(id_number, 15, 3)) FROM students_student "
                "WHERE id_type = '1' AND id_number LIKE %s "
                "GROUP BY substr(id_number, 1, 14), substr(id_number, 17, 1) IN ('1', '3', '5', '7', '9')",
                [CITY[0][:4] + "%"],
            )
            for prefix, top in cursor.fetchall():
                if top.isdigit():
                    seq = int(top)
                    self._next_seq[prefix, seq % 2] = seq + 2

    def _id_number(self, prefix14: str, parity: int) -> str | None:
        """The next free number for region + birth date and gender (odd 17th digit = male), or None."""
        key = (prefix14, parity)
        seq = self._next_seq.get(key, parity)
        if seq > 999:
            return None
        self._next_seq[key] = seq + 2
        return self._with_check(prefix14, seq)

    def _with_check(self, prefix14: str, seq: int) -> str:
        total = self._prefix_sums.get(prefix14)
        if total is None:
            total = sum(int(d) * w for d, w in zip(prefix14, _WEIGHTS, strict=False))
            self._prefix_sums[prefix14] = total
            body = f"{prefix14}{seq:03d}"
            if len(self._prefix_sums) == 1 and _CHECK[(total + _SEQ_SUM[seq]) % 11] != gb11643_check_char(
                body
            ):
                # Once per run: the split computation must agree with identity's, or nothing is written.
                raise RuntimeError("gen_demo's GB 11643 check characters disagree with xueji.core.identity")
        return f"{prefix14}{seq:03d}{_CHECK[(total + _SEQ_SUM[seq]) % 11]}"

    def _parent_id(self, region: str, child_birth: dt.date, child_seq: int, *, father: bool) -> str:
        """A parent's number derived one-to-one from the child's (same region, 2 days per child day).

        Distinct children (distinct region, birth date, sequence) give distinct parents' numbers,
        born 1972–1992 for children born 2011–2020, so they never meet each other or a student's.
        """
        index = (child_birth - _CHILD_EPOCH).days * 1000 + child_seq
        epoch = _FATHER_EPOCH if father else _MOTHER_EPOCH
        day = epoch + dt.timedelta(days=index // 500)
        return self._with_check(f"{region}{day:%Y%m%d}", (index % 500) * 2 + (1 if father else 0))

    # ------------------------------------------------------------------ students

    def _students(self, placements: list[_Placement], total: int) -> None:
        """Generate in a second thread while this one writes: Python fills one core, the database the other.

        The producer never touches the database (Django connections belong to their thread); it
        hands over finished rows whose student ids are batch-local indexes, and the writer swaps
        in the ids it reserves. A failure on either side stops both and rolls the run back.
        """
        writer: _Writer = (_CopyWriter if connection.vendor == "postgresql" else _BulkWriter)(self.loader)
        handoff: queue.Queue[Any] = queue.Queue(maxsize=2)
        stop = threading.Event()

        def put(item: Any) -> bool:
            while not stop.is_set():
                try:
                    handoff.put(item, timeout=0.2)
                    return True
                except queue.Full:
                    continue
            return False

        def produce() -> None:
            try:
                for batch in self._batches(placements):
                    t = time.perf_counter()
                    rows = writer.rows(batch)
                    self._timed("generate", t)
                    if not put((batch.size, rows)):
                        return
                put(None)
            except BaseException as exc:  # handed to the writer's thread, which re-raises it
                put(exc)

        producer = threading.Thread(target=produce, name="gen_demo-producer", daemon=True)
        done, started = 0, time.perf_counter()
        producer.start()
        try:
            while (item := handoff.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                size, rows = item
                t = time.perf_counter()
                writer.write(rows, writer.reserve_student_ids(size))
                self._timed("write", t)
                done += size
                self.report.family_members += len(rows["family"])
                rate = done / max(time.perf_counter() - started, 1e-9)
                self.say(f"  已生成 {done:,}/{total:,} 名学生 students ({rate:,.0f}/s)")
        finally:
            stop.set()
            producer.join()
        self.report.students = done

    def _batches(self, placements: list[_Placement]) -> Iterator[_Batch]:
        batch = _Batch()
        started = time.perf_counter()
        for placement in placements:
            for student, enrollment, family, proof in self._school(placement):
                batch.add(student, enrollment, family, proof)
                if batch.size == CHUNK:
                    self._timed("generate", started)
                    yield batch
                    batch, started = _Batch(), time.perf_counter()
        if batch.size:
            self._timed("generate", started)
            yield batch

    def _school(self, placement: _Placement) -> Iterator[tuple[Any, ...]]:
        """(student values, enrollment values, family rows) of every student placed in one school."""
        plan, school = placement.plan, placement.school
        rng = random.Random(f"{self.seed}:{plan.code}")
        rnd, randrange = rng.random, rng.randrange
        district = plan.district
        region = district.code
        pool = self.names
        first = plan.grades[0]
        native = "河南郑州"
        due_months = RECORD_MONTHS.fallback
        start_year = self.year.start_year
        for grade, count in placement.by_grade.items():
            lo, hi = birth_range(grade, start_year)
            days = [lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1)]
            stamps = [f"{region}{d:%Y%m%d}" for d in days]
            entry = min(dt.date(start_year - (grade - first), 9, 1), self.today)
            due = rules.record_due(entry, due_months)
            classes = placement.classes[grade]
            k = len(classes)
            for i in range(count):
                male = rnd() < 0.515
                parity = 1 if male else 0
                d = randrange(len(days))
                number = self._id_number(stamps[d], parity)
                tried = 1
                while number is None:  # this birthday is full (500 per region and gender): a neighbour's
                    if tried == len(days):
                        raise ValueError(
                            f"{district.name}{grade}年级可用的身份证顺序码已用完，请分布到更多区县。"
                        )
                    d = (d + 1) % len(days)
                    number = self._id_number(stamps[d], parity)
                    tried += 1
                birth = days[d]
                seq = int(number[14:17])
                surname, given, pinyin, initials = pool.child(rng, male)
                father_name = surname + pool.given(rng, pool.father_chars)
                mother_name = pool.surname(rng) + pool.given(rng, pool.mother_chars)
                ethnicity = ETHNICITIES[randrange(len(ETHNICITIES))]
                address = (
                    f"河南省郑州市{district.name}{STREETS[randrange(len(STREETS))]}{randrange(1, 400)}号"
                    f"{COMPOUNDS[randrange(len(COMPOUNDS))]}{randrange(1, 19)}号楼{randrange(1, 5)}单元"
                    f"{randrange(1, 19)}0{randrange(1, 5)}"
                )
                father_phone = MOBILE_PREFIXES[randrange(len(MOBILE_PREFIXES))] + f"{randrange(10**8):08d}"
                mother_phone = MOBILE_PREFIXES[randrange(len(MOBILE_PREFIXES))] + f"{randrange(10**8):08d}"
                complete = rnd() >= 0.03
                proof = rnd() >= 0.01  # R5.1: the household proof, uploaded for nearly everyone
                rural = district.code[4] != "0"  # counties and county-level cities
                walk = rnd()
                commute = "1" if walk < 0.35 else ("4" if walk < 0.8 else ("3" if walk < 0.92 else "2"))
                student = (
                    "G" + number,
                    surname + given,
                    "1" if male else "2",
                    birth,
                    region,
                    native,
                    ethnicity,
                    number,
                    "03" if grade >= 8 and rnd() < 0.12 else "13",
                    "10" if rnd() < 0.97 else "20",
                    pinyin,
                    initials,
                    region,
                    ("1" if rnd() < 0.6 else "2") if rural else ("1" if rnd() < 0.1 else "2"),
                    address,
                    father_phone if rnd() < 0.5 else mother_phone,
                    district.postal_code if complete else "",  # an incomplete record lacks these
                    rnd() < 0.3,
                    rnd() < 0.97,
                    rnd() < (0.08 if rural else 0.03),
                    KILOMETRES[randrange(len(KILOMETRES))],
                    commute,
                    complete and proof,
                    complete,
                )
                enrollment = (
                    school.pk,
                    classes[i % k].pk,
                    grade,
                    f"{i // k + 1:02d}",
                    entry,
                    "11" if rnd() < 0.92 else "12",
                    "2" if grade >= 7 and rural and rnd() < 0.3 else "1",
                    due,
                    "1" if male else "2",
                )
                work = EMPLOYERS[randrange(len(EMPLOYERS))] if rnd() < 0.45 else "企业职工"
                family = [
                    (1, father_name, "1", ethnicity, work, address, region, father_phone, True,
                     self._parent_id(region, birth, seq, father=True)),
                ]  # fmt: skip
                if rnd() < 0.85:
                    mother_id = self._parent_id(region, birth, seq, father=False) if rnd() < 0.6 else ""
                    family.append(
                        (2, mother_name, "2", ethnicity, pool.occupation(rng), address, region, mother_phone,
                         True, mother_id)
                    )  # fmt: skip
                yield student, enrollment, family, proof


class _NamePool:
    """Names drawn like demo.people does, with pinyin computed once per surname and given name.

    rules.pinyin_of on 2M full names takes minutes. Pinyin of "surname + given" equals the two
    parts' pinyin joined, except where a surname and the first given character form a word with
    its own reading (于思 → yu sai): those pairs are found once here and get the full computation.
    An exhaustive check over every name of the pool (810k) found no other difference.
    """

    def __init__(self) -> None:
        self.surnames = list(names.SURNAMES)
        self.cum = list(itertools.accumulate(names.SURNAMES.values()))
        self.boy_chars = names.BOY_CHARS
        self.girl_chars = names.GIRL_CHARS
        self.father_chars = names.FATHER_CHARS
        self.mother_chars = names.MOTHER_CHARS
        self._pinyin: dict[str, tuple[str, str]] = {s: rules.pinyin_of(s) for s in self.surnames}
        self._joint: dict[str, tuple[str, str]] = {}
        self._risky = {
            (s, c)
            for s in self.surnames
            for c in set(self.boy_chars + self.girl_chars)
            if rules.pinyin_of(s + c) != self._join(s, c)
        }

    def _one(self, text: str) -> tuple[str, str]:
        found = self._pinyin.get(text)
        if found is None:
            found = self._pinyin[text] = rules.pinyin_of(text)
        return found

    def _join(self, surname: str, given: str) -> tuple[str, str]:
        a, b = self._one(surname), self._one(given)
        return f"{a[0]} {b[0]}", a[1] + b[1]

    def surname(self, rng: random.Random) -> str:
        return self.surnames[bisect.bisect(self.cum, rng.random() * self.cum[-1])]

    def given(self, rng: random.Random, chars: str) -> str:
        if rng.random() < 0.15:
            return chars[rng.randrange(len(chars))]
        first, second = chars[rng.randrange(len(chars))], chars[rng.randrange(len(chars))]
        while second == first and rng.random() < 0.9:  # doubled names (萱萱) exist, but rarely
            second = chars[rng.randrange(len(chars))]
        return first + second

    def child(self, rng: random.Random, male: bool) -> tuple[str, str, str, str]:
        surname = self.surname(rng)
        given = self.given(rng, self.boy_chars if male else self.girl_chars)
        if (surname, given[0]) in self._risky:
            name = surname + given
            pinyin = self._joint.get(name) or self._joint.setdefault(name, rules.pinyin_of(name))
        else:
            pinyin = self._join(surname, given)
        return surname, given, pinyin[0], pinyin[1]

    def teacher(self, rng: random.Random) -> str:
        return self.surname(rng) + self.given(rng, names.TEACHER_CHARS)

    def occupation(self, rng: random.Random) -> str:
        return names.OCCUPATIONS[rng.randrange(len(names.OCCUPATIONS))]


# --------------------------------------------------------------------------- writing rows

# The student columns _Generator._school fills, in its tuple's order; the rest take the model's
# defaults. Full pinyin, address fields and commute details as the services would store them.
_STUDENT_FIELDS = (
    "xjh", "name", "gender", "birth_date", "birthplace_code", "native_place", "ethnicity", "id_number",
    "political_status", "health", "name_pinyin", "name_initials", "household_place_code",
    "household_type", "current_address", "phone", "postal_code", "only_child", "preschool", "needs_aid",
    "commute_km", "commute_mode", "is_complete", "form_complete",
)  # fmt: skip
_ENROLLMENT_FIELDS = (
    "school_id", "school_class_id", "grade", "class_seat_number", "entry_date", "entry_mode",
    "attendance_mode", "record_due", "gender",
)  # fmt: skip
_FAMILY_FIELDS = (
    "position", "name", "relation", "ethnicity", "employer", "address", "household_place_code", "phone",
    "is_guardian", "id_number",
)  # fmt: skip


class _Table:
    """One model's column list and a row template of defaults; rows are filled by position."""

    def __init__(self, model: type[models.Model], filled: Sequence[str], fixed: dict[str, Any]):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not (f.primary_key and model is not Student)]
        self.attnames = [f.attname for f in self.fields]
        self.columns = [f.column for f in self.fields]
        template = {f.attname: f.get_default() for f in self.fields}
        template.update(fixed)
        self.template = [template[a] for a in self.attnames]
        self.positions = [self.attnames.index(a) for a in filled]

    def row(self, values: Sequence[Any], extra: dict[int, Any] | None = None) -> list[Any]:
        row = self.template.copy()
        for pos, value in zip(self.positions, values, strict=True):
            row[pos] = value
        if extra:
            for pos, value in extra.items():
                row[pos] = value
        return row


class _Batch:
    """Rows of up to CHUNK students; student ids are indexes into the batch until written."""

    def __init__(self) -> None:
        self.students: list[tuple[Any, ...]] = []
        self.enrollments: list[tuple[Any, ...]] = []
        self.family: list[tuple[int, tuple[Any, ...]]] = []
        self.proofs: list[int] = []  # the indexes of the students with a household proof

    @property
    def size(self) -> int:
        return len(self.students)

    def add(
        self, student: tuple[Any, ...], enrollment: tuple[Any, ...], family: list[Any], proof: bool
    ) -> None:
        index = len(self.students)
        self.students.append(student)
        self.enrollments.append(enrollment)
        self.family += [(index, member) for member in family]
        if proof:
            self.proofs.append(index)


Rows = dict[str, list[list[Any]]]


# The stand-in for a scanned household register every generated proof row describes.
_PROOF = b"%PDF-1.4 generated household register (synthetic data)"


class _Writer:
    def __init__(self, loader: User) -> None:
        now = timezone.now()
        self.tables = {
            "student": _Table(
                Student,
                ("id", *_STUDENT_FIELDS),
                {"id_type": "1", "nationality": "CHN", "created_at": now, "updated_at": now},
            ),
            "alias": _Table(XjhAlias, ("student_id", "number"), {"assigned_at": now, "is_current": True}),
            "enrollment": _Table(
                Enrollment,
                ("student_id", *_ENROLLMENT_FIELDS),
                {
                    "origin": Enrollment.Origin.IMPORTED.value,
                    "status": Enrollment.Status.ENROLLED.value,
                    "source": "1",
                    "is_current": True,
                    "created_at": now,
                },
            ),
            "family": _Table(FamilyMember, ("student_id", *_FAMILY_FIELDS), {"id_type": "1"}),
            "evidence": _Table(
                Evidence,
                ("student_id", "storage_name"),
                {
                    "category": Evidence.Category.HOUSEHOLD.value,
                    "description": "生成数据",
                    "original_name": "户口簿.pdf",
                    "content_type": "application/pdf",
                    "size": len(_PROOF),
                    "sha256": hashlib.sha256(_PROOF).hexdigest(),
                    "uploaded_by_id": loader.pk,
                    "uploaded_at": now,
                },
            ),
        }
        # Where each table's rows hold the student's id (a batch index until write()).
        self.id_positions = {
            key: table.attnames.index("id" if key == "student" else "student_id")
            for key, table in self.tables.items()
        }
        student = self.tables["student"].attnames
        self._addresses = tuple(
            student.index(a) for a in ("current_address", "mailing_address", "home_address")
        )
        self._no_id_type = {self.tables["family"].attnames.index("id_type"): ""}

    def rows(self, batch: _Batch) -> Rows:
        """Full rows in column order (runs in the producer thread: no database here)."""
        t = self.tables
        cur, mail, home = self._addresses
        students = []
        for index, values in enumerate(batch.students):
            row = t["student"].row((index, *values))
            row[mail] = row[home] = row[cur]  # one address for all three, as families write it
            students.append(row)
        family = [
            # A member without a document number has no document type either.
            t["family"].row((index, *member), None if member[-1] else self._no_id_type)
            for index, member in batch.family
        ]
        return {
            "student": students,
            "alias": [t["alias"].row((index, s[0])) for index, s in enumerate(batch.students)],
            "enrollment": [t["enrollment"].row((index, *e)) for index, e in enumerate(batch.enrollments)],
            "family": family,
            # A storage name per row (a student's own upload), from the 学籍号: unique by construction.
            "evidence": [t["evidence"].row((i, f"gen-{batch.students[i][0]}.pdf")) for i in batch.proofs],
        }

    def _with_ids(self, rows: Rows, ids: Sequence[int]) -> Rows:
        for key, table_rows in rows.items():
            pos = self.id_positions[key]
            for row in table_rows:
                row[pos] = ids[row[pos]]
        return rows

    def reserve_student_ids(self, n: int) -> Sequence[int]:
        raise NotImplementedError

    def write(self, rows: Rows, ids: Sequence[int]) -> None:
        raise NotImplementedError


class _CopyWriter(_Writer):
    """PostgreSQL: binary COPY … FROM STDIN; student ids reserved from the table's own sequence."""

    def __init__(self, loader: User) -> None:
        super().__init__(loader)
        self._types: dict[str, list[int]] = {}

    def reserve_student_ids(self, n: int) -> Sequence[int]:
        # nextval() n times is safe beside concurrent inserts; the values are usually one
        # contiguous run, which saves fetching them one by one.
        params: list[str | int] = [Student._meta.db_table, n]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT min(v), max(v) FROM (SELECT nextval(pg_get_serial_sequence(%s, 'id')) AS v "
                "FROM generate_series(1, %s)) s",
                params,
            )
            low, high = cursor.fetchone()
            if high - low + 1 == n:
                return range(low, high + 1)
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", params
            )
            return [pk for (pk,) in cursor.fetchall()]

    def _column_types(self, cursor: Any, table: _Table) -> list[int]:
        """The columns' type oids, which binary COPY needs to encode the values."""
        db_table = table.model._meta.db_table
        if db_table not in self._types:
            cursor.execute(
                "SELECT attname, atttypid::int FROM pg_attribute "
                "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                [db_table],
            )
            oids = dict(cursor.fetchall())
            self._types[db_table] = [oids[c] for c in table.columns]
        return self._types[db_table]

    def write(self, rows: Rows, ids: Sequence[int]) -> None:
        rows = self._with_ids(rows, ids)
        quote = connection.ops.quote_name
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            for key in ("student", "alias", "enrollment", "family", "evidence"):  # parents before children
                table = self.tables[key]
                columns = ", ".join(quote(c) for c in table.columns)
                types = self._column_types(cursor, table)
                sql = f"COPY {quote(table.model._meta.db_table)} ({columns}) FROM STDIN (FORMAT BINARY)"
                with cursor.copy(sql) as copy:
                    copy.set_types(types)
                    for row in rows[key]:
                        copy.write_row(row)


class _BulkWriter(_Writer):
    """Other databases (SQLite, for tests and small demos): bulk_create with explicit student ids."""

    def __init__(self, loader: User) -> None:
        super().__init__(loader)
        self._next_pk = (Student.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1

    def reserve_student_ids(self, n: int) -> Sequence[int]:
        ids = range(self._next_pk, self._next_pk + n)
        self._next_pk += n
        return ids

    def write(self, rows: Rows, ids: Sequence[int]) -> None:
        rows = self._with_ids(rows, ids)
        for key, table in self.tables.items():
            objects = [table.model(**dict(zip(table.attnames, row, strict=True))) for row in rows[key]]
            table.model._default_manager.bulk_create(objects, batch_size=500)
