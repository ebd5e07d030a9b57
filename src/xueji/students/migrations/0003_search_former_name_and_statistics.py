"""Search at district scale: index the former name, and finer planner statistics for name prefixes.

A name search is ``name = q OR name LIKE 'q%' OR former_name = q``; without an index on
former_name that OR scanned the whole student table (about 1 s at two million students).

PostgreSQL estimates ``LIKE 'prefix%'`` from the column's histogram. With the default 100 buckets
a bucket spans ~20,000 students, so a prefix such as "lt" (11,763 students) was estimated at 156
and the planner fetched every match before sorting (0.5 s). 1,000 buckets bring the estimate
within a few percent. SQLite has no such setting: there this step does nothing.
"""

from django.db import migrations, models

STATISTICS_COLUMNS = ("name", "name_initials")


def _set_statistics(target: int):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = schema_editor.quote_name("students_student")
        columns = ", ".join(
            f"ALTER COLUMN {schema_editor.quote_name(c)} SET STATISTICS {target}" for c in STATISTICS_COLUMNS
        )
        schema_editor.execute(f"ALTER TABLE {table} {columns}")
        schema_editor.execute(f"ANALYZE {table}")

    return apply


class Migration(migrations.Migration):

    dependencies = [
        ('students', '0002_search_prefix_indexes'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='student',
            index=models.Index(condition=models.Q(('former_name', ''), _negated=True), fields=['former_name'], name='student_former_name_idx'),
        ),
        migrations.RunPython(_set_statistics(1000), _set_statistics(-1), elidable=False),
    ]
