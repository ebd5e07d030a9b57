"""``xueji restore``: the restore drill, and unpacking a backup for a real restore (core.backup).

xueji restore --verify --key /etc/xueji/backup.key /backups/xueji-2026-12-04.xjbk
xueji restore --extract /srv/restore --key /etc/xueji/backup.key /backups/xueji-2026-12-04.xjbk
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xueji.core import backup


class Command(BaseCommand):
    help = "恢复演练（--verify：恢复到临时数据库并逐表、逐文件核对）或解开备份（--extract）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", help="备份文件")
        parser.add_argument("--key", metavar="PATH", required=True, help="备份密钥文件")
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--verify", action="store_true", help="恢复到临时数据库并核对，不动现有数据")
        action.add_argument("--extract", metavar="DIR", help="解密并解开到目录（数据库导出和材料文件）")

    def handle(self, *args: Any, **options: Any) -> None:
        source, key = Path(options["backup"]), Path(options["key"])
        if not source.is_file():
            raise CommandError(f"找不到备份文件 {source}。")
        try:
            if options["extract"]:
                manifest = backup.backup_extract(source, key, Path(options["extract"]))
                self.stdout.write(
                    f"已解开到 {options['extract']}：数据库（{manifest.vendor}）和 {len(manifest.evidence)} 个材料文件；"
                    "按 README「备份与恢复」恢复。"
                )
                return
            result = backup.backup_verify(source, key)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        manifest = result.manifest
        if not result.intact:
            raise CommandError("恢复演练发现问题：\n  - " + "\n  - ".join(result.problems))
        self.stdout.write(
            f"恢复演练通过：{len(manifest.tables)} 个数据表、{sum(manifest.tables.values())} 条记录、"
            f"{len(manifest.evidence)} 个材料文件，与备份清单（{manifest.created_at}）一致。"
        )
