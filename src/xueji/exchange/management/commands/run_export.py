"""Run one queued export job (started by the search page in a process of its own)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from xueji.exchange import export_jobs


class Command(BaseCommand):
    help = "运行一个导出任务（由学生查询页面在独立进程中启动）。"

    def add_arguments(self, parser):
        parser.add_argument("job_id", type=int)

    def handle(self, *args, job_id: int, **options):
        job = export_jobs.export_job_run(job_id)
        self.stdout.write(f"导出任务 #{job.pk}：{job.get_state_display()}。{job.message}")
