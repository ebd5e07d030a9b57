"""What the demo cases of the kinds a school starts for its own student share (changes.kinds.
own_student): at 北关区红旗路小学 (hq), its registrar files each case with its evidence, its school
approver passes the school's steps and 北关区's officer the district's, on students no other demo
case has taken yet.

Each kind's demo module makes its own ``SchoolCases`` when its turn comes (the registry's order),
so the students the kinds before it took are not offered again.
"""

from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO

from xueji.changes import services as engine
from xueji.changes.kinds.demo_files import scan
from xueji.changes.kinds.registry import kind_of
from xueji.changes.models import Case
from xueji.core import clock
from xueji.org.models import Role, School, User
from xueji.students.models import Enrollment, Student

HOME = "hq"
JUNIOR = "sez"  # the demo's junior high school, with its own registrar and approver
GUARDIAN = "王建国"  # the guardian who signs every application of these demo cases
# The grades the demo students are taken from: old enough to have a year behind them, and a grade
# ahead of them (a resumption into the next grade).
GRADES = (2, 5)
# Reports that need no year behind or ahead (a missing student, a death) take any grade.
ANY_GRADE = (1, 9)


def student_of(case: Case) -> Student:
    """The student of a demo case (every one here is of a student of this system)."""
    assert case.student is not None
    return case.student


class SchoolCases:
    """The demo's school, its people and its free students, and the driving of a case to a step."""

    def __init__(
        self,
        users: Mapping[str, User],
        schools: Mapping[str, School],
        grades: tuple[int, int] = GRADES,
        home: str = HOME,
    ):
        self.users, self.school, self.today = users, schools[home], clock.today()
        self.registrar, self.approver = users[f"{home}_registrar"], users[f"{home}_approver"]
        self.officer = users["bg_officer"]
        taken = set(Case.objects.exclude(student=None).values_list("student_id", flat=True))
        self.free = iter(
            Enrollment.objects.filter(
                school=self.school,
                is_current=True,
                status=Enrollment.Status.ENROLLED,
                grade__gte=grades[0],
                grade__lte=grades[1],
            )
            .exclude(student_id__in=taken)
            .select_related("student")
            .order_by("-grade", "pk")
        )

    def student(self) -> Student:
        """The next student in school with no case yet (StopIteration when there is none)."""
        return next(self.free).student

    def attach(self, case: Case, actor: User | None = None) -> None:
        """Attach a demo scan for every category of evidence the case still misses."""
        for category, label in engine.missing_evidence(case).items():
            engine.case_attach(
                actor=actor or self.registrar,
                case=case,
                file=BytesIO(scan(label, student_of(case).name, case.number)),
                original_name=f"{label}.pdf",
                category=category,
            )

    def to(self, case: Case, stop: str, decisions: Mapping[str, Mapping[str, str]] | None = None) -> Case:
        """Submit, then approve step after step until the case waits at ``stop`` (or completes)."""
        self.attach(case)
        case = engine.case_submit(actor=self.registrar, case=case)
        while case.state == Case.State.OPEN and case.step_key != stop:
            actor = self._actor(case)
            self.attach(case, actor)  # what this step needs (a receipt the school records)
            case = engine.case_approve(
                actor=actor,
                case=case,
                comment="同意",
                decision=(decisions or {}).get(case.step_key),
            )
        return case

    def _actor(self, case: Case) -> User:
        step = kind_of(case.kind).step(case, case.step_key)
        school, bureau = engine.owner_of(case, step)
        if school is not None:
            return self.approver if Role.SCHOOL_APPROVER in step.roles else self.registrar
        if bureau is not None and Role.DISTRICT_OFFICER in step.roles:
            return self.officer
        raise ValueError(f"demo: no actor for the step {case.step_key} ({step.party})")
