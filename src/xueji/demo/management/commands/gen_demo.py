"""``xueji gen_demo --students N``: synthetic students at province scale, for load tests and benchmarks.

Writes straight to the tables (COPY on PostgreSQL, bulk_create elsewhere) instead of through the
services: two million registrations through student_register would take most of a day, and the
data is synthetic, so no audit trail or history is owed to anyone. See xueji.demo.generate and
docs/decisions/0013-synthetic-generator.md. Refuses to run in production.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xueji.demo.generate import DEFAULT_SEED, DISTRICTS, ProductionRefused, generate


def _districts(raw: str) -> int | list[str]:
    """A count ("3") or GB/T 2260 codes ("410105,410102")."""
    raw = raw.strip()
    return int(raw) if raw.isdigit() and len(raw) <= 2 else [c.strip() for c in raw.split(",") if c.strip()]


class Command(BaseCommand):
    help = (
        "生成合成（虚构）学生数据，用于压力测试和性能基准：郑州市下辖区县的学校、班级和学生，"
        "不经过业务服务，不写审计记录。不能在生产环境运行。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--students", type=int, required=True, help="本次新增的学生人数")
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=f"随机种子（默认 {DEFAULT_SEED}，结果可复现）"
        )
        parser.add_argument(
            "--districts",
            type=_districts,
            default=None,
            help=(
                f"分布到几个区县（1–{len(DISTRICTS)}），或逗号分隔的区县代码（如 410105,410102）；"
                "默认按每区约 16 万名学生计算"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = generate(
                students=options["students"],
                seed=options["seed"],
                districts=options["districts"],
                log=lambda line: self.stderr.write(line),
            )
        except (ProductionRefused, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成 Generated: {report.students} 名学生 students, {report.family_members} 名家庭成员 "
                f"family members, {report.schools} 所学校 schools（新建 {report.schools_created} new）, "
                f"{report.classes_created} 个新班级 new classes, {report.districts} 个区县 districts, "
                f"{report.school_year}学年 school year — {report.seconds:.1f} s"
            )
        )
        if options["verbosity"] > 1:
            for label, seconds in report.timings.items():
                self.stdout.write(f"  {label}: {seconds:.1f} s")
