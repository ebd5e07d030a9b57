"""Every 升学 snapshot kept so far as JSON on its Progression becomes a read-only ArchiveSnapshot of
kind "legacy" (record and family only, taken before the full archive), keeping its original digest,
so verifying it still proves it unchanged (R8.1). The JSON column goes in the next migration: on
PostgreSQL a table cannot be altered in the transaction that just updated its rows."""

import datetime as dt

from django.db import migrations


def to_archives(apps, schema_editor):
    Progression = apps.get_model("students", "Progression")
    ArchiveSnapshot = apps.get_model("students", "ArchiveSnapshot")
    for p in Progression.objects.filter(archive__isnull=True).iterator():
        body = dict(p.snapshot or {})
        digest = body.pop("sha256", "")
        try:
            taken_on = dt.date.fromisoformat(str(body.get("taken_on")))
        except ValueError:
            taken_on = p.recorded_at.date()
        snap = ArchiveSnapshot.objects.create(
            student_id=p.student_id,
            school_id=p.from_school_id,
            enrollment_id=p.graduated_id,
            to_school_id=p.to_school_id,
            to_party=p.to_party,
            kind="legacy",
            reference=p.source[:50],
            taken_on=taken_on,
            content=body,
            sha256=digest,
        )
        Progression.objects.filter(pk=p.pk).update(archive=snap)


class Migration(migrations.Migration):
    dependencies = [("students", "0014_archive_snapshot")]

    operations = [
        migrations.RunPython(to_archives, migrations.RunPython.noop),
    ]
