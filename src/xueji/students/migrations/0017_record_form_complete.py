"""R5.1 now reads the entry evidence too: the old flag becomes ``form_complete`` (the national
form's fields), and ``is_complete`` adds the proofs each district requires. A record without its
household proof was complete before and is not any more — the rule's reading changed, not the
record."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q

# What the district requires where it set nothing, as declared when this migration was written
# (students.completeness.EVIDENCE_NEEDS).
DEFAULTS = {"household": 1, "birth": 0, "id_card": 0}


def _required(code, own, fallback):
    scopes = [code, code[:4] + "00", code[:2] + "0000"]
    needs = []
    for category, default in DEFAULTS.items():
        key = f"archive.needs_evidence.{category}"
        value = next((own[(s, key)] for s in scopes if (s, key) in own), fallback.get(key, default))
        if int(value) == 1:
            needs.append(category)
    return tuple(needs)


def forward(apps, schema_editor):
    Student = apps.get_model("students", "Student")
    Evidence = apps.get_model("students", "Evidence")
    Enrollment = apps.get_model("students", "Enrollment")
    Jurisdiction = apps.get_model("org", "Jurisdiction")
    PolicyValue = apps.get_model("org", "PolicyValue")
    Student.objects.update(form_complete=F("is_complete"))
    own = {
        (code, key): value
        for code, key, value in PolicyValue.objects.filter(key__startswith="archive.needs_evidence.").values_list(
            "jurisdiction__code", "key", "value"
        )
    }
    fallback = settings.XUEJI.get("POLICY", {})
    used = Enrollment.objects.filter(is_current=True).values("school__district")
    groups = {}
    for district in Jurisdiction.objects.filter(pk__in=used):
        groups.setdefault(_required(district.code, own, fallback), []).append(district.pk)
    for needs, districts in groups.items():
        complete = Q(form_complete=True)
        for category in needs:
            complete &= Q(Exists(Evidence.objects.filter(student=OuterRef("pk"), category=category)))
        Student.objects.filter(
            enrollments__is_current=True, enrollments__school__district__in=districts
        ).update(is_complete=ExpressionWrapper(complete, output_field=BooleanField()))


def backward(apps, schema_editor):
    Student = apps.get_model("students", "Student")
    Student.objects.update(is_complete=F("form_complete"))


class Migration(migrations.Migration):
    dependencies = [
        ("students", "0016_progression_archive_required"),
        ("org", "0002_district_policy"),
    ]

    operations = [
        migrations.AddField(
            model_name="student",
            name="form_complete",
            field=models.BooleanField(default=False, verbose_name="学籍表必填项齐全"),
        ),
        migrations.RunPython(forward, backward),
    ]
