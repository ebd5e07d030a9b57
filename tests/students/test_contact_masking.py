"""R21.1: a student's phone, addresses and e-mail are shown in full only to the registrar keeping the
record; approvers and officers read them masked; the API's history and evidence list are logged
reads, and the history shows that a contact changed, not its values."""

from __future__ import annotations

import pytest

from tests.conftest import login
from tests.factories import enrollment_payload, family_payload, student_payload
from xueji.audit.models import AuditEvent
from xueji.org.tokens import api_token_issue
from xueji.students.services import student_register, student_update

pytestmark = pytest.mark.django_db
PHONE, ADDRESS = "13912345678", "安阳市北关区红旗路12号"


@pytest.fixture
def pupil(world):
    return student_register(
        actor=world.registrar_a,
        school=world.school_a,
        student=student_payload(phone=PHONE, current_address=ADDRESS, email="wangxm@example.cn"),
        family=family_payload(),
        enrollment=enrollment_payload(),
    )


def test_r21_1_the_keeping_registrar_reads_contacts_in_full(world, pupil):
    page = login(world.registrar_a).get(f"/students/{pupil.pk}/").content.decode()
    assert PHONE in page and ADDRESS in page and "wangxm@example.cn" in page


@pytest.mark.parametrize("persona", ["approver_a", "officer"])
def test_r21_1_approvers_and_officers_read_them_masked(world, pupil, persona):
    page = login(getattr(world, persona)).get(f"/students/{pupil.pk}/").content.decode()
    assert PHONE not in page and ADDRESS not in page and "wangxm@example.cn" not in page
    assert "139****5678" in page and "安阳市北关区****" in page and "w***@example.cn" in page


def test_r21_1_the_api_history_is_masked_and_logged(world, pupil, client):
    student_update(actor=world.registrar_a, student=pupil, changes={"phone": "13800001111"})
    raw, _ = api_token_issue(user=world.approver_a)
    history = client.get(f"/api/v1/students/{pupil.pk}/history", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    phone = next(c for c in history if c["field"] == "联系电话")
    assert (phone["old"], phone["new"]) == ("139****5678", "138****1111")
    assert AuditEvent.objects.filter(
        action="student.view", actor=world.approver_a, note="api history"
    ).exists()
    client.get(f"/api/v1/students/{pupil.pk}/evidence", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert AuditEvent.objects.filter(
        action="student.view", actor=world.approver_a, note="api evidence"
    ).exists()
