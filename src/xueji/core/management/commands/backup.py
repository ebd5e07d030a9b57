"""``xueji backup``: an encrypted backup of the database and the evidence files (core.backup).

xueji backup --new-key /etc/xueji/backup.key          # once; keep the key apart from the backups
xueji backup --key /etc/xueji/backup.key --out /backups/xueji-$(date +%F).xjbk
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xueji.core import backup


class Command(BaseCommand):
    help = "加密备份数据库和佐证材料文件（附清单：各表条数、每个文件的校验值）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--new-key", metavar="PATH", help="生成新的备份密钥文件（与备份分开保存）")
        parser.add_argument("--key", metavar="PATH", help="备份密钥文件")
        parser.add_argument("--out", metavar="FILE", help="备份文件")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["new_key"]:
                backup.key_create(Path(options["new_key"]))
                self.stdout.write(
                    f"已生成备份密钥 {options['new_key']}：请与备份分开保存，丢失密钥就无法恢复备份。"
                )
                return
            if not options["key"] or not options["out"]:
                raise CommandError("请给出 --key（备份密钥文件）和 --out（备份文件）。")
            manifest = backup.backup_write(Path(options["out"]), Path(options["key"]))
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest.tables.values())
        self.stdout.write(
            f"已备份到 {options['out']}：{len(manifest.tables)} 个数据表、{rows} 条记录、"
            f"{len(manifest.evidence)} 个材料文件（{manifest.created_at}）。"
            f"请定期用 xueji restore --verify 演练恢复。"
        )
