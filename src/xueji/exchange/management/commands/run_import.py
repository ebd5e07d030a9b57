"""Run one queued import job (started by the import page in a process of its own)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from xueji.exchange import services


class Command(BaseCommand):
    help = "运行一个已上传的导入任务（由导入页面在独立进程中启动）。"

    def add_arguments(self, parser):
        parser.add_argument("job_id", type=int)

    def handle(self, *args, job_id: int, **options):
        job = services.import_jobs_drain(job_id)  # then the queued imports whose turn has come
        self.stdout.write(f"导入任务 #{job.pk}：{job.get_state_display()}。{job.message}")
