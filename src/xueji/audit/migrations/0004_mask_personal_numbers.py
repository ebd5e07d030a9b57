"""R21.1: mask the ID numbers and phones that audit rows written before masking-on-write still hold.

Rows are rewritten in place, once, before 0005 makes the table append-only. A seal covering a row
rewritten here no longer matches it, so those seals are voided (the next ``xueji audit seal`` or
``xueji daily`` seals the rows again) and the migration leaves its own audit row saying how many
rows it masked and which newest seal digest it voided, so the break in the chain is explained.
"""

from django.db import migrations

from xueji.audit.masking import mask_text, mask_value

BATCH = 1000


def mask_rows(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditSeal = apps.get_model("audit", "AuditSeal")
    pending, masked, first_id = [], 0, None
    rows = AuditEvent.objects.order_by("id").only("id", "subject_id", "changes", "note")
    for row in rows.iterator(chunk_size=2000):
        values = (mask_text(row.subject_id), mask_value(row.changes), mask_text(row.note))
        if values == (row.subject_id, row.changes, row.note):
            continue
        row.subject_id, row.changes, row.note = values
        pending.append(row)
        first_id = row.id if first_id is None else first_id
        if len(pending) >= BATCH:
            AuditEvent.objects.bulk_update(pending, ["subject_id", "changes", "note"])
            masked += len(pending)
            pending = []
    if pending:
        AuditEvent.objects.bulk_update(pending, ["subject_id", "changes", "note"])
        masked += len(pending)
    if not masked:
        return
    voided = AuditSeal.objects.filter(last_id__gte=first_id)
    newest = AuditSeal.objects.order_by("-last_id").first()
    count = voided.count()
    voided.delete()
    note = f"迁移：{masked} 条审计记录中的身份证件号、学籍号和电话已脱敏"
    if count:
        note += f"；作废其后的 {count} 个封存（原最新封存摘要 {newest.sha256}），下次封存时重新封存"
    AuditEvent.objects.create(
        action="audit.masked",
        subject_type="AuditEvent",
        subject_id=str(first_id),
        district_code="",
        rules=["R21.1"],
        note=note[:300],
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_audit_seal")]

    operations = [migrations.RunPython(mask_rows, migrations.RunPython.noop, elidable=True)]
