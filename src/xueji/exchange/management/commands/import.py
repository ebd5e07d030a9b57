"""``xueji import students FILE --school CODE``: the page's import, from a terminal, with a progress bar.

It runs the same job as the page (recorded, audited, one transaction), as the school's registrar:
the one registrar of the school, or the one named with ``--user``.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from xueji.core.errors import RuleViolation
from xueji.exchange import services
from xueji.exchange.models import ImportJob
from xueji.org.models import Role, School, User

PHASES = {"read": "读取文件", "validate": "逐行检查", "write": "写入学籍", "done": "完成"}


class Command(BaseCommand):
    help = "从 Excel 文件批量导入学生学籍（新生注册或已有学籍，按列标题自动识别）。"

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["students"], help="导入什么：students（学生学籍）")
        parser.add_argument("file", type=Path, help="填写好的 .xlsx 文件")
        parser.add_argument("--school", required=True, help="学校标识码")
        parser.add_argument("--user", help="以哪位学籍管理员的身份导入（学校只有一位时可省略）")
        parser.add_argument("--valid-only", action="store_true", help="只导入正确的行，有错的行返回错误报告")
        parser.add_argument("--report", type=Path, help="错误报告保存到哪里（默认在原文件旁）")

    def handle(self, *args, what: str, file: Path, school: str, user: str | None, **options):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {file}：{exc.strerror}") from exc
        unit = School.objects.select_related("district").filter(code=school).first()
        if unit is None:
            raise CommandError(f"没有学校标识码为 {school} 的学校。")
        actor = self._actor(unit, user)
        try:
            job = services.import_job_create(
                actor=actor, school=unit, data=data, original_name=file.name, valid_only=options["valid_only"]
            )
        except RuleViolation as exc:
            raise CommandError(exc.message) from exc
        except PermissionDenied as exc:
            raise CommandError(f"{actor.username} 不是 {unit.name} 的学籍管理员，不能导入。") from exc
        bar = _Bar(sys.stderr)
        job = services.import_job_run(job.pk, progress=bar)
        bar.close()
        self.stdout.write(f"{unit.name}：{job.get_state_display()}。{job.message}")
        if job.has_report:
            target = options["report"] or file.with_name(f"{file.stem}.错误报告.xlsx")
            shutil.copyfile(services.report_path(job), target)
            self.stdout.write(f"错误报告：{target}（每行的「错误说明」列写明原因和条款，修改后可再次导入）")
        if job.state != ImportJob.State.DONE or job.invalid:
            raise SystemExit(1)

    def _actor(self, school: School, username: str | None) -> User:
        registrars = User.objects.filter(school=school, role=Role.REGISTRAR, is_active=True)
        if username:
            found = registrars.filter(username=username).first()
            if found is None:
                raise CommandError(f"{username} 不是 {school.name} 的在用学籍管理员。")
            return found
        matches = list(registrars[:2])
        if len(matches) != 1:
            raise CommandError(
                f"{school.name} 有 {len(matches)} 位学籍管理员，请用 --user 指定以谁的身份导入。"
            )
        return matches[0]


class _Bar:
    """A one-line progress bar on the terminal: phase, bar, rows done, rate."""

    def __init__(self, stream):
        self.stream = stream
        self.started = time.monotonic()
        self.last = 0.0
        self.tty = stream.isatty()

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < (0.1 if self.tty else 2.0) and done != total:
            return
        self.last = now
        width = 30
        filled = int(width * done / total) if total else 0
        rate = done / (now - self.started) if now > self.started else 0
        line = f"{PHASES.get(phase, phase)} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} 行  {rate:,.0f} 行/秒"
        self.stream.write(("\r" + line) if self.tty else line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
