"""``xueji demo``: a working district on this machine in one command, served like production.

SQLite database, generated secret key and static files all live in the data directory
(XUEJI_DATA_DIR, default ./var). The first run migrates, collects static files and seeds the demo
district (about a minute for 5,200 students); later runs find the seed and only serve. The demo
is served by gunicorn, the same server as `xueji serve` — the demo is the product, not a toy.

``--today YYYY-MM-DD`` runs the demo on another day: the clock is shifted by whole days (dates and
times, core.clock), the seed is made relative to that day, and the server's workers get the same
shift (XUEJI_CLOCK_SHIFT_DAYS), so time runs on from that day.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from xueji.core import clock
from xueji.core.management.commands.serve import DEFAULT_PORT, exec_gunicorn, gunicorn_argv
from xueji.demo.accounts import login_table
from xueji.demo.seed import DEFAULT_STUDENTS, is_seeded, seed_demo, seeded_on

DEMO_WORKERS = 2  # two cores are enough for a demo; SQLite has one writer anyway
# The days a demo may run on: ID numbers, grades and school years are computed from the day, and
# the demo district's codes and schools are those of today's Henan.
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2099, 12, 31)
STALE_DAYS = 30  # a seed this far from the demo's day is noted when the demo starts


def parse_day(raw: str) -> dt.date:
    """``--today``'s value, YYYY-MM-DD and a real calendar day; CommandError (exit code 2) otherwise."""
    text = raw.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise CommandError(
            f"--today 应为 YYYY-MM-DD 格式的日期，如 2027-03-15，而不是 {raw!r}。"
            "(--today takes a date such as 2027-03-15.)",
            returncode=2,
        )
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"--today {text} 不是日历上的日期（请检查月份和日期，如 2 月没有 30 日）。"
            f"(--today {text} is not a day of the calendar.)",
            returncode=2,
        ) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise CommandError(
            f"--today 应在 {FIRST_DAY:%Y-%m-%d} 至 {LAST_DAY:%Y-%m-%d} 之间，而不是 {text}。"
            f"(--today must lie between {FIRST_DAY} and {LAST_DAY}.)",
            returncode=2,
        )
    return day


def _is_sqlite() -> bool:
    return connection.vendor == "sqlite"


class Command(BaseCommand):
    help = (
        "建立并启动演示区（河南省安阳市北关区、文峰区）：迁移数据库、生成演示数据、打印演示账号、启动服务。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"端口（默认 {DEFAULT_PORT}）")
        parser.add_argument("--no-serve", action="store_true", help="只建立演示数据并打印账号，不启动服务")
        parser.add_argument(
            "--today",
            metavar="YYYY-MM-DD",
            help="按这一天运行演示（时钟整体平移到这一天，时间照常走；首次建立的演示数据也以这一天为准）",
        )
        parser.add_argument(
            "--demo-database",
            action="store_true",
            help="数据库不是 SQLite 时必须加上，表示确认这是专用的演示数据库（演示数据不得写入真实数据库）",
        )
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
        clock_env = self._clock(options["today"])
        if not _is_sqlite() and not options["demo_database"]:
            # A DATABASE_URL left over from a real deployment must not receive synthetic children.
            raise CommandError(
                "xueji demo 默认只用 SQLite 数据库。当前 DATABASE_URL 指向其他数据库：如确为专用的演示数据库，"
                "请加上 --demo-database 重试。 (The demo writes into SQLite only, unless --demo-database confirms "
                "that this database is a demo one.)"
            )
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
            self._note_seed_day()
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
            again = f"--today {options['today'].strip()} " if clock_env is not None else ""
            out.write(f"启动服务 To serve: xueji demo {again}--port {options['port']}  →  {url}")
            return
        out.write(f"正在启动 gunicorn Starting gunicorn: {url}  （Ctrl-C 停止 to stop）")
        env = {**os.environ, "XUEJI_ENV": "demo", "XUEJI_DATA_DIR": str(settings.DATA_DIR)}
        env.setdefault("DJANGO_SETTINGS_MODULE", "xueji.settings")
        if clock_env is not None:
            env.pop("XUEJI_FIXED_TODAY", None)
            env.update(clock_env)
        exec_gunicorn(gunicorn_argv(host="127.0.0.1", port=options["port"], workers=DEMO_WORKERS), env)

    def _clock(self, raw: str | None) -> dict[str, str] | None:
        """Shift this process's clock to ``--today`` and return what the server's workers need to
        keep the same shift (a number of days, fixed now: a worker restarted after midnight must
        not shift again); None without ``--today``."""
        if raw is None:
            return None
        day = parse_day(raw)
        if settings.XUEJI_FIXED_TODAY:
            self.stdout.write(f"--today {day:%Y-%m-%d} 代替 XUEJI_FIXED_TODAY={settings.XUEJI_FIXED_TODAY}。")
        shift = clock.shift_to(day)
        settings.XUEJI_FIXED_TODAY = None
        settings.XUEJI_CLOCK_SHIFT_DAYS = shift
        self.stdout.write(
            f"演示日期 Demo date: {day:%Y-%m-%d}（时钟平移 {shift:+d} 天，时间照常走 "
            f"the clock is shifted by {shift:+d} days and runs on）"
        )
        return {"XUEJI_CLOCK_SHIFT_DAYS": str(shift)}

    def _note_seed_day(self) -> None:
        """A demo seeded on another day still serves, but its cases' dates were that day's."""
        seeded, today = seeded_on(), clock.today()
        if seeded is not None and (seeded > today or (today - seeded).days > STALE_DAYS):
            self.stdout.write(
                f"注意：演示数据是按 {seeded:%Y-%m-%d} 建立的，今天是 {today:%Y-%m-%d}；"
                f"要按那一天继续演示，请运行 xueji demo --today {seeded:%Y-%m-%d}。"
                f"(The demo was seeded on {seeded}; run with --today {seeded} to continue on that day.)"
            )
