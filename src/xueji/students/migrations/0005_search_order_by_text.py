"""Name and initials searches list matches by the text, then the student id.

The (text, id) indexes replace the text-only ones: they still serve equality and prefix LIKE, and
PostgreSQL reads a search's first page from them in order (see selectors.enrollment_search).

Not atomic: each step commits on its own, so on a large table the new indexes are built while
searches keep using the old ones (building blocks writes to the students, not reads), and each old
index is then dropped in a moment instead of being locked until the whole migration ends.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("students", "0004_enrollment_gender_for_statistics"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="student",
            index=models.Index(
                fields=["name", "id"], name="student_name_order_idx", opclasses=["varchar_pattern_ops", "int8_ops"]
            ),
        ),
        migrations.AddIndex(
            model_name="student",
            index=models.Index(
                fields=["name_initials", "id"],
                name="student_initials_order_idx",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
        ),
        migrations.RemoveIndex(model_name="student", name="student_name_idx"),
        migrations.RemoveIndex(model_name="student", name="student_initials_idx"),
    ]
