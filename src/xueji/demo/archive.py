"""Demo archive records (R7.2 categories 三–六) at 北关区红旗路小学 (hq): for its first students in
school, the last semester's results, a fitness test, a health check and a vaccination, and for some
of them skills, community service, social practice, awards and aid — written through the archive
services' bulk entry point, as an import would."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping

from xueji.archive import services
from xueji.archive.kinds import KINDS
from xueji.core import clock
from xueji.org.models import School, User
from xueji.students.models import Enrollment, Student

HOME = "hq"
STUDENTS = 40


def _last_semester() -> tuple[str, str]:
    """The semester that ended last, and its school year, as the records name them."""
    today = clock.today()
    if today.month >= 9 or today.month < 2:  # the autumn term runs: the last one is the spring's
        start = today.year - 1 if today.month >= 9 else today.year - 2
        return f"{start}-{start + 1}学年第二学期", f"{start}-{start + 1}学年"
    start = today.year - 1
    return f"{start}-{start + 1}学年第一学期", f"{start}-{start + 1}学年"


def seed(
    *,
    users: Mapping[str, User],
    schools: Mapping[str, School],
    rng: random.Random,
    say: Callable[[str], None],
) -> int:
    registrar, school = users[f"{HOME}_registrar"], schools[HOME]
    pupils = [
        e.student
        for e in Enrollment.objects.filter(
            school=school, is_current=True, status=Enrollment.Status.ENROLLED, grade__gte=2
        )
        .select_related("student")
        .order_by("pk")[:STUDENTS]
    ]
    semester, year = _last_semester()
    # An award of that semester: May of a spring term, December of an autumn one.
    awarded_on = f"{year[5:9]}-05-20" if semester.endswith("第二学期") else f"{year[:4]}-12-10"
    results = ("优秀", "良好", "良好", "合格")
    by_kind: dict[str, list[services.Row]] = {key: [] for key in KINDS}

    def add(record: str, student: Student, **values: object) -> None:
        rows = by_kind[record]
        rows.append(services.Row(line=len(rows) + 2, student=student, values=dict(values)))

    for n, pupil in enumerate(pupils):
        for subject in ("语文", "数学", "道德与法治", "体育与健康"):
            add("academic", pupil, semester=semester, subject=subject, result=rng.choice(results))
        add(
            "fitness",
            pupil,
            year=year,
            item="50米跑",
            result=f"{rng.uniform(8.8, 11.5):.1f} 秒",
            grade=rng.choice(("优秀", "良好", "及格")),
        )
        add(
            "fitness",
            pupil,
            year=year,
            item="坐位体前屈",
            result=f"{rng.uniform(2, 18):.1f} 厘米",
            grade=rng.choice(("良好", "及格")),
        )
        add(
            "health",
            pupil,
            checked_on=f"{year[:4]}-10-{10 + n % 15}",
            institution="北关区妇幼保健院",
            conclusion="未见明显异常",
        )
        add("vaccination", pupil, vaccine="麻腮风疫苗", dose="2", vaccinated_on=f"{year[:4]}-06-01")
        if n % 3 == 0:
            add(
                "skill",
                pupil,
                semester=semester,
                item=rng.choice(("钢琴", "书法", "围棋", "乒乓球")),
                level="校级展示",
            )
            add(
                "service",
                pupil,
                semester=semester,
                content="社区图书角整理",
                hours="4",
                organizer="红旗路社区",
            )
            add(
                "practice",
                pupil,
                semester=semester,
                content="殷墟博物馆研学",
                days="1",
                organizer="北关区红旗路小学",
            )
        if n % 5 == 0:
            add(
                "award",
                pupil,
                title="北关区中小学生书法比赛二等奖",
                level="区（县）级",
                issuer="北关区教育局",
                awarded_on=awarded_on,
            )
        if n % 4 == 0:
            add("aid", pupil, semester=semester, kind="营养改善计划膳食补助", amount="400")
    made = 0
    for key, rows in by_kind.items():
        if not rows:
            continue
        services.entries_check(KINDS[key], rows)
        wrong = [r for r in rows if r.reasons]
        assert not wrong, f"demo archive records of {key}: {wrong[0].reasons}"
        added, _ = services.entries_import_rows(
            actor=registrar, school=school, kind=KINDS[key], rows=rows, source="演示数据"
        )
        made += added
    say(f"  已建立 {made} 条学籍档案记录（{len(pupils)} 名学生） ({made} archive records)")
    return made
