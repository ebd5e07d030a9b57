"""The read-only copy a completed transfer left as JSON in its case's facts becomes an
ArchiveSnapshot of kind "legacy" kept by the school the record left (R8.1), keeping its original
digest; the case keeps only its id (``archive_id``)."""

import datetime as dt

from django.db import migrations


def to_archives(apps, schema_editor):
    Case = apps.get_model("changes", "Case")
    Enrollment = apps.get_model("students", "Enrollment")
    ArchiveSnapshot = apps.get_model("students", "ArchiveSnapshot")
    for case in Case.objects.filter(facts__has_key="snapshot").iterator():
        facts = dict(case.facts)
        body = dict(facts.pop("snapshot") or {})
        digest = body.pop("sha256", "")
        # The school the record left: the transfer-out school of a transfer in; the starting school
        # of a transfer out of this deployment.
        left = case.other_school_id if case.kind == "transfer" else case.school_id
        enrollment = (
            Enrollment.objects.filter(student_id=case.student_id, school_id=left, is_current=False)
            .order_by("-pk")
            .first()
        )
        if case.student_id is None or left is None:
            continue
        try:
            taken_on = dt.date.fromisoformat(str(body.get("taken_on")))
        except ValueError:
            taken_on = (case.closed_at or case.created_at).date()
        snap = ArchiveSnapshot.objects.create(
            student_id=case.student_id,
            school_id=left,
            enrollment=enrollment,
            to_school_id=case.school_id if case.kind == "transfer" else None,
            to_party="" if case.kind == "transfer" else str(body.get("to", ""))[:100],
            kind="legacy",
            reference=case.number,
            taken_on=taken_on,
            content=body,
            sha256=digest,
        )
        facts["archive_id"] = snap.pk
        Case.objects.filter(pk=case.pk).update(facts=facts)


class Migration(migrations.Migration):
    dependencies = [
        ("changes", "0003_case_newest_index"),
        ("students", "0015_progression_archive_legacy"),
    ]

    operations = [migrations.RunPython(to_archives, migrations.RunPython.noop)]
