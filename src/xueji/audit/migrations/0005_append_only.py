"""R21.1 (等保): on PostgreSQL the audit log and its seals refuse UPDATE and DELETE, whoever asks.

The seals already detect a changed or removed row; this stops it from happening through the
application or its database role at all. Only the table's owner (the role that migrates, see the
README's deployment section) could disable the trigger, and that is a DDL statement PostgreSQL logs.
SQLite (development and the demo) has no roles to separate, so nothing is installed there.
"""

from django.db import migrations

TABLES = ("audit_auditevent", "audit_auditseal")

CREATE = """
CREATE OR REPLACE FUNCTION xueji_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '审计日志只能追加，不能修改或删除（《办法》第二十一条）'
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION xueji_audit_append_only()"
        )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS xueji_audit_append_only()")


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_mask_personal_numbers")]

    operations = [migrations.RunPython(install, remove)]
