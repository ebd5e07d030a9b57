"""The one writer of a student's status (students.status): the transition table, R13.1's forbidden
targets, status periods (R12.4), their thresholds over time (R12.6) and the set-based writer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import F

from tests.factories import enrolled
from xueji.audit.models import AuditEvent
from xueji.core.errors import RuleViolation
from xueji.students import rules, status
from xueji.students.models import Enrollment, StatusPeriod, StatusPeriodEvent

pytestmark = pytest.mark.django_db
S = Enrollment.Status


# --------------------------------------------------------------------------- the table


ALL = [s.value for s in S]


@pytest.mark.parametrize("old", ALL)
@pytest.mark.parametrize("new", ALL)
def test_r13_1_every_transition_is_allowed_only_by_the_table(old, new):
    allowed = new in rules.STATUS_TRANSITIONS[old]
    if allowed:
        assert rules.check_transition(old, new, labels=status.LABELS).startswith("R")
    else:
        with pytest.raises(RuleViolation) as refused:
            rules.check_transition(old, new, labels=status.LABELS)
        assert refused.value.code == "status_transition" and status.LABELS[old] in refused.value.message


@pytest.mark.parametrize("target", ["03", "04", "14", "退学", "停学", "开除", "expel"])
def test_r13_1_expulsion_forced_suspension_and_withdrawal_are_refused_by_name_or_code(target):
    assert all(target not in targets for targets in rules.STATUS_TRANSITIONS.values())
    with pytest.raises(RuleViolation) as refused:
        rules.check_transition("01", target, labels=status.LABELS)
    assert (refused.value.rule, refused.value.code) == ("R13.1", "forbidden_status")
    assert "不得开除学生" in refused.value.message


def test_r13_1_the_statuses_have_no_expulsion_target():
    assert not {"03", "04", "14"} & set(S.values)


# --------------------------------------------------------------------------- periods (R12.4)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (dt.date(2026, 9, 10), dt.date(2027, 9, 9)),
        (dt.date(2027, 3, 1), dt.date(2028, 2, 29)),  # across a leap day
        (dt.date(2028, 2, 29), dt.date(2029, 2, 28)),  # 29 Feb → 28 Feb
        (dt.date(2028, 3, 1), dt.date(2029, 2, 28)),
    ],
)
def test_r12_4_a_years_period_ends_the_day_before_the_same_date(start, end):
    assert rules.period_end(start) == end


def test_r12_3_suspending_opens_a_period_and_resuming_closes_it(world):
    student = enrolled(world.school_a)
    start = dt.date(2026, 9, 14)
    enrollment = status.enrollment_change_status(
        actor=world.officer,
        student=student,
        status=S.SUSPENDED,
        starts_on=start,
        ends_on=rules.period_end(start),
        reference="XX202600001",
    )
    assert enrollment.status == S.SUSPENDED and enrollment.is_current
    period = StatusPeriod.objects.get(student=student)
    assert (period.status, period.starts_on, period.ends_on, period.closed_on) == (
        S.SUSPENDED,
        start,
        dt.date(2027, 9, 13),
        None,
    )
    assert enrollment.history.first().status == S.SUSPENDED  # kept in history
    event = AuditEvent.objects.get(action="enrollment.status")
    assert event.changes["status"] == ["01", "02"] and event.rules == ["R12.3"]
    status.enrollment_change_status(
        actor=world.officer, student=student, status=S.ENROLLED, starts_on=dt.date(2027, 9, 1)
    )
    period.refresh_from_db()
    assert period.closed_on == dt.date(2027, 9, 1)
    with pytest.raises(RuleViolation) as refused:  # 在读 → 在读 is no change the table knows
        status.enrollment_change_status(actor=world.officer, student=student, status=S.ENROLLED)
    assert refused.value.code == "status_transition"


def test_r12_4_an_extension_closes_the_period_and_opens_the_next_keeping_both(world):
    student = enrolled(world.school_a)
    status.enrollment_change_status(
        actor=world.officer,
        student=student,
        status=S.SUSPENDED,
        starts_on=dt.date(2026, 9, 14),
        ends_on=dt.date(2027, 9, 13),
    )
    status.status_period_extend(actor=world.officer, student=student, ends_on=dt.date(2028, 9, 13))
    first, second = StatusPeriod.objects.filter(student=student).order_by("starts_on")
    assert (first.closed_on, second.starts_on, second.ends_on) == (
        dt.date(2027, 9, 13),
        dt.date(2027, 9, 14),
        dt.date(2028, 9, 13),
    )
    with pytest.raises(RuleViolation):
        status.status_period_extend(actor=world.officer, student=student, ends_on=dt.date(2028, 1, 1))
    other = enrolled(world.school_a, name="王小东")
    with pytest.raises(RuleViolation) as refused:
        status.status_period_extend(actor=world.officer, student=other, ends_on=dt.date(2028, 1, 1))
    assert refused.value.code == "no_running_period"


def test_a_grade_the_school_does_not_offer_is_refused_and_a_new_grade_leaves_the_class(world):
    student = enrolled(world.school_a, grade=1)
    enrollment = Enrollment.objects.get(student=student)
    status.enrollment_place_in_class(actor=world.registrar_a, student=student, school_class=world.class_a1)
    with pytest.raises(RuleViolation):
        status.enrollment_set_grade(actor=world.officer, student=student, grade=7, rule="R12.5")
    enrollment = status.enrollment_set_grade(actor=world.officer, student=student, grade=2, rule="R12.5")
    assert enrollment.grade == 2 and enrollment.school_class is None


# --------------------------------------------------------------------------- thresholds over time (R12.6)


def _suspended(world, ends_on: dt.date):
    student = enrolled(world.school_a)
    status.enrollment_change_status(
        actor=world.officer,
        student=student,
        status=S.SUSPENDED,
        starts_on=dt.date(2026, 9, 14),
        ends_on=ends_on,
    )
    return StatusPeriod.objects.get(student=student)


@pytest.mark.parametrize(
    ("today", "thresholds"),
    [
        ("2027-08-13", []),  # 31 days before the end
        ("2027-08-14", ["soon"]),  # 30 days before
        ("2027-09-13", ["soon"]),  # the last day of the period: still running
        ("2027-09-14", ["soon", "ended"]),  # the day after: 期满
        ("2027-10-13", ["soon", "ended"]),
        ("2027-10-14", ["soon", "ended", "after_30"]),
        ("2027-11-13", ["soon", "ended", "after_30", "after_60"]),
    ],
)
def test_r12_6_thresholds_before_on_and_after_the_end(world, settings, today, thresholds):
    period = _suspended(world, dt.date(2027, 9, 13))
    settings.XUEJI_FIXED_TODAY = today
    written = status.status_periods_daily()
    assert written == len(thresholds)
    assert sorted(
        StatusPeriodEvent.objects.filter(period=period).values_list("threshold", flat=True)
    ) == sorted(thresholds)
    # R12.4: time alone changes no status.
    assert Enrollment.objects.get(student=period.student).status == S.SUSPENDED


def test_r12_6_the_daily_run_catches_up_and_writes_nothing_twice(world, settings):
    period = _suspended(world, dt.date(2027, 9, 13))
    settings.XUEJI_FIXED_TODAY = "2027-08-20"
    assert status.status_periods_daily() == 1
    settings.XUEJI_FIXED_TODAY = "2027-10-20"  # days missed: ended and after_30 at once
    assert status.status_periods_daily() == 2
    assert status.status_periods_daily() == 0
    assert (
        AuditEvent.objects.filter(action="enrollment.period_event", subject_id=str(period.student_id)).count()
        == 3
    )


# --------------------------------------------------------------------------- set-based


def test_r14_2_the_set_based_writer_is_one_update_with_a_history_row_per_student(
    world, django_assert_max_num_queries
):
    """The promotion's entry point: one UPDATE (per chunk of ids) and the history rows copied by
    the database; the audit event is the caller's, one for the whole set (R14.2)."""
    students = [
        enrolled(world.school_a, grade=2, name=name) for name in ("甲一", "乙二", "丙三", "丁四", "戊五")
    ]
    rows = Enrollment.objects.filter(student__in=students)
    before, events = Enrollment.history.count(), AuditEvent.objects.count()
    with django_assert_max_num_queries(6), transaction.atomic():
        ids = status.enrollments_update(actor=world.registrar_a, rows=rows, values={"grade": F("grade") + 1})
    assert len(ids) == 5 and set(rows.values_list("grade", flat=True)) == {3}
    assert Enrollment.history.count() == before + 5 and AuditEvent.objects.count() == events
    latest = Enrollment.history.filter(student=students[0]).order_by("-history_id").first()
    assert (latest.grade, latest.history_type, latest.history_user_id) == (3, "~", world.registrar_a.pk)
    # A status the table refuses for any row writes nothing.
    for values in ({"status": "01", "grade": 9}, {"status": "03"}):  # 在读 → 在读 is no change; 退学 none
        with pytest.raises(RuleViolation), transaction.atomic():
            status.enrollments_update(actor=world.registrar_a, rows=rows, values=values)
    assert set(rows.values_list("grade", "status")) == {(3, "01")}
