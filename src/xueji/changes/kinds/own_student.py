"""What the kinds a school starts for its own student share (suspension, extension, resumption,
study abroad and return, and the next ones: dropout, death): the steps of a school's application
(registrar → school approver → district), the check that the student is the school's own and in
the right status, and the one place that opens such a case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db import transaction

from xueji.changes import services as engine
from xueji.changes.kinds.base import EvidenceRule, Kind, Party, Refusal, Step, no_evidence
from xueji.changes.models import Case
from xueji.core.errors import RuleViolation, RuleViolations
from xueji.org.models import Role, User
from xueji.org.permissions import require_role
from xueji.org.policy import Limit
from xueji.students import status
from xueji.students.models import Enrollment, Student

# Decision: the measures give no day count for a school's review or the district's approval of
# these applications; each has the same 10 working days as a transfer's step, as district policy.
STEP_DAYS = Limit(
    "case.step_days", "学校审核、区教育局审批每个环节的办理时限", "个工作日", "R12.3", 10, 1, 60
)

NOT_OWN = Refusal("R4.1", "not_own_student", "只能为本校在籍学生办理。该学生不在本校。", "student")
WRONG_STATUS = Refusal("R17.2", "wrong_status", "该学生学籍状态为“{status}”，{need}。", "student")
# R15.2: a missing or detained student's record is kept: nothing but a death filing or the return
# may start for it, and the refusal says so.
KEPT_WHILE_MISSING = Refusal(
    "R15.2",
    "record_kept",
    "该学生已报下落不明或被依法羁押，学籍保留，学校和区教育局不得取消或变更其学籍（第十五条）。"
    "学生返校的，办理返校恢复在读；学生死亡的，凭死亡医学证明或法院宣告死亡判决书办理注销。",
    "student",
)


# A report the school owes within days of learning of something (a death, a dropout, a missing
# student) counts from that day, a fact of the report: ``prepare(..., days=LIMIT, anchor=LEARNED)``.
LEARNED = "learned_on"


def prepare(
    label: str, evidence: EvidenceRule = no_evidence, action_label: str = "提交学校审核", **kwargs: Any
) -> Step:
    """The registrar prepares the application with the guardian's documents (or the school's
    report; ``days`` and ``anchor`` give it a clock)."""
    return Step(
        "prepare",
        label,
        Party.SCHOOL,
        (Role.REGISTRAR,),
        evidence=evidence,
        action_label=action_label,
        **kwargs,
    )


def school_review(label: str = "学校审核", days: Limit = STEP_DAYS, **kwargs: Any) -> Step:
    """The school approver reviews (经学校审核): never the registrar who prepared it (R2.2)."""
    return Step("school", label, Party.SCHOOL, (Role.SCHOOL_APPROVER,), days=days, **kwargs)


def district_approval(label: str = "区教育局审批", key: str = "district", **kwargs: Any) -> Step:
    return Step(key, label, Party.SCHOOL_BUREAU, (Role.DISTRICT_OFFICER,), days=STEP_DAYS, **kwargs)


class BackInSchool(Kind):
    """A kind whose completion brings the student back in school (a resumption, a return from
    abroad, from a dropout, of a missing student): 在读 again from the date in ``back_on``, in the
    grade ``back_grade`` gives (the one the student left in, unless a kind decides otherwise), the
    same record, waiting for a class (待分班)."""

    back_on: ClassVar[str] = "returns_on"
    back_rule: ClassVar[str] = ""

    def back_grade(self, case: Case) -> int:
        return int(case.facts["grade"])

    def on_complete(self, case: Case, actor: User) -> None:
        assert case.student_id is not None  # the case is about a student of this system
        status.enrollment_return(
            actor=actor,
            student=case.student_id,
            on=dt.date.fromisoformat(case.facts[self.back_on]),
            grade=self.back_grade(case),
            rule=self.back_rule,
            reference=case.number,
        )


Derive = Callable[[Enrollment, dict[str, Any], list[RuleViolation]], None]


def _no_derive(enrollment: Enrollment, clean: dict[str, Any], errors: list[RuleViolation]) -> None:
    """Nothing to add: the schema checks the facts; the documents are checked at submission."""


@dataclass(frozen=True)
class Starter:
    """How a kind a school files for its own student starts: the statuses it starts from (and the
    words of the refusal otherwise), the entered facts it takes, and ``derive``, which adds what
    the record says (the grade, a period's end, the share of the semester) and the kind's own
    refusals. ``start`` opens the case; ``preview`` gives the same facts without writing, so the
    start form can show the documents the answers will need."""

    kind: Kind
    statuses: tuple[str, ...]
    need: str
    derive: Derive = _no_derive
    only: tuple[str, ...] | None = None

    def _facts(
        self, enrollment: Enrollment, facts: Mapping[str, Any]
    ) -> tuple[dict[str, Any], list[RuleViolation]]:
        clean, errors = self.kind.facts.clean(facts, only=self.only)
        clean["grade"] = enrollment.grade
        self.derive(enrollment, clean, errors)
        return clean, errors

    @transaction.atomic
    def start(self, *, actor: User, student: Student, facts: Mapping[str, Any]) -> Case:
        """Open a case for a student of the actor's school in one of the statuses; every refusal
        at once."""
        require_role(actor, (Role.REGISTRAR,))
        enrollment = (
            Enrollment.objects.select_for_update(of=("self",))
            .select_related("school__district", "school_class")
            .filter(student=student, is_current=True)
            .first()
        )
        if enrollment is None or enrollment.school_id != actor.school_id:
            raise NOT_OWN()
        if enrollment.status not in self.statuses:
            if enrollment.status == Enrollment.Status.MISSING:
                raise KEPT_WHILE_MISSING()
            raise WRONG_STATUS(status=enrollment.get_status_display(), need=self.need)
        engine.check_no_open_case(student, kind=self.kind)
        clean, errors = self._facts(enrollment, facts)
        if errors:
            raise RuleViolations(errors)
        return engine.case_open(
            actor=actor,
            kind=self.kind.key,
            school=enrollment.school,
            student=student,
            other_school=None,
            facts=clean,
        )

    def preview(self, *, enrollment: Enrollment, facts: Mapping[str, Any]) -> dict[str, Any]:
        """The facts a start would store, refusals left aside (nothing is written)."""
        return self._facts(enrollment, facts)[0]
