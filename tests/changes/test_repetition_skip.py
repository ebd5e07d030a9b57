"""Repetition and skipping (R14.1): a repeat year only on the guardian's application with evidence
and the district's approval (the grade holds at the next promotion); a skip only when the district
records an exception with its reason; the grade changes through the one writer, with history."""

from __future__ import annotations

import pytest

from tests.changes.builders import _repetition, _skip, advance, case_in_state, current
from tests.factories import enrolled
from xueji.audit.models import AuditEvent
from xueji.changes import services as engine
from xueji.core.errors import RuleViolation, RuleViolations
from xueji.students.models import Enrollment

pytestmark = pytest.mark.django_db
REASON = {"district": {"exception_reason": "经评估学业特别优秀"}}


def _refusals(error: Exception) -> list[RuleViolation]:
    return list(getattr(error, "violations", [error]))


def test_r14_1_a_repeat_year_needs_the_guardians_application_and_evidence(world):
    case = _repetition(world)
    assert set(engine.missing_evidence(case)) == {"guardian_application", "supporting_document"}
    with pytest.raises(RuleViolation) as refused:
        engine.case_submit(actor=world.registrar_a, case=case)
    assert (refused.value.rule, refused.value.code) == ("R14.1", "evidence_missing")


def test_r14_1_an_approved_repeat_keeps_the_grade_and_marks_the_next_promotion(world):
    case = case_in_state("repetition", "completed", world)
    enrollment = Enrollment.objects.get(student=case.student, is_current=True)
    assert (enrollment.grade, enrollment.repeats) == (3, True)
    event = AuditEvent.objects.get(action="enrollment.repeat", subject_id=str(case.student_id))
    assert event.rules == ["R14.1"] and event.note == case.number
    assert enrollment.history.filter(repeats=True).exists()


def test_r14_1_a_rejected_repeat_changes_nothing(world):
    case = case_in_state("repetition", "open", world, step="district")
    engine.case_reject(actor=world.officer, case=case, reason="未达到留级条件")
    assert not Enrollment.objects.get(student=case.student, is_current=True).repeats


def test_r14_1_a_skip_is_refused_unless_the_district_records_an_exception_with_its_reason(world):
    case = case_in_state("skip", "open", world, step="district")
    assert current(case).key == "district"
    with pytest.raises(RuleViolation) as refused:
        engine.case_approve(actor=world.officer, case=case, decision={"exception_reason": " "})
    assert (refused.value.rule, refused.value.code) == ("R14.1", "decision_required")
    assert Enrollment.objects.get(student=case.student, is_current=True).grade == 3
    case = engine.case_approve(actor=world.officer, case=case, decision=REASON["district"])
    enrollment = Enrollment.objects.get(student=case.student, is_current=True)
    assert (case.state, enrollment.grade, case.facts["exception_reason"]) == (
        "completed",
        5,
        "经评估学业特别优秀",
    )
    assert list(enrollment.history.order_by("history_date").values_list("grade", flat=True))[-2:] == [3, 5]


@pytest.mark.parametrize(
    ("grade", "code"), [("3", "not_higher"), ("2", "not_higher"), ("8", "grade_not_offered")]
)
def test_r14_1_a_skip_goes_up_to_a_grade_the_school_offers_no_school_lowers_one(world, grade, code):
    from xueji.changes.kinds.skip.services import skip_start

    facts = {"requested_grade": grade, "reason": "x", "guardian_name": "王建国"}
    with pytest.raises((RuleViolation, RuleViolations)) as refused:
        skip_start(actor=world.registrar_a, student=enrolled(world.school_a, grade=3), facts=facts)
    assert [(v.rule, v.code) for v in _refusals(refused.value)] == [("R14.1", code)]


def test_r14_1_the_skip_completes_through_each_party(world):
    case = _skip(world)
    while case.state != "completed":
        case = advance(case, decisions=REASON)
    assert Enrollment.objects.get(student=case.student, is_current=True).grade == 5
