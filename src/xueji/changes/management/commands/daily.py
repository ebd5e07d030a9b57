"""`xueji daily`: what the passing of time does, once a day (cron or a systemd timer).

- steps past their due date are flagged, and cases past their whole due date (R10.7);
- drafts without a legal deadline that were not submitted in time lapse (R17.2);
- running status periods (休学) that crossed a threshold — 30 days before their end, the end, each
  escalation after it — get one event each (R12.4, R12.6); the status itself never changes;
- a dropped-out student's record is closed (肄业, kept, read-only) once the compulsory term has
  ended (R13.2, decision 0034);
- search terms kept for their pages (``core.saved_search``) older than a day are deleted;
- the audit rows committed since yesterday are sealed, and the newest seal's digest printed, so the
  log kept elsewhere can later prove the newest seal untouched (``xueji audit verify --expect``).

Each step writes one event per threshold crossed and nothing for one already recorded, so a missed
day is caught up and a second run the same day changes nothing. The lists that read these (to-do
lists, what is coming due) are computed live anyway.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xueji.audit.models import AuditSeal
from xueji.audit.seal_services import audit_seal
from xueji.changes.services import cases_flag_overdue, cases_flag_whole_overdue, cases_lapse_drafts
from xueji.core import clock, saved_search
from xueji.students.status import dropouts_close, status_periods_daily


class Command(BaseCommand):
    help = "每日运行：标记逾期环节和逾期事项，草稿逾期失效，休学期满提醒，辍学学籍届满关闭（第十条、第十二条、第十三条、R17.2）。"

    def handle(self, *args: Any, **options: Any) -> None:
        today = clock.today()
        steps = cases_flag_overdue(today=today)
        whole = cases_flag_whole_overdue(today=today)
        lapsed = cases_lapse_drafts(today=today)
        periods = status_periods_daily(today=today)
        closed = dropouts_close(today=today)
        searches = saved_search.purge()  # R21.1: yesterday's search terms (names, ID numbers) go
        seal = audit_seal()
        self.stdout.write(
            f"{today:%Y-%m-%d}：已标记 {steps} 个逾期环节、{whole} 件整体逾期事项；"
            f"{lapsed} 件草稿逾期失效；{periods} 条休学期满提醒；{closed} 名辍学学生义务教育年限届满，学籍关闭；删除 {searches} 条过期的查询条件。"
        )
        newest = seal or AuditSeal.objects.order_by("-last_id").first()
        self.stdout.write(
            f"审计日志封存：{'新封存 ' + str(seal.rows) + ' 条，' if seal else '没有新记录，'}"
            f"最新封存摘要 {newest.sha256 if newest else '（尚无）'}"
        )
