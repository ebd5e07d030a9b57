"""`xueji flag_overdue`: flag the steps past their due date (R10.7). Run once a day (cron/systemd
timer); the inboxes already show lateness live, the flag records it in each case's timeline."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xueji.changes.services import cases_flag_overdue


class Command(BaseCommand):
    help = "标记已超过办理期限的学籍变动环节（第十条：逾期环节提示双方学校和区教育局）。"

    def handle(self, *args: Any, **options: Any) -> None:
        count = cases_flag_overdue()
        self.stdout.write(f"已标记 {count} 个逾期环节。")
