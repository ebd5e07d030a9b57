"""A deployment check (``xueji check --deploy``, and ``xueji serve`` refuses to start on it): the
database role the application runs as must not be able to change the audit log (R21.1, 等保).

The 0005 trigger refuses UPDATE and DELETE, but the table's owner can disable a trigger; so the
application must run as a role that neither owns the audit tables nor holds UPDATE, DELETE or
TRUNCATE on them, separate from the role that migrates (README: 生产部署).
"""

from __future__ import annotations

from typing import Any

from django.core.checks import Tags, Warning, register
from django.db import connection

TABLES = ("audit_auditevent", "audit_auditseal")


@register(Tags.database, deploy=True)
def audit_role_check(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if connection.vendor != "postgresql":
        return []
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname FROM pg_class c WHERE c.relname = ANY(%s) AND ("
                " pg_has_role(current_user, c.relowner, 'USAGE')"
                " OR has_table_privilege(current_user, c.oid, 'UPDATE')"
                " OR has_table_privilege(current_user, c.oid, 'DELETE')"
                " OR has_table_privilege(current_user, c.oid, 'TRUNCATE'))",
                [list(TABLES)],
            )
            writable = sorted(row[0] for row in cursor.fetchall())
    except Exception:  # noqa: BLE001 - no database yet: the migration check reports that
        return []
    if not writable:
        return []
    return [
        Warning(
            f"应用连接数据库所用的角色能修改或删除审计日志（{'、'.join(writable)}）。",
            hint="请按 README「生产部署」用单独的数据库角色运行应用：执行迁移的角色拥有数据表，"
            "应用的角色对审计日志只有查询和追加的权限（xueji dbgrant <应用角色>）。",
            id="xueji.W001",
        )
    ]
