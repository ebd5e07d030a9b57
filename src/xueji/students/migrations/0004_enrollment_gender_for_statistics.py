"""Copy each student's gender onto the enrollments, for statistics read from one table.

Existing enrollments take their student's gender (history rows keep theirs empty: they record
what was stored then).
"""

from django.db import migrations, models

COPY_GENDER = """
UPDATE students_enrollment SET gender = (
    SELECT s.gender FROM students_student s WHERE s.id = students_enrollment.student_id
)
"""


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0001_initial'),
        ('students', '0003_search_former_name_and_statistics'),
    ]

    operations = [
        migrations.AddField(
            model_name='enrollment',
            name='gender',
            field=models.CharField(blank=True, choices=[('1', '男'), ('2', '女')], editable=False, max_length=1, verbose_name='性别'),
        ),
        migrations.AddField(
            model_name='historicalenrollment',
            name='gender',
            field=models.CharField(blank=True, choices=[('1', '男'), ('2', '女')], editable=False, max_length=1, verbose_name='性别'),
        ),
        migrations.RunSQL(COPY_GENDER, migrations.RunSQL.noop, elidable=False),
        migrations.AddIndex(
            model_name='enrollment',
            index=models.Index(condition=models.Q(('is_current', True)), fields=['school'], include=('grade', 'status', 'gender'), name='enrollment_stats_idx'),
        ),
    ]
