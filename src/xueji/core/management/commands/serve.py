"""``xueji serve``: run the product under gunicorn, the production-grade server.

Serving only serves. Deploy steps come first and are separate, so a restart never changes the
database behind the operators' backs:

    export XUEJI_ENV=production SECRET_KEY=… DATABASE_URL=postgres://… ALLOWED_HOSTS=xueji.example.cn
    xueji migrate
    xueji collectstatic --noinput
    xueji serve --host 127.0.0.1 --port 8000 --workers 3     # behind nginx/caddy for TLS

The command refuses to start, with a message saying what to do, when production settings are
unsafe or incomplete (DEBUG on, no PostgreSQL, no ALLOWED_HOSTS, a fixed or shifted clock), when
migrations are pending or when the static files have not been collected. A missing SECRET_KEY, or
a clock fixed or shifted by the environment, stops the settings themselves before any command runs.
"""

from __future__ import annotations

import os
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from xueji.core import clock

DEFAULT_PORT = 8000
THREADS = 4  # gthread: a worker keeps serving while one request waits on the database


def default_workers() -> int:
    """gunicorn's rule of thumb, 2 × cores + 1, capped: every worker thread holds a DB connection."""
    return min(2 * (os.cpu_count() or 1) + 1, 9)


# R21.1: the request log keeps the path, never the query string or the referer (a search by ID
# number, a page reached from one), so the log collects no personal data.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms "%(a)s"'


def gunicorn_argv(*, host: str, port: int, workers: int) -> list[str]:
    """``python -m gunicorn …`` with this interpreter, so it works from a venv without PATH."""
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "xueji.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(THREADS),
        "--access-logfile",
        "-",
        "--access-logformat",
        ACCESS_LOG_FORMAT,
        "--error-logfile",
        "-",
        "--timeout",
        "60",
        "--graceful-timeout",
        "20",
        "--max-requests",
        "5000",  # recycle workers now and then: bounded memory over months of uptime
        "--max-requests-jitter",
        "500",
        "--name",
        "xueji",
        # gunicorn 27 opens a control socket in $HOME by default: two instances (a demo beside the
        # real one) would fight over it, and a service account may have no home at all.
        *(["--no-control-socket"] if _gunicorn_version() >= (27,) else []),
    ]


def _gunicorn_version() -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version("gunicorn").split(".")[:2] if part.isdigit())
    except PackageNotFoundError:
        return (0,)


def exec_gunicorn(argv: list[str], env: dict[str, str]) -> None:
    """Replace this process by gunicorn: signals (Ctrl-C, systemd's TERM) reach it directly."""
    sys.stdout.flush()
    sys.stderr.flush()
    connections.close_all()
    os.execve(argv[0], argv, env)  # noqa: S606 - our own interpreter, arguments built above


def production_problems() -> list[str]:
    """What keeps these settings from serving real users; empty means ready (production only)."""
    if settings.ENV != "production":
        return []
    problems = []
    if settings.DEBUG:
        problems.append(
            "生产环境不得开启 DEBUG：请删除环境变量 DEBUG 或设为 0。(DEBUG must be off in production.)"
        )
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        problems.append(
            "生产环境须使用 PostgreSQL：请设置 DATABASE_URL，如 postgres://xueji@127.0.0.1:5432/xueji。"
            "(Set DATABASE_URL to a PostgreSQL database.)"
        )
    if clock.is_moved():
        problems.append(
            "生产环境必须按真实日期运行：请删除固定或平移时钟的设置（XUEJI_FIXED_TODAY、XUEJI_CLOCK_SHIFT_DAYS，"
            "只用于测试和演示）。(A fixed or shifted clock is for the tests and the demo only.)"
        )
    if not settings.ALLOWED_HOSTS:
        problems.append(
            "请设置 ALLOWED_HOSTS（本系统对外的域名或 IP，逗号分隔），否则所有请求都会被拒绝。"
            "(Set ALLOWED_HOSTS to the host names users type.)"
        )
    return problems


def check_problems() -> tuple[list[str], list[str]]:
    """Django's deployment checks (and ours, e.g. the audit log's database role): every warning is
    a problem unless ``settings.ACCEPTED_CHECKS`` accepts its id with a reason. Returns (problems,
    the accepted ones as printed at start). Production only: a demo has no TLS to check."""
    if settings.ENV != "production":
        return [], []
    problems, accepted = [], []
    for message in checks.run_checks(include_deployment_checks=True):
        if message.level < checks.WARNING or message.is_silenced():
            continue
        reason = settings.ACCEPTED_CHECKS.get(message.id or "", "")
        if reason:
            accepted.append(f"{message.id}（{reason}）")
            continue
        hint = f" {message.hint}" if message.hint else ""
        problems.append(
            f"{message.id}：{message.msg}{hint} 如确有理由接受，设置 "
            f'XUEJI_ACCEPTED_CHECKS="{message.id}=理由"（启动时会打印）。'
        )
    return problems, accepted


def deploy_problems() -> list[str]:
    """Deploy steps not done yet: pending migrations, static files not collected."""
    problems = []
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:  # any failure to reach the database is reported as such
        return [f"无法连接数据库：{exc}。请检查 DATABASE_URL。(Cannot reach the database.)"]
    if pending:
        problems.append(
            f"数据库有 {len(pending)} 个迁移尚未执行：请先运行 xueji migrate。(Run `xueji migrate` first.)"
        )
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if settings.ENV != "test" and not manifest.exists():
        problems.append(
            f"静态文件尚未收集（{settings.STATIC_ROOT}）：请先运行 xueji collectstatic --noinput。"
            "(Run `xueji collectstatic --noinput` first.)"
        )
    return problems


class Command(BaseCommand):
    help = "用 gunicorn 提供服务（生产环境）。先执行 xueji migrate 和 xueji collectstatic。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1，前置 nginx 等反向代理）"
        )
        parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"端口（默认 {DEFAULT_PORT}）")
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help="gunicorn 工作进程数（默认 2×CPU核数+1，最多 9）",
        )
        parser.add_argument("--dry-run", action="store_true", help="只检查配置并显示 gunicorn 命令，不启动")

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["port"] <= 65535:
            raise CommandError(f"端口应在 1–65535 之间，而不是 {options['port']}。")
        if options["workers"] < 1:
            raise CommandError("工作进程数至少为 1。")
        problems = production_problems() + deploy_problems()
        checked, accepted = check_problems() if not problems else ([], [])
        problems += checked
        if problems:
            raise CommandError("无法启动服务 (cannot serve):\n  - " + "\n  - ".join(problems))
        argv = gunicorn_argv(host=options["host"], port=options["port"], workers=options["workers"])
        self.stdout.write(
            f"学籍管理系统启动于 http://{options['host']}:{options['port']}/ （{settings.ENV}）"
        )
        if settings.ENV == "production" and settings.TLS_AT_PROXY:
            self.stdout.write(
                "TLS 在反向代理处终止：采信代理发来的 X-Forwarded-Proto（XUEJI_TLS_AT_PROXY=0 可关闭）。"
            )
        for item in accepted:
            self.stdout.write(f"已接受的部署检查：{item}")
        if options["dry_run"]:
            self.stdout.write(" ".join(argv))
            return
        env = {**os.environ, "XUEJI_ENV": settings.ENV, "XUEJI_DATA_DIR": str(settings.DATA_DIR)}
        env.setdefault("DJANGO_SETTINGS_MODULE", "xueji.settings")
        exec_gunicorn(argv, env)
