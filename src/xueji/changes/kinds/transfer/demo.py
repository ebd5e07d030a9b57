"""Demo transfers in every state, so each inbox has work the first time someone logs in (R10.1–R10.10).

All of them go from 文峰区 to 北关区红旗路小学 (hq) and are driven through the same services a user
triggers: ``transfer_start``, ``case_attach``, ``case_submit``, ``case_approve``, ``case_reject``,
``case_return`` and ``cases_flag_overdue``. Who sees what afterwards:

- hq_registrar: a draft with part of its evidence, a case returned for correction, and the student
  whose transfer completed, waiting to be placed in a class (待分班, R10.10);
- bg_officer: a case in the next Tuesday's filing batch (R10.4) and a cross-province student from
  山东省 whose external confirmation it has to record;
- hq_approver: a case at 转入学校审核, and one that is overdue (R10.7);
- wf_approver: a case at 转出学校核办; wf_officer: one at 转出地教育局审核;
- and, closed: one rejected with its reason.

The dates. Every action happens on the seed's own "today": the open steps' clocks start today and
nothing is late by accident. The one overdue case is the exception: it was started and filed three
weeks ago (the clock, settings.XUEJI_FIXED_TODAY, is set to that day for those calls and restored
after them), so its step's 10 working days have run out. Outside the R10.7 window (two months after
the semester starts) a transfer can be prepared but not filed without the district's exception, so
there bg_officer records one before the registrar files, as a district does for a real one.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from io import BytesIO
from typing import TYPE_CHECKING, Any

from xueji.changes import services as engine
from xueji.changes.kinds.demo_files import on, scan
from xueji.changes.kinds.transfer.kind import DOCUMENT_LABELS
from xueji.changes.kinds.transfer.services import transfer_grant_exception, transfer_start
from xueji.changes.models import Case
from xueji.core import clock
from xueji.core.calendar import add_working_days
from xueji.org.models import School, User
from xueji.students.models import Enrollment

if TYPE_CHECKING:
    from xueji.demo.people import People

HOME = "hq"  # 北关区红旗路小学: the transfer-in school of every demo transfer
SOURCE_DISTRICT = "410502"  # 文峰区
SOURCE_WITH_APPROVER = "dg"  # 文峰区东关小学, the one 文峰区 school with a demo approver
OVERDUE_ENTERED_DAYS_AGO = 21  # three weeks or more: past 10 working days unless holidays intervene (checked)

# Who acts at each step of the transfer chain (R10.5) in the demo, and what they write.
ACTORS = {
    "filing": ("bg_officer", "已列入本周二转学备案汇总表，同意备案。"),
    "in_school": ("hq_approver", "已在线核验学籍，本年级学位有余，同意接收。"),
    "in_bureau": ("bg_officer", "同意转入。"),
    "out_school": ("wf_approver", "同意转出，学籍档案随转。"),
    "out_bureau": ("wf_officer", "同意转出。"),
}

GROUNDS = {
    "returning": {
        "grounds": "household_moved",
        "nature": "returning",
        "reason": "随父母户籍迁入北关区红旗路街道，申请就近转入。",
    },
    "migrant": {
        "grounds": "migrant_child",
        "nature": "migrant",
        "reason": "父母在北关区务工并居住，随迁就读。",
    },
    "preferential": {
        "grounds": "preferential",
        "nature": "other",
        "reason": "父亲为现役军人，符合军人子女就近入学优待政策。",
    },
}


@dataclass(frozen=True)
class Plan:
    what: str  # what the demo shows, for the log and the tests
    until: str  # a step key to stop at, or "draft" / "returned" / "rejected" / "completed"
    grounds: str  # a key of GROUNDS
    from_dg: bool = False  # the chain passes 文峰区东关小学's approver


# Created in this order, so the case numbers follow the story: the oldest case completed first.
PLANS: tuple[Plan, ...] = (
    Plan("completed", "completed", "returning", from_dg=True),
    Plan("rejected", "rejected", "preferential"),
    Plan("overdue", "in_school", "migrant"),
    Plan("out_bureau", "out_bureau", "returning", from_dg=True),
    Plan("out_school", "out_school", "migrant", from_dg=True),
    Plan("in_school", "in_school", "returning"),
    Plan("returned", "returned", "migrant"),
    Plan("filing", "filing", "returning"),
    Plan("draft", "draft", "migrant"),
)
# Students are handed out in this order (when a tiny seed has few, these come first), each plan
# preferring the next grade of PREFERRED_GRADES, so the demo's transfers are not all one grade.
PREFERRED_GRADES = (3, 4, 5, 2)
PRIORITY = ("out_school", "completed", "filing", "in_school", "draft", "returned", "overdue", "rejected")

EXCEPTION = "监护人工作调动，学期中随迁，确需转学；经核实，同意办理。"
REJECTION = (
    "经核查，所附优抚证明未载明该生姓名，不符合第十条第一款的转学条件，请告知监护人补办证明后重新申请。"
)
RETURN_NOTE = "父母务工证明缺少用人单位盖章，请补充后重新提交。"
EXTERNAL = {
    "province": "山东省",
    "school": "济南市历下区实验小学",
    "grade": "4",
}


def seed(
    *,
    users: Mapping[str, User],
    schools: Mapping[str, School],
    people: People,
    say: Callable[[str], None],
) -> dict[str, Case]:
    """Create the demo transfers; returns them by what they show. Skips, saying so, what the seed's
    size or date does not allow (too few 文峰区 students; too few days since the term began)."""
    today = clock.today()
    made: dict[str, Case] = {}
    with on(today):  # one "today" for the whole run, even across midnight
        runner = _Runner(users, schools, people, today)
        students = runner.students()
        for plan in PLANS:
            student = students.get(plan.what)
            if student is None:
                say(f"  演示转学「{plan.what}」未建立：文峰区学生不足")
                continue
            case = runner.run(plan, student)
            made[plan.what] = case
        made["external"] = runner.external()
        engine.cases_flag_overdue(today=today)
    say(f"  已建立 {len(made)} 件演示转学 ({len(made)} demo transfers)")
    return made


class _Runner:
    def __init__(
        self, users: Mapping[str, User], schools: Mapping[str, School], people: People, today: dt.date
    ):
        self.users, self.schools, self.people, self.today = users, schools, people, today

    def students(self) -> dict[str, Any]:
        """A 文峰区 student for each plan, in a grade 北关区红旗路小学 offers. Spread over the 文峰区
        schools and over grades 2–5 (no starting- or graduating-grade warnings, R10.11), complete
        records first; in seeding order among equals, so every seed picks the same students."""
        home = self.schools[HOME]
        rows = list(
            Enrollment.objects.filter(
                is_current=True,
                status=Enrollment.Status.ENROLLED,
                school__district__code=SOURCE_DISTRICT,
                grade__gte=home.grade_from,
                grade__lte=home.grade_to,
            )
            .select_related("student", "school")
            .order_by("pk")
        )
        dg = self.schools[SOURCE_WITH_APPROVER].pk
        taken: set[int] = set()
        used: Counter[int] = Counter()
        chosen: dict[str, Any] = {}
        plans = {p.what: p for p in PLANS}
        order = (*PRIORITY, *(p.what for p in PLANS if p.what not in PRIORITY))
        for index, what in enumerate(order):
            plan = plans[what]
            grade = PREFERRED_GRADES[index % len(PREFERRED_GRADES)]
            free = [e for e in rows if e.student_id not in taken and (e.school_id == dg or not plan.from_dg)]
            if not free:
                continue
            pick = min(
                free,
                # 东关小学's students are kept for the chains that need its approver; then the
                # school picked least so far, the plan's grade, grades 2–5, complete records.
                key=lambda e: (
                    e.school_id == dg and not plan.from_dg,
                    used[e.school_id],
                    e.grade != grade,
                    not 2 <= e.grade <= 5,
                    not e.student.is_complete,
                ),
            )
            taken.add(pick.student_id)
            used[pick.school_id] += 1
            chosen[what] = pick.student
        return chosen

    # ------------------------------------------------------------------ one case

    def run(self, plan: Plan, student: Any) -> Case:
        registrar = self.users["hq_registrar"]
        entered = self.today
        if plan.what == "overdue":
            # Started and filed on a Tuesday (R10.4's batch day) three weeks or more ago and not
            # handled since: back a week at a time until its step's working days have run out (a
            # National Day or Spring Festival in between takes a week or two more).
            entered = self.today - dt.timedelta(days=OVERDUE_ENTERED_DAYS_AGO)
            entered -= dt.timedelta(days=(entered.weekday() - 1) % 7)
            district = self.schools[HOME].district
            while add_working_days(entered, 10, district=district).date >= self.today:
                entered -= dt.timedelta(days=7)
        with on(entered):
            case = transfer_start(actor=registrar, student=student, facts=GROUNDS[plan.grounds])
            needed = list(engine.missing_evidence(case))
            # The draft is still being prepared: only the guardian's application is scanned so far.
            self.attach(case, registrar, needed[:1] if plan.until == "draft" else needed)
            if plan.until == "draft":
                return case
            self.allow(case)
            case = engine.case_submit(actor=registrar, case=case)
            if plan.until == "returned":
                return engine.case_return(actor=self.users["bg_officer"], case=case, comment=RETURN_NOTE)
            if plan.until == "rejected":
                return engine.case_reject(actor=self.users["bg_officer"], case=case, reason=REJECTION)
            return self.drive(case, plan.until)

    def allow(self, case: Case) -> None:
        """Outside the R10.7 window (or within 北关区, R10.9) the district records its exception
        before the case can be filed."""
        if case.facts.get("outside_window") or case.facts.get("needs_exception"):
            transfer_grant_exception(actor=self.users["bg_officer"], case=case, reason=EXCEPTION)

    def drive(self, case: Case, until: str) -> Case:
        """Approve step after step until the case waits at ``until`` (or completes)."""
        while case.state == Case.State.OPEN and case.step_key != until:
            username, comment = ACTORS[case.step_key]
            case = engine.case_approve(actor=self.users[username], case=case, comment=comment)
        return case

    def attach(self, case: Case, actor: User, categories: list[str]) -> None:
        name = case.student.name if case.student else case.facts["external"]["name"]
        for category in categories:
            label = DOCUMENT_LABELS.get(category, category)
            engine.case_attach(
                actor=actor,
                case=case,
                file=BytesIO(scan(label, name, case.number)),
                original_name=f"{label}.pdf",
                category=category,
            )

    def external(self) -> Case:
        """A student from 山东省 (no record here, R10.5): cross-province, so no window; it waits for
        bg_officer to record the other province's confirmation."""
        # Fourth grade in the school year of today: ten (and a bit) years old on 1 September.
        year = self.today.year if self.today.month >= 9 else self.today.year - 1
        birth = dt.date(year - 10, 11, 23)
        name, gender, id_number, _guardian, _phone = self.people.child_for_application(
            birth=birth, region="370102"
        )
        facts = {
            **GROUNDS["migrant"],
            "scope": "cross_province",
            "external": {**EXTERNAL, "name": name, "gender": gender, "id_number": id_number},
        }
        registrar = self.users["hq_registrar"]
        case = transfer_start(actor=registrar, student=None, facts=facts)
        self.attach(case, registrar, list(engine.missing_evidence(case)))
        self.allow(case)  # cross-province: no window, so never needed here
        case = engine.case_submit(actor=registrar, case=case)
        return self.drive(case, "external")
