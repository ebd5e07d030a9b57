"""R21.1: the audit log holds masked ID numbers and phones, never the full values. Rows are masked as
they are written; the 0004 migration masked the rows written before, voided the seals it broke and
said so in its own row."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import enrollment_payload, family_payload, student_payload
from xueji.audit.masking import mask_text, mask_value
from xueji.audit.models import AuditEvent, AuditSeal
from xueji.students.services import student_register

ID = "410503201409010016"
PHONE = "13812345678"


def test_r21_1_shapes_are_masked_wherever_they_stand():
    assert mask_text(f"身份证号{ID}已登记") == "身份证号410503********0016已登记"
    assert mask_text(f"学籍号 G{ID}，电话{PHONE}") == "学籍号 G410503********0016，电话138****5678"
    assert mask_text("第 12345678901234567890 号") == "第 12345678901234567890 号"  # 20 digits: not an ID
    assert mask_text("10:30 第 3 次") == "10:30 第 3 次"


def test_r21_1_fields_named_for_numbers_are_masked_whatever_their_shape():
    changes = {
        "id_number": [None, "H1234567890"],
        "guardian_phone": ["0372-5123456", ""],
        "name": ["王", "李"],
    }
    assert mask_value(changes) == {
        "id_number": [None, "H1*******90"],
        "guardian_phone": ["********3456", ""],
        "name": ["王", "李"],
    }
    assert mask_value({"family": [{"id_number": ID, "phone": PHONE}]}) == {
        "family": [{"id_number": "410503********0016", "phone": "138****5678"}]
    }


@pytest.mark.django_db
def test_r21_1_no_audit_row_of_a_registration_holds_a_full_id_number_or_phone(world):
    student = student_register(
        actor=world.registrar_a,
        school=world.school_a,
        student=student_payload(),
        family=family_payload(phone=PHONE),
        enrollment=enrollment_payload(),
        school_class=world.class_a1,
    )
    rows = list(AuditEvent.objects.values("subject_id", "changes", "note"))
    assert rows
    dumped = json.dumps(rows, ensure_ascii=False)
    assert student.id_number not in dumped and PHONE not in dumped
    family_ids = [m.id_number for m in student.family.all() if m.id_number]
    assert family_ids and not any(number in dumped for number in family_ids)


BEFORE = [("audit", "0003_audit_seal")]
AFTER = [("audit", "0004_mask_personal_numbers")]


@pytest.mark.django_db(transaction=True)
def test_r21_1_the_migration_masks_old_rows_voids_the_broken_seals_and_says_so():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Event = apps.get_model("audit", "AuditEvent")
    Seal = apps.get_model("audit", "AuditSeal")

    def event(note: str, changes: dict) -> int:
        made = Event.objects.create(
            action="student.update", subject_type="Student", subject_id="1", note=note
        )
        Event.objects.filter(pk=made.pk).update(changes=changes)
        return made.pk

    clean = event("第 1 次", {"specialty": ["", "书法"]})
    Seal.objects.create(first_id=clean, last_id=clean, rows=1, rows_sha256="a" * 64, sha256="b" * 64)
    leaky = event(f"按 {ID} 查询", {"id_number": [None, ID], "phone": [PHONE, ""]})
    Seal.objects.create(
        first_id=leaky, last_id=leaky, rows=1, rows_sha256="c" * 64, previous_sha256="b" * 64, sha256="d" * 64
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)

    rows = {row.pk: row for row in AuditEvent.objects.all()}
    assert rows[leaky].note == "按 410503********0016 查询"
    assert rows[leaky].changes == {"id_number": [None, "410503********0016"], "phone": ["138****5678", ""]}
    assert rows[clean].changes == {"specialty": ["", "书法"]}  # untouched, and its seal kept
    assert list(AuditSeal.objects.values_list("sha256", flat=True)) == ["b" * 64]
    said = AuditEvent.objects.get(action="audit.masked")
    assert "1 条审计记录" in said.note and "d" * 64 in said.note
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.parametrize("change", ["update", "delete"])
def test_r21_1_on_postgresql_the_audit_log_refuses_update_and_delete(world, change):
    from django.db import DatabaseError, transaction

    event = AuditEvent.objects.create(action="student.view", subject_type="Student", subject_id="1")
    rows = AuditEvent.objects.filter(pk=event.pk)
    with pytest.raises(DatabaseError, match="审计日志只能追加"), transaction.atomic():
        rows.update(note="改过") if change == "update" else rows.delete()
    assert AuditEvent.objects.get(pk=event.pk).note == ""
