"""R7.3: the paper archive's ledger — which paper items the school keeps for each student, where
and who keeps them; a class recorded at once; required items missing listed per school and class,
as the district sets them; only the school's registrar records."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from tests.conftest import login
from tests.factories import enrolled
from xueji.archive import paper_services, selectors
from xueji.archive.models import PaperItem
from xueji.audit.models import AuditEvent
from xueji.core.errors import RuleViolation
from xueji.org.policy import policy_set
from xueji.students import status

pytestmark = pytest.mark.django_db


@pytest.fixture
def pupils(world):
    made = [enrolled(world.school_a, grade=1, name=n) for n in ("王小甲", "王小乙")]
    for p in made:
        status.enrollment_place_in_class(actor=world.registrar_a, student=p, school_class=world.class_a1)
    return made


def test_r7_3_an_item_is_recorded_with_its_place_and_moved_with_history(world, pupils):
    row = paper_services.paper_item_record(
        actor=world.registrar_a,
        student=pupils[0],
        item="card",
        cabinet="A柜",
        box="3盒",
        folder="01",
        keeper="张老师",
    )
    assert row.place == "A柜·3盒·01"
    moved = paper_services.paper_item_record(
        actor=world.registrar_a, student=pupils[0], item="card", cabinet="B柜", keeper="张老师"
    )
    assert moved.pk == row.pk and moved.place == "B柜"
    assert [h.cabinet for h in moved.history.order_by("history_id")] == ["A柜", "B柜"]
    assert AuditEvent.objects.filter(action="paper_item.record").count() == 2


def test_r7_3_a_place_and_a_keeper_are_required(world, pupils):
    with pytest.raises(RuleViolation) as refused:
        paper_services.paper_item_record(
            actor=world.registrar_a, student=pupils[0], item="nope", cabinet=" ", keeper=""
        )
    assert {v.field for v in refused.value.violations} == {"item", "cabinet", "keeper"}
    with pytest.raises(PermissionDenied):
        paper_services.paper_item_record(
            actor=world.approver_a, student=pupils[0], item="card", cabinet="A", keeper="x"
        )


def test_r7_3_a_class_at_once_and_the_gaps_per_class(world, pupils):
    def gaps():
        rows = selectors.paper_ledger(
            requested_by=world.registrar_a, school=world.school_a, school_class=world.class_a1
        )
        return {r.enrollment.student.name: r.missing for r in rows}

    assert gaps() == {"王小甲": ["学生学籍卡", "户口簿复印件"], "王小乙": ["学生学籍卡", "户口簿复印件"]}
    assert (
        paper_services.paper_items_record_class(
            actor=world.registrar_a,
            school_class=world.class_a1,
            item="card",
            cabinet="A柜",
            box="一（1）班",
            keeper="张老师",
        )
        == 2
    )
    assert (
        paper_services.paper_items_record_class(
            actor=world.registrar_a, school_class=world.class_a1, item="card", cabinet="A柜", keeper="张老师"
        )
        == 0
    )  # nobody twice
    assert gaps() == {"王小甲": ["户口簿复印件"], "王小乙": ["户口簿复印件"]}
    policy_set(
        actor=world.admin,
        jurisdiction=world.beiguan,
        key="paper.needs.household",
        value=0,
        reason="户籍信息已联网核验",
    )
    assert gaps() == {"王小甲": [], "王小乙": []}


def test_r7_3_the_item_no_longer_kept_is_marked_with_a_reason(world, pupils):
    row = paper_services.paper_item_record(
        actor=world.registrar_a, student=pupils[0], item="card", cabinet="A", keeper="x"
    )
    with pytest.raises(RuleViolation):
        paper_services.paper_item_remove(actor=world.registrar_a, row=row, reason="")
    paper_services.paper_item_remove(actor=world.registrar_a, row=row, reason="随学籍转出移交")
    assert PaperItem.objects.get().removed
    assert selectors.paper_items(requested_by=world.registrar_a, student=pupils[0]) == []


def test_r7_3_through_the_pages(world, pupils):
    client = login(world.registrar_a)
    response = client.post(
        f"/archive/students/{pupils[0].pk}/paper/",
        {"item": "household", "cabinet": "A柜", "box": "", "folder": "02", "keeper": "张老师"},
        follow=True,
    )
    assert "A柜·02" in response.content.decode()
    ledger = client.get(f"/archive/paper/?class={world.class_a1.pk}").content.decode()
    assert "王小乙" in ledger and "2 名缺少要求的材料" in ledger
    done = client.post(
        "/archive/paper/",
        {"class": world.class_a1.pk, "item": "card", "cabinet": "A柜", "box": "", "keeper": "张老师"},
        follow=True,
    )
    assert "登记 2 名学生" in done.content.decode()
    assert login(world.registrar_c).get(f"/archive/paper/?class={world.class_a1.pk}").status_code == 200
    assert (
        "王小乙"
        not in login(world.registrar_c).get(f"/archive/paper/?class={world.class_a1.pk}").content.decode()
    )
    officer = login(world.officer).get(f"/archive/paper/?school={world.school_a.pk}").content.decode()
    assert "王小乙" in officer and "按班登记" not in officer
