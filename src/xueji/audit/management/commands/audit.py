"""`xueji audit seal` seals the audit rows committed since the last seal; `xueji audit verify
[--expect DIGEST]` recomputes every seal and says what was changed, removed or added (R21.1).
Verify exits with 1 when anything is wrong, so a monitor can run it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xueji.audit.seal_services import audit_seal, seals_verify


class Command(BaseCommand):
    help = "审计日志封存与核验 (seal the audit log; verify the seals)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["seal", "verify"])
        parser.add_argument("--expect", default="", help="日志中最近打印的封存摘要 the newest digest printed")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "seal":
            seal = audit_seal()
            if seal is None:
                self.stdout.write("没有需要封存的新记录。 (Nothing new to seal.)")
            else:
                self.stdout.write(
                    f"已封存第 {seal.first_id}–{seal.last_id} 条（{seal.rows} 条），封存摘要 {seal.sha256}"
                )
            return
        result = seals_verify(expect=options["expect"])
        for problem in result.problems:
            self.stderr.write(problem)
        if not result.intact:
            raise CommandError(
                f"审计日志核验未通过：{len(result.problems)} 处问题。 (Audit log verification failed.)"
            )
        self.stdout.write(
            f"审计日志完好：{result.seals} 次封存、{result.rows} 条记录，最新封存摘要 {result.newest or '（尚无封存）'}"
        )
