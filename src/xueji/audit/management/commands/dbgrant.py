"""``xueji dbgrant <role>``: give the application's database role what it needs, and no more.

Run it as the role that migrates (the tables' owner) after every ``xueji migrate``, since a
migration can add tables. The application's role may read and write the data, but may only read
and append the audit log and its seals (R21.1, 等保): no UPDATE, DELETE or TRUNCATE there, and it
owns nothing, so it cannot turn the append-only trigger off either.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from xueji.audit.checks import TABLES


class Command(BaseCommand):
    help = "授予应用的数据库角色所需权限（审计日志只能查询和追加）。须由执行迁移的角色运行。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="应用连接数据库所用的角色，如 xueji_app")

    def handle(self, *args: Any, role: str, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("只有 PostgreSQL 需要分开数据库角色；SQLite（演示）没有角色。")
        name = connection.ops.quote_name(role)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone() is None:
                raise CommandError(f"数据库中没有角色 {role}：请先 CREATE ROLE {role} LOGIN PASSWORD '…'。")
            cursor.execute("SELECT current_user")
            if cursor.fetchone()[0] == role:
                raise CommandError("请用执行迁移的角色（数据表的所有者）运行本命令，而不是应用的角色本身。")
        statements = [
            f"GRANT USAGE ON SCHEMA public TO {name}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {name}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {name}",
            *(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {name}" for table in TABLES),
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(f"已授权 {role}：读写业务数据；审计日志和封存只能查询和追加。")
