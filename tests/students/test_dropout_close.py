"""R13.2 (decision 0034): a dropped-out student's record is kept and managed through the compulsory
term — until the later of the day before the 16th birthday and the end of the school year in which
grade 9 would have ended — then closed as such (肄业): kept, read-only, out of the dropout lists,
never deleted."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from tests.conftest import login
from tests.factories import enrolled
from xueji.audit.models import AuditEvent
from xueji.core.errors import RuleViolation
from xueji.students import selectors, services, status
from xueji.students.models import Enrollment, StatusPeriod

pytestmark = pytest.mark.django_db
term_end = status.compulsory_term_end


def test_r13_2_the_term_ends_at_the_later_of_age_16_and_the_nine_years():
    # Grade 8, 14 years old, dropped out in October 2026: grade 9 would end on 31 Aug 2028; the 16th
    # birthday (1 Apr 2028) comes first, so the nine years decide.
    assert term_end(birth=dt.date(2012, 4, 1), grade=8, dropped_on=dt.date(2026, 10, 8), age=16) == dt.date(
        2028, 8, 31
    )
    # Grade 9 at 15 in the spring: the school year ends 31 Aug 2027; 16 only on 20 Dec 2027.
    assert term_end(birth=dt.date(2011, 12, 20), grade=9, dropped_on=dt.date(2027, 3, 1), age=16) == dt.date(
        2027, 12, 19
    )
    # Born on 29 February, with a district keeping records to 17: turns 17 on 1 March 2029.
    assert term_end(birth=dt.date(2012, 2, 29), grade=9, dropped_on=dt.date(2027, 3, 1), age=17) == dt.date(
        2029, 2, 28
    )


def _dropout(world, *, birth, grade, on):
    student = enrolled(world.school_b, grade=grade, birth=birth, name="辍学生")
    status.enrollment_change_status(actor=None, student=student, status="06", starts_on=on)
    return student


def test_r13_2_closed_the_day_after_the_term_ends_not_before(world):
    student = _dropout(world, birth=dt.date(2011, 9, 11), grade=9, on=dt.date(2026, 9, 8))
    # The nine years end on 31 Aug 2027; the 16th birthday is 11 Sep 2027: kept through 10 Sep.
    assert status.dropouts_close(today=dt.date(2027, 9, 10)) == 0
    assert Enrollment.objects.get(student=student, is_current=True).status == "06"
    assert status.dropouts_close(today=dt.date(2027, 9, 11)) == 1
    closed = Enrollment.objects.get(student=student, is_current=True)
    assert closed.status == "09" and closed.get_status_display() == "肄业"
    period = StatusPeriod.objects.get(student=student)
    assert period.closed_on == dt.date(2027, 9, 10)
    assert Enrollment.history.filter(student=student, status="09").count() == 1
    events = AuditEvent.objects.filter(action="enrollment.status", subject_id=str(student.pk))
    assert any("学籍关闭" in e.note and "R13.2" in e.rules for e in events)
    assert status.dropouts_close(today=dt.date(2027, 9, 12)) == 0  # once


def test_r13_2_a_closed_record_is_kept_read_only_and_off_the_dropout_lists(world, settings):
    student = _dropout(world, birth=dt.date(2011, 9, 11), grade=9, on=dt.date(2026, 9, 8))
    settings.XUEJI_FIXED_TODAY = "2027-09-20"
    status.dropouts_close()
    assert student.pk not in [
        p.student_id for p in selectors.dropouts_without_recent_effort(requested_by=world.officer)
    ]
    with pytest.raises(RuleViolation) as refused:
        services.student_update(actor=world.registrar_b, student=student, changes={"specialty": "书法"})
    assert refused.value.rule == "R13.2" and "肄业" in refused.value.message
    with pytest.raises(RuleViolation):  # no way back to 在读 from a closed record
        status.enrollment_change_status(actor=None, student=student, status="01")
    page = login(world.registrar_b).get(f"/students/{student.pk}/").content.decode()
    assert "肄业" in page


def test_r13_2_the_daily_run_closes_them(world):
    _dropout(world, birth=dt.date(2011, 9, 11), grade=9, on=dt.date(2026, 9, 8))
    out = io.StringIO()
    call_command("daily", stdout=out)  # today is 2026-09-10: nothing yet
    assert "0 名辍学学生" in out.getvalue()
