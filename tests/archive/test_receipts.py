"""R8.1: the receiving school confirms the paper archive's arrival (day, items, who) once; until it
does, the hand-over is listed for both schools, late after the district's working days (counted
over the holiday calendar)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from tests.conftest import login
from tests.factories import enrolled
from xueji.archive import receipt_services, selectors
from xueji.audit.models import AuditEvent
from xueji.core.errors import RuleViolation
from xueji.students import status

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved(world):
    """A record moved from school C (文峰区) to school A today (2026-09-10, a Thursday)."""
    student = enrolled(world.school_c, grade=3)
    _new, snapshot = status.enrollment_move(
        actor=None, student=student, to_school=world.school_a, reference="ZX1"
    )
    return snapshot


def test_r8_1_both_schools_list_the_unconfirmed_hand_over(world, moved):
    (incoming,) = selectors.receipts_pending(requested_by=world.registrar_a)
    assert incoming.incoming and incoming.snapshot == moved and not incoming.late
    (outgoing,) = selectors.receipts_pending(requested_by=world.registrar_c)
    assert not outgoing.incoming
    assert len(selectors.receipts_pending(requested_by=world.officer)) == 1
    assert len(selectors.receipts_pending(requested_by=world.officer_wf)) == 1
    assert selectors.receipts_pending(requested_by=world.registrar_b) == []


def test_r8_1_late_after_ten_working_days_counting_the_adjusted_sunday(world, moved):
    # Taken on Thursday 10 September: Sunday 20 September is a working day (调休 for National
    # Day), so the tenth working day is Wednesday 23 September; late from the 24th.
    (on_day,) = selectors.receipts_pending(requested_by=world.registrar_a, today=dt.date(2026, 9, 23))
    assert on_day.due == dt.date(2026, 9, 23) and not on_day.late
    (after,) = selectors.receipts_pending(requested_by=world.registrar_a, today=dt.date(2026, 9, 24))
    assert after.late


def test_r8_1_the_receiving_registrar_confirms_once(world, moved):
    with pytest.raises(PermissionDenied):
        receipt_services.receipt_confirm(
            actor=world.registrar_b, snapshot=moved, received_on=dt.date(2026, 9, 10), items=["card"]
        )
    with pytest.raises(RuleViolation) as refused:
        receipt_services.receipt_confirm(
            actor=world.registrar_a, snapshot=moved, received_on=dt.date(2026, 9, 11), items=[]
        )
    assert {v.field for v in refused.value.violations} == {"received_on", "items"}
    receipt = receipt_services.receipt_confirm(
        actor=world.registrar_a, snapshot=moved, received_on=dt.date(2026, 9, 10), items=["card", "household"]
    )
    assert receipt.items == ["学生学籍卡", "户口簿复印件"] and receipt.received_by == world.registrar_a
    assert selectors.receipts_pending(requested_by=world.registrar_a) == []
    assert selectors.receipts_pending(requested_by=world.registrar_c) == []
    assert AuditEvent.objects.filter(action="archive.receipt").count() == 1
    with pytest.raises(RuleViolation):
        receipt_services.receipt_confirm(
            actor=world.registrar_a, snapshot=moved, received_on=dt.date(2026, 9, 10), items=["card"]
        )


def test_r8_1_through_the_page(world, moved):
    client = login(world.registrar_a)
    page = client.get("/archive/receipts/").content.decode()
    assert moved.student.name in page and "确认接收" in page
    done = client.post(
        "/archive/receipts/",
        {"snapshot": moved.pk, "received_on": "2026-09-10", "items": ["card"]},
        follow=True,
    )
    assert "已确认收到" in done.content.decode()
    assert login(world.registrar_c).post("/archive/receipts/", {"snapshot": moved.pk}).status_code == 404
