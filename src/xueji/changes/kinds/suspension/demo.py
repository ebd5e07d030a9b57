"""Demo cases of the suspension family (Art. 12) in every state, at 北关区红旗路小学 (hq), driven
through the services a user triggers, so every role's inbox and the urging list have work:

- hq_registrar: a suspension draft, a returned one, an abroad draft; the resumed student to place
  in a class (待分班);
- hq_approver: a suspension, a resumption and a study abroad at 学校审核;
- bg_officer: a suspension, an extension, a resumption into another grade (the district's grade
  decision) and a return from abroad at the district's step; one rejected suspension closed;
- the urging list (休学复学督促): a suspension ending within the warning days, two that ended
  without resumption (one already urged), a student abroad.

Dates are relative to the seed's "today": suspensions that are to be near or past their end were
approved a year ago (the clock is set back for those calls and restored after them, demo_files.on),
with the ground "other special reasons", which needs no semester of that year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from io import BytesIO
from typing import TYPE_CHECKING, Any

from xueji.changes import services as engine
from xueji.changes.kinds.abroad.services import abroad_start
from xueji.changes.kinds.abroad_return.services import abroad_return_start
from xueji.changes.kinds.demo_files import on, scan
from xueji.changes.kinds.extension.services import extension_start
from xueji.changes.kinds.registry import kind_of
from xueji.changes.kinds.resumption.services import resumption_start
from xueji.changes.kinds.suspension.services import suspension_start
from xueji.changes.models import Case
from xueji.core import clock
from xueji.org.models import School, User
from xueji.org.selectors import semester_of
from xueji.students import services as student_services
from xueji.students.models import Enrollment, FollowUp, Student

if TYPE_CHECKING:
    from xueji.demo.people import People

HOME = "hq"
GUARDIAN = "王建国"

ILLNESS_REASON = "因肺炎住院治疗，医嘱出院后休养三个月"
OTHER_REASON = "家庭变故，监护人申请暂停学业一年"


def _student_of(case: Case) -> Student:
    """The student of a demo case (every one here is of a student of this system)."""
    assert case.student is not None
    return case.student


class _Seed:
    def __init__(self, users: Mapping[str, User], schools: Mapping[str, School]):
        self.users, self.school, self.today = users, schools[HOME], clock.today()
        self.registrar, self.approver = users["hq_registrar"], users["hq_approver"]
        self.officer = users["bg_officer"]
        taken = set(Case.objects.exclude(student=None).values_list("student_id", flat=True))
        self.free = iter(
            Enrollment.objects.filter(
                school=self.school,
                is_current=True,
                status=Enrollment.Status.ENROLLED,
                grade__gte=2,
                grade__lte=5,
            )
            .exclude(student_id__in=taken)
            .select_related("student")
            .order_by("-grade", "pk")
        )

    def student(self) -> Any:
        return next(self.free).student

    def attach(self, case: Case) -> None:
        kind = kind_of(case.kind)
        for category, label in engine.missing_evidence(case).items():
            engine.case_attach(
                actor=self.registrar,
                case=case,
                file=BytesIO(scan(label, _student_of(case).name, case.number)),
                original_name=f"{label}.pdf",
                category=category,
            )
        assert kind.documents

    def to(self, case: Case, stop: str, decisions: Mapping[str, Mapping[str, str]] | None = None) -> Case:
        """Submit, then approve step after step until the case waits at ``stop`` (or completes)."""
        self.attach(case)
        case = engine.case_submit(actor=self.registrar, case=case)
        while case.state == Case.State.OPEN and case.step_key != stop:
            actor = self.approver if case.step_key == "school" else self.officer
            case = engine.case_approve(
                actor=actor, case=case, comment="同意", decision=(decisions or {}).get(case.step_key)
            )
        return case

    # ------------------------------------------------------------------ the cases

    def suspension(self, *, starts_on: dt.date | None = None, illness: bool = True) -> Case:
        starts_on = starts_on or self.today
        semester = semester_of(starts_on)
        if illness and semester is not None:
            facts: dict[str, Any] = {
                "ground": "illness",
                # Treated since the term began: the whole term, whatever day the demo runs on.
                "absence_from": semester.start.isoformat(),
                "absence_to": semester.end.isoformat(),
                "reason": ILLNESS_REASON,
            }
        else:  # no semester that day (the holidays), or a reason the demo keeps simple
            facts = {"ground": "other", "reason": OTHER_REASON}
        facts.update(starts_on=starts_on.isoformat(), guardian_name=GUARDIAN)
        return suspension_start(actor=self.registrar, student=self.student(), facts=facts)

    def suspended(self, *, ago_days: int) -> Case:
        """A suspension approved when it started, ``ago_days`` ago: its year ends 365 − ago_days
        days from today (negative: it has ended)."""
        started = self.today - dt.timedelta(days=ago_days)
        with on(started):
            return self.to(self.suspension(starts_on=started, illness=False), "")

    def follow_up(self, case: Case, days_ago: int) -> None:
        student_services.follow_up_record(
            actor=self.registrar,
            student=_student_of(case),
            kind=FollowUp.Kind.URGE,
            on=self.today - dt.timedelta(days=days_ago),
            who="张丽娟（班主任陪同）",
            way=FollowUp.Way.VISIT,
            result="上门家访，家长表示孩子仍需休养，将于下月申请延长休学。",
        )


def seed(
    *, users: Mapping[str, User], schools: Mapping[str, School], people: People, say: Callable[[str], None]
) -> dict[str, Case]:
    """The suspension family's demo cases; returns them by what they show."""
    made: dict[str, Case] = {}
    with on(clock.today()):  # one "today" for the whole run
        s = _Seed(users, schools)
        try:
            made["suspension_draft"] = s.suspension()
            made["suspension_returned"] = engine.case_return(
                actor=s.approver,
                case=s.to(s.suspension(), "school"),
                comment="住院病历缺少医院盖章，请补充。",
            )
            made["suspension_school"] = s.to(s.suspension(), "school")
            made["suspension_district"] = s.to(s.suspension(), "district")
            made["suspension_rejected"] = engine.case_reject(
                actor=s.officer,
                case=s.to(s.suspension(illness=False), "district"),
                reason="所附材料不能证明存在无法到校的特殊情况，请学校与监护人沟通后再行申请。",
            )
            made["suspension_completed"] = s.to(s.suspension(), "")
            made["ending_soon"] = s.suspended(ago_days=365 - 20)
            made["extension_district"] = s.to(
                extension_start(
                    actor=s.registrar,
                    student=_student_of(s.suspended(ago_days=365 - 10)),
                    facts={"reason": "仍在康复期，医院建议继续休养一年", "guardian_name": GUARDIAN},
                ),
                "district",
            )
            ended = s.suspended(ago_days=365 + 45)
            s.follow_up(ended, days_ago=12)
            made["ended_urged"] = ended
            made["ended"] = s.suspended(ago_days=365 + 20)
            made["resumption_school"] = s.to(
                resumption_start(
                    actor=s.registrar,
                    student=_student_of(s.suspended(ago_days=300)),
                    facts={"resume_on": s.today.isoformat(), "guardian_name": GUARDIAN},
                ),
                "school",
            )
            back = _student_of(s.suspended(ago_days=330))
            grade = Enrollment.objects.get(student=back, is_current=True).grade
            made["resumption_grade"] = s.to(
                resumption_start(
                    actor=s.registrar,
                    student=back,
                    facts={
                        "resume_on": s.today.isoformat(),
                        "requested_grade": str(grade + 1),
                        "guardian_name": GUARDIAN,
                        "reason": "休学期间已随家庭教师完成本年级课程，申请升入下一年级",
                    },
                ),
                "grade",
            )
            made["resumed"] = s.to(
                resumption_start(
                    actor=s.registrar,
                    student=_student_of(s.suspended(ago_days=200)),
                    facts={"resume_on": s.today.isoformat(), "guardian_name": GUARDIAN},
                ),
                "",
            )
            abroad_facts = {
                "destination": "新加坡",
                "leaves_on": s.today.isoformat(),
                "guardian_name": GUARDIAN,
            }
            made["abroad_draft"] = abroad_start(actor=s.registrar, student=s.student(), facts=abroad_facts)
            made["abroad_school"] = s.to(
                abroad_start(actor=s.registrar, student=s.student(), facts=abroad_facts), "school"
            )
            made["abroad"] = s.to(
                abroad_start(actor=s.registrar, student=s.student(), facts=abroad_facts), ""
            )
            returning = s.to(abroad_start(actor=s.registrar, student=s.student(), facts=abroad_facts), "")
            made["abroad_return_district"] = s.to(
                abroad_return_start(
                    actor=s.registrar,
                    student=_student_of(returning),
                    facts={"returns_on": s.today.isoformat(), "guardian_name": GUARDIAN},
                ),
                "district",
            )
        except StopIteration:
            say("  演示休学复学：本校学生不足，部分事项未建立")
    say(f"  已建立 {len(made)} 件演示休学、复学、出国（境）事项 ({len(made)} demo cases of Art. 12)")
    return made
