"""``xueji demo``: a working district on this machine in one command, served like production.

SQLite database, generated secret key and static files all live in the data directory
(XUEJI_DATA_DIR, default ./var). The first run migrates, collects static files and seeds the demo
district (about a minute for 5,200 students); later runs find the seed and only serve. The demo
is served by gunicorn, the same server as `xueji serve` — the demo is the product, not a toy.
"""

from __future__ import annotations

import os
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from xueji.core.management.commands.serve import DEFAULT_PORT, exec_gunicorn, gunicorn_argv
from xueji.demo.accounts import login_table
from xueji.demo.seed import DEFAULT_STUDENTS, is_seeded, seed_demo

DEMO_WORKERS = 2  # two cores are enough for a demo; SQLite has one writer anyway


class Command(BaseCommand):
    help = (
        "建立并启动演示区（河南省安阳市北关区、文峰区）：迁移数据库、生成演示数据、打印演示账号、启动服务。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"端口（默认 {DEFAULT_PORT}）")
        parser.add_argument("--no-serve", action="store_true", help="只建立演示数据并打印账号，不启动服务")
        parser.add_argument(
            "--students",
            type=int,
            default=DEFAULT_STUDENTS,
            help=f"首次建立时的学生人数（默认 {DEFAULT_STUDENTS}）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.ENV == "production":
            # Synthetic students must never land in a real district's database.
            raise CommandError(
                "xueji demo 不能在生产环境运行（XUEJI_ENV=production）。请取消 XUEJI_ENV 后重试。"
                "(The demo refuses to write into a production database.)"
            )
        if not 1 <= options["port"] <= 65535:
            raise CommandError(f"端口应在 1–65535 之间，而不是 {options['port']}。")
        if options["students"] < 0:
            raise CommandError("学生人数不能为负数。")
        out = self.stdout
        out.write(f"数据目录 Data directory: {settings.DATA_DIR}")
        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        out.write(
            f"数据库与静态文件已就绪 Database and static files ready ({time.perf_counter() - started:.1f} s)"
        )

        exists = "演示区已存在，未重复建立 The demo district exists already; nothing was added."
        if is_seeded():
            out.write(exists)
        else:
            out.write(
                f"正在建立演示区（{options['students']} 名学生，约需一分钟）… Seeding the demo district…"
            )
            try:
                report = seed_demo(students=options["students"], log=out.write)
            except ValueError as exc:  # more students than the demo schools have seats
                raise CommandError(str(exc)) from exc
            out.write(
                self.style.SUCCESS(
                    f"演示区已建立 Demo district seeded: {report.schools} 所学校 schools, {report.classes} 个班级 "
                    f"classes, {report.students} 名学生 students（新生注册 {report.registered}，"
                    f"导入已有学籍 {report.imported}）, {report.accounts} 个账号 accounts — {report.seconds:.1f} s"
                )
                if report.seeded
                else exists  # another `xueji demo` seeded it in the meantime
            )

        url = f"http://127.0.0.1:{options['port']}/"
        out.write("")
        out.write("演示账号 Demo logins")
        out.write(login_table())
        out.write("")
        if options["no_serve"]:
            out.write(f"启动服务 To serve: xueji demo --port {options['port']}  →  {url}")
            return
        out.write(f"正在启动 gunicorn Starting gunicorn: {url}  （Ctrl-C 停止 to stop）")
        env = {**os.environ, "XUEJI_ENV": "demo", "XUEJI_DATA_DIR": str(settings.DATA_DIR)}
        env.setdefault("DJANGO_SETTINGS_MODULE", "xueji.settings")
        exec_gunicorn(gunicorn_argv(host="127.0.0.1", port=options["port"], workers=DEMO_WORKERS), env)
