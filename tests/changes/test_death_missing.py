"""Death and missing students (R15.1, R15.2, R17.2): the cancellation's deadline anchored on the day
the school learned of the death, the record kept and read-only, a missing student's record that
nothing but a death filing on a certificate or a court's declaration can end, and the return."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.changes.builders import _death, _missing, advance, case_in_state
from tests.changes.conftest import start
from tests.factories import enrolled
from xueji.changes import selectors
from xueji.changes import services as engine
from xueji.changes.models import Case, CaseEvent
from xueji.core.errors import RuleViolation, RuleViolations
from xueji.students.models import Enrollment

pytestmark = pytest.mark.django_db


def _complete(case: Case) -> Case:
    while case.state != Case.State.COMPLETED:
        case = advance(case)
    return case


def _refusal(error: Exception) -> RuleViolation:
    if isinstance(error, RuleViolations):
        return error.violations[0]
    assert isinstance(error, RuleViolation)
    return error


# --------------------------------------------------------------------------- R15.1 death


def test_r15_1_the_10_working_days_run_from_the_day_learned_across_national_day(world, settings):
    # Learned Monday 28 Sep; 1–7 Oct are holidays and Saturday 10 Oct a working day: day 10 is
    # Friday 16 Oct, whatever day the filing starts.
    settings.XUEJI_FIXED_TODAY = "2026-10-12"
    from xueji.changes.kinds.death.services import death_start

    facts = {"learned_on": "2026-09-28", "died_on": "2026-09-27", "proof": "death_certificate"}
    case = death_start(actor=world.registrar_a, student=enrolled(world.school_a, grade=3), facts=facts)
    assert (case.step_started_on, case.step_due) == (dt.date(2026, 9, 28), dt.date(2026, 10, 16))
    settings.XUEJI_FIXED_TODAY = "2026-10-16"  # day 10: still in time
    assert engine.cases_flag_overdue() == 0
    assert not selectors.inbox(requested_by=world.registrar_a)[0].late
    settings.XUEJI_FIXED_TODAY = "2026-10-19"  # day 11: late, flagged, never refused
    assert selectors.inbox(requested_by=world.registrar_a)[0].late
    assert engine.cases_flag_overdue() == 1
    case = advance(Case.objects.get(pk=case.pk))
    assert case.state == "open" and case.step_key == "school"
    assert case.step_due == dt.date(2026, 10, 16)  # the school's review shares the same 10 days


def test_r15_1_the_proof_named_is_the_document_required(world):
    case = _death(world, proof="court_declaration")
    assert engine.missing_evidence(case) == {"court_declaration": "人民法院宣告死亡的判决书"}


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        ({"learned_on": "2026-09-11", "died_on": "2026-09-06"}, "learned_on"),  # tomorrow
        ({"learned_on": "2026-09-08", "died_on": "2026-09-09"}, "died_on"),
        ({"learned_on": "2026-09-08", "died_on": "2026-09-06", "proof": "rumour"}, "proof"),
    ],
)
def test_r15_1_impossible_dates_and_proofs_are_refused_before_anything_is_written(world, facts, field):
    from xueji.changes.kinds.death.services import death_start

    with pytest.raises((RuleViolation, RuleViolations)) as refused:
        death_start(
            actor=world.registrar_a,
            student=enrolled(world.school_a, grade=3),
            facts={"proof": "death_certificate", **facts},
        )
    assert field in {v.field for v in getattr(refused.value, "violations", [refused.value])}
    assert not Case.objects.exists()


def test_r15_1_completed_the_record_stays_marked_dead_and_nothing_more_starts(world):
    from xueji.changes.kinds.death.services import death_start
    from xueji.changes.kinds.suspension.services import suspension_start

    case = case_in_state("death", "completed", world)
    enrollment = Enrollment.objects.get(student=case.student, is_current=True)
    assert enrollment.status == "11" and enrollment.get_status_display() == "死亡"
    assert enrollment.student.xjh  # the record is kept, not deleted
    facts = {"learned_on": "2026-09-08", "died_on": "2026-09-06", "proof": "death_certificate"}
    for begin in (death_start, suspension_start):
        with pytest.raises(RuleViolation) as refused:
            begin(actor=world.registrar_a, student=case.student, facts=facts)
        assert refused.value.code == "wrong_status" and "死亡" in refused.value.message


def test_r17_2_a_death_filing_withdraws_the_students_other_open_case_but_not_its_own(world):
    suspension = case_in_state("suspension", "open", world)
    death = _death(world, student=suspension.student)
    suspension.refresh_from_db()
    assert suspension.state == "withdrawn"
    assert suspension.events.filter(action=CaseEvent.Action.SUPERSEDE).count() == 1
    with pytest.raises(RuleViolation) as refused:
        _death(world, student=death.student)
    assert refused.value.code == "open_case" and death.number in refused.value.message


# --------------------------------------------------------------------------- R15.2 missing


def test_r15_2_a_missing_student_is_kept_and_nothing_may_end_or_change_the_record(world):
    from xueji.changes.kinds.suspension.services import suspension_start
    from xueji.changes.kinds.transfer_out.services import transfer_out_start

    case = case_in_state("missing", "completed", world)
    student = case.student
    enrollment = Enrollment.objects.get(student=student, is_current=True)
    assert enrollment.get_status_display() == "下落不明"
    period = student.status_periods.get(closed_on__isnull=True)
    assert (period.status, period.starts_on) == ("15", dt.date(2026, 9, 7))
    for begin, facts in (
        (suspension_start, {"ground": "other", "reason": "x", "starts_on": "2026-09-10"}),
        (transfer_out_start, {"platform_request": "ZJ1", "to_province": "浙江省", "to_school": "x"}),
    ):
        with pytest.raises(RuleViolation) as refused:
            begin(actor=world.registrar_a, student=student, facts=facts)
        assert (refused.value.rule, refused.value.code) == ("R15.2", "record_kept")
    # A death filing only on a death certificate or a court's declaration.
    with pytest.raises((RuleViolation, RuleViolations)) as refused:
        _death(world, student=student, proof="police_or_hospital")
    assert _refusal(refused.value).rule == "R15.2"
    death = _complete(_death(world, student=student, proof="court_declaration"))
    assert Enrollment.objects.get(student=student, is_current=True).status == "11"
    assert student.status_periods.get(pk=period.pk).closed_on is not None
    assert death.state == "completed"


def test_r15_2_a_transfer_of_a_missing_student_is_refused_citing_the_rule(world, student_c):
    from xueji.changes.kinds.missing.services import missing_start

    case = missing_start(
        actor=world.registrar_c,
        student=student_c,
        facts={
            "learned_on": "2026-09-08",
            "left_on": "2026-09-07",
            "circumstance": "detained",
            "description": "被公安机关刑事拘留",
        },
    )
    _complete(case)
    with pytest.raises(RuleViolation) as refused:
        start(world, student_c)
    assert refused.value.rule == "R15.2"


def test_r15_2_found_again_the_same_record_is_in_school_again(world):
    student = case_in_state("missing", "completed", world).student
    xjh = student.xjh
    from xueji.changes.kinds.found.services import found_start

    facts = {"returns_on": "2026-09-10", "description": "已由公安机关找回"}
    case = _complete(found_start(actor=world.registrar_a, student=student, facts=facts))
    enrollment = Enrollment.objects.get(student=student, is_current=True)
    assert (enrollment.status, enrollment.placement_due, enrollment.student.xjh) == ("01", True, xjh)
    assert case.state == "completed"


def test_r15_2_the_report_is_due_5_working_days_from_the_day_learned(world):
    case = _missing(world)
    assert (case.step_started_on, case.step_due) == (dt.date(2026, 9, 8), dt.date(2026, 9, 15))


def test_r15_1_a_cancelled_record_is_read_only_in_the_pages_and_the_services(world):
    from django.test import Client

    from tests.conftest import login
    from xueji.org.tokens import api_token_issue
    from xueji.students import services as student_services
    from xueji.students.models import FollowUp

    student = case_in_state("death", "completed", world).student
    with pytest.raises(RuleViolation) as refused:
        student_services.student_update(
            actor=world.registrar_a, student=student, changes={"specialty": "书法"}
        )
    assert (refused.value.rule, refused.value.code) == ("R15.1", "record_closed")
    with pytest.raises(RuleViolation):
        student_services.follow_up_record(
            actor=world.registrar_a,
            student=student,
            kind=FollowUp.Kind.URGE,
            on=dt.date(2026, 9, 10),
            who="班主任",
            way=FollowUp.Way.VISIT,
            result="x",
        )
    page = login(world.registrar_a).get(f"/students/{student.pk}/?tab=status").content.decode()
    assert "学籍已注销（死亡），只读保存" in page and "修改信息" not in page and "记录跟进" not in page
    token = api_token_issue(user=world.registrar_a)[0]
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").patch(
        f"/api/v1/students/{student.pk}", {"changes": {"specialty": "书法"}}, content_type="application/json"
    )
    assert response.status_code == 422 and response.json()["rule"] == "R15.1"


def test_r15_1_a_death_before_the_students_birth_is_refused(world):
    with pytest.raises((RuleViolation, RuleViolations)) as refused:
        from xueji.changes.kinds.death.services import death_start

        death_start(
            actor=world.registrar_a,
            student=enrolled(world.school_a, grade=3),
            facts={"learned_on": "2026-09-08", "died_on": "1990-01-01", "proof": "death_certificate"},
        )
    assert "不能早于学生的出生日期" in _refusal(refused.value).message


def test_r2_3_a_text_longer_than_allowed_is_refused_never_cut(world):
    from xueji.changes.kinds.death.services import death_start

    facts = {
        "learned_on": "2026-09-08",
        "died_on": "2026-09-06",
        "proof": "death_certificate",
        "circumstances": "字" * 301,
    }
    with pytest.raises((RuleViolation, RuleViolations)) as refused:
        death_start(actor=world.registrar_a, student=enrolled(world.school_a, grade=3), facts=facts)
    assert _refusal(refused.value).message == "情况说明不能超过 300 字（现为 301 字）。"
    assert not Case.objects.exists()
