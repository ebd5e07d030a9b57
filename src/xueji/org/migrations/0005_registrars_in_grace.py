"""R19.1: registrars already working when filing began keep acting for a grace period
(``XUEJI_REGISTRAR_GRACE_DAYS``, 60 days by default), by which their school must have filed them."""

import datetime as dt

from django.conf import settings
from django.db import migrations

from xueji.core import clock


def grace(apps, schema_editor):
    User = apps.get_model("org", "User")
    RegistrarFiling = apps.get_model("org", "RegistrarFiling")
    until = clock.today() + dt.timedelta(days=int(settings.XUEJI["REGISTRAR_GRACE_DAYS"]))
    RegistrarFiling.objects.bulk_create(
        [
            RegistrarFiling(
                school_id=user.school_id,
                user_id=user.pk,
                state="grace",
                full_name=user.full_name,
                phone=user.phone,
                grace_until=until,
            )
            for user in User.objects.filter(role="registrar", is_active=True, school__isnull=False)
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [("org", "0004_registrar_filing")]

    operations = [migrations.RunPython(grace, migrations.RunPython.noop, elidable=True)]
